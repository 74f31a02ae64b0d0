import { memo } from 'react';
import { regionBounds, type Region } from '../../../../shared/regions.js';
import { svgPoints } from '../../regions/geometry.js';

interface RegionShapeProps {
  region: Region;
  /** Screen pixels per image pixel: labels and points keep their on-screen size at any zoom. */
  scale: number;
  className: string;
  selected?: boolean;
  testId?: string;
  index?: number;
}

const LABEL_PX = 12;
const POINT_PX = 4;

/** One shape of a drawing, in image pixels; strokes keep their width on screen whatever the zoom. */
export const RegionShape = memo(function RegionShape({
  region,
  scale,
  className,
  selected = false,
  testId,
  index,
}: RegionShapeProps) {
  const classes = `region ${className}${selected ? ' selected' : ''}`;
  const data = {
    'data-testid': testId,
    'data-kind': region.kind,
    'data-label': region.label ?? '',
    'data-index': index,
  };
  const box = regionBounds(region);
  const label = region.label && (
    <text className="region-label" x={box.x0} y={box.y0 - 2 / scale} fontSize={LABEL_PX / scale}>
      {region.label}
    </text>
  );
  if (region.kind === 'point' || region.kind === 'points') {
    return (
      <g className={classes} {...data}>
        {region.points.map(([x, y], at) => (
          <circle key={at} cx={x} cy={y} r={POINT_PX / scale} />
        ))}
        {label}
      </g>
    );
  }
  if (region.kind === 'circle') {
    const radius = (box.x1 - box.x0) / 2;
    return (
      <g className={classes} {...data}>
        <circle cx={box.x0 + radius} cy={box.y0 + radius} r={radius} vectorEffect="non-scaling-stroke" />
        {label}
      </g>
    );
  }
  const open = region.kind === 'line' || region.kind === 'linestrip';
  const Outline = open ? 'polyline' : 'polygon';
  const points =
    region.kind === 'rectangle' || region.kind === 'mask'
      ? svgPoints([
          [box.x0, box.y0],
          [box.x1, box.y0],
          [box.x1, box.y1],
          [box.x0, box.y1],
        ])
      : svgPoints(region.points);
  return (
    <g className={classes} {...data}>
      <Outline points={points} vectorEffect="non-scaling-stroke" className={open ? 'open' : undefined} />
      {label}
    </g>
  );
});
