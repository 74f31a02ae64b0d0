import type { DrawnRegion, ImageSize, RegionPoint } from '../../../shared/regions.js';
import type { View } from '../components/viewer/zoom.js';

/**
 * Region geometry in image pixels (origin top-left): from the screen to the image and back, hit tests,
 * the handles of a shape and what dragging one does. Pure: the overlay and the store call it.
 */

/** A point of the stage (CSS pixels from its top-left corner) in image pixels. */
export function stageToImage(view: View, x: number, y: number): RegionPoint {
  return [(x - view.x) / view.scale, (y - view.y) / view.scale];
}

export function clampPoint([x, y]: RegionPoint, size: ImageSize): RegionPoint {
  return [Math.min(size.width, Math.max(0, x)), Math.min(size.height, Math.max(0, y))];
}

/** The rectangle with corners a and b, stored as labelme does: top-left, bottom-right. */
export function rectangleBetween(a: RegionPoint, b: RegionPoint): [RegionPoint, RegionPoint] {
  return [
    [Math.min(a[0], b[0]), Math.min(a[1], b[1])],
    [Math.max(a[0], b[0]), Math.max(a[1], b[1])],
  ];
}

export function pointInPolygon([x, y]: RegionPoint, polygon: readonly RegionPoint[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function distance(a: RegionPoint, b: RegionPoint): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** Whether `at` is on the region; `tolerance` (image pixels) makes points and thin shapes reachable. */
export function hitsRegion(region: DrawnRegion, at: RegionPoint, tolerance: number): boolean {
  if (region.kind === 'point') return distance(region.points[0]!, at) <= tolerance;
  const corners = region.kind === 'rectangle' ? handlesOf(region) : region.points;
  return pointInPolygon(at, corners) || corners.some((corner) => distance(corner, at) <= tolerance);
}

/** The topmost region under `at` (the last drawn wins), or null. */
export function regionAt(regions: readonly DrawnRegion[], at: RegionPoint, tolerance: number): number | null {
  for (let index = regions.length - 1; index >= 0; index--)
    if (hitsRegion(regions[index]!, at, tolerance)) return index;
  return null;
}

/** Where a shape can be grabbed to reshape it: a rectangle's four corners, a polygon's vertices, the point. */
export function handlesOf(region: DrawnRegion): RegionPoint[] {
  if (region.kind !== 'rectangle') return region.points;
  const [[x0, y0], [x1, y1]] = region.points as [RegionPoint, RegionPoint];
  return [
    [x0, y0],
    [x1, y0],
    [x1, y1],
    [x0, y1],
  ];
}

export function handleAt(region: DrawnRegion, at: RegionPoint, tolerance: number): number | null {
  let best: number | null = null;
  let bestDistance = tolerance;
  handlesOf(region).forEach((handle, index) => {
    const gap = distance(handle, at);
    if (gap <= bestDistance) {
      best = index;
      bestDistance = gap;
    }
  });
  return best;
}

/** The region with handle `index` dragged to `to`: a rectangle keeps the opposite corner in place. */
export function moveHandle(
  region: DrawnRegion,
  index: number,
  to: RegionPoint,
  size: ImageSize,
): DrawnRegion {
  const target = clampPoint(to, size);
  if (region.kind === 'rectangle') {
    const opposite = handlesOf(region)[(index + 2) % 4]!;
    return { ...region, points: rectangleBetween(opposite, target) };
  }
  return { ...region, points: region.points.map((point, at) => (at === index ? target : point)) };
}

/** The region moved by (dx, dy), stopped at the image's edges so it keeps its shape. */
export function translateRegion(region: DrawnRegion, dx: number, dy: number, size: ImageSize): DrawnRegion {
  const xs = region.points.map(([x]) => x);
  const ys = region.points.map(([, y]) => y);
  const shiftX = Math.min(size.width - Math.max(...xs), Math.max(-Math.min(...xs), dx));
  const shiftY = Math.min(size.height - Math.max(...ys), Math.max(-Math.min(...ys), dy));
  return { ...region, points: region.points.map(([x, y]) => [x + shiftX, y + shiftY] as RegionPoint) };
}

/** The SVG `points` attribute of a shape. */
export function svgPoints(points: readonly RegionPoint[]): string {
  return points.map(([x, y]) => `${x},${y}`).join(' ');
}
