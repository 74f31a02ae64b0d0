import { handlesOf } from '../../regions/geometry.js';
import { useRegions } from '../../stores/regions/index.js';

const HANDLE_PX = 5;

/** Where the selected region can be grabbed to reshape it. */
export function SelectionHandles({ scale }: { scale: number }) {
  const region = useRegions((state) =>
    state.selected === null
      ? null
      : state.preview?.index === state.selected
        ? state.preview.region
        : (state.regions[state.selected] ?? null),
  );
  if (!region) return null;
  return (
    <g className="region-handles" data-testid="region-handles">
      {handlesOf(region).map(([x, y], index) => (
        <rect
          key={index}
          x={x - HANDLE_PX / scale}
          y={y - HANDLE_PX / scale}
          width={(2 * HANDLE_PX) / scale}
          height={(2 * HANDLE_PX) / scale}
          vectorEffect="non-scaling-stroke"
        />
      ))}
    </g>
  );
}
