import { useLayoutEffect } from 'react';
import { useRegions } from '../../stores/regions/index.js';
import { RegionShape } from './RegionShape.js';

/** This workspace's drawing: the region being dragged is shown where it is now. */
export function DraftRegions({ scale }: { scale: number }) {
  const regions = useRegions((state) => state.regions);
  const selected = useRegions((state) => state.selected);
  const preview = useRegions((state) => state.preview);
  const loaded = useRegions((state) => state.loaded);
  const target = useRegions((state) => state.image?.target ?? null);
  // When an image's drawing was first on screen: the end of the first frame after it reached the page
  // (a message posted from that frame's requestAnimationFrame runs once it is rendered). The benchmark reads it.
  useLayoutEffect(() => {
    if (!loaded || !target) return;
    const frame = requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const count = useRegions.getState().regions.length;
        performance.mark('regions-painted', { detail: { target, count } });
      };
      channel.port2.postMessage(null);
    });
    return () => cancelAnimationFrame(frame);
  }, [loaded, target]);
  return (
    <g className="draft-regions" data-testid="draft-regions" data-count={regions.length}>
      {regions.map((region, index) => (
        <RegionShape
          key={index}
          index={index}
          region={preview?.index === index ? preview.region : region}
          scale={scale}
          className="draft-region"
          selected={selected === index}
          testId="draft-region"
        />
      ))}
    </g>
  );
}
