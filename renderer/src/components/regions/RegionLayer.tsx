import { useEffect, useState } from 'react';
import { DRAFTS_RATER, useRegions } from '../../stores/regions/index.js';
import type { OverlayLayer } from '../viewer/ZoomableImage.js';
import { BagRegions } from './BagRegions.js';
import { DraftRegions } from './DraftRegions.js';
import { DrawingGuide } from './DrawingGuide.js';
import { SelectionHandles } from './SelectionHandles.js';
import { useRegionPointer } from './useRegionPointer.js';
import './regions.css';

/**
 * The regions over the viewer's image, in image pixels under the image's own transform: the bag's files
 * per rater, and while drawing, this workspace's drawing with its handles and the shape in progress.
 */
export function RegionLayer({ layer, editing }: { layer: OverlayLayer; editing: boolean }) {
  const { size, view } = layer;
  const [svg, setSvg] = useState<SVGSVGElement | null>(null);
  const handlers = useRegionPointer(svg, layer, editing);
  const draftsHidden = useRegions((state) => state.hidden[DRAFTS_RATER] === true);
  const armed = useRegions((state) => state.tool !== null);
  useEffect(
    () => useRegions.getState().setSize({ width: size.width, height: size.height }),
    [size.width, size.height],
  );
  const classes = ['region-layer', editing && 'editing', armed && 'armed'].filter(Boolean).join(' ');
  // The stage's size, the image's transform inside: strokes then keep their width at any zoom.
  return (
    <svg ref={setSvg} className={classes} data-testid="region-layer" {...handlers}>
      <g transform={`translate(${view.x} ${view.y}) scale(${view.scale})`}>
        <rect
          className="region-image-bounds"
          data-testid="region-image-bounds"
          width={size.width}
          height={size.height}
        />
        <BagRegions scale={view.scale} />
        {editing && !draftsHidden && <DraftRegions scale={view.scale} />}
        {editing && <SelectionHandles scale={view.scale} />}
        {editing && <DrawingGuide scale={view.scale} />}
      </g>
    </svg>
  );
}
