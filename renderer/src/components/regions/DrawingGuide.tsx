import { rectangleBetween, svgPoints } from '../../regions/geometry.js';
import { useRegions } from '../../stores/regions/index.js';

const CROSS_PX = 9;

/** The shape being drawn (its points so far and a rubber band to the cursor) and the keyboard cursor. */
export function DrawingGuide({ scale }: { scale: number }) {
  const tool = useRegions((state) => state.tool);
  const placed = useRegions((state) => state.placed);
  const cursor = useRegions((state) => state.cursor);
  if (!tool) return null;
  const arm = CROSS_PX / scale;
  let band = null;
  if (cursor && placed.length > 0) {
    if (tool === 'rectangle') {
      const [[x0, y0], [x1, y1]] = rectangleBetween(placed[0]!, cursor);
      band = <rect x={x0} y={y0} width={x1 - x0} height={y1 - y0} vectorEffect="non-scaling-stroke" />;
    } else {
      band = <polyline points={svgPoints([...placed, cursor])} vectorEffect="non-scaling-stroke" />;
    }
  }
  return (
    <g className="drawing-guide" data-testid="drawing-guide" data-tool={tool} data-placed={placed.length}>
      {band}
      {placed.map(([x, y], index) => (
        <circle key={index} cx={x} cy={y} r={3 / scale} className="placed" />
      ))}
      {cursor && (
        <g className="keyboard-cursor" data-testid="region-cursor" data-x={cursor[0]} data-y={cursor[1]}>
          <line
            x1={cursor[0] - arm}
            y1={cursor[1]}
            x2={cursor[0] + arm}
            y2={cursor[1]}
            vectorEffect="non-scaling-stroke"
          />
          <line
            x1={cursor[0]}
            y1={cursor[1] - arm}
            x2={cursor[0]}
            y2={cursor[1] + arm}
            vectorEffect="non-scaling-stroke"
          />
        </g>
      )}
    </g>
  );
}
