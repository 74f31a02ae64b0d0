import type { DrawnRegion, DrawnShapeType, ImageSize, RegionPoint } from '../../../shared/regions.js';
import { clampPoint, rectangleBetween } from './geometry.js';

/**
 * Drawing one shape, by mouse or keyboard: the armed tool and the points placed so far. A rectangle is
 * two opposite corners, a point one click, a polygon as many vertices as wanted, closed with Enter (or by
 * clicking its first vertex). Pure: each step returns the next state and, when done, the new region.
 */
export interface Drawing {
  tool: DrawnShapeType;
  points: RegionPoint[];
}

export interface DrawingStep {
  drawing: Drawing;
  finished: DrawnRegion | null;
}

/** Shapes smaller than this (image pixels) are a slip of the hand, not a drawing. */
const MIN_EXTENT = 1;

export function startDrawing(tool: DrawnShapeType): Drawing {
  return { tool, points: [] };
}

/** Places a point: it may finish the shape (the tool stays armed, ready for the next one). */
export function placePoint(
  drawing: Drawing,
  at: RegionPoint,
  size: ImageSize,
  label: string | null,
): DrawingStep {
  const point = clampPoint(at, size);
  const ready = { tool: drawing.tool, points: [] };
  switch (drawing.tool) {
    case 'point':
      return { drawing: ready, finished: { kind: 'point', points: [point], label } };
    case 'rectangle': {
      const first = drawing.points[0];
      if (!first) return { drawing: { ...drawing, points: [point] }, finished: null };
      const corners = rectangleBetween(first, point);
      const [[x0, y0], [x1, y1]] = corners;
      if (x1 - x0 < MIN_EXTENT || y1 - y0 < MIN_EXTENT) return { drawing, finished: null };
      return { drawing: ready, finished: { kind: 'rectangle', points: corners, label } };
    }
    case 'polygon': {
      const last = drawing.points.at(-1);
      if (last && Math.hypot(last[0] - point[0], last[1] - point[1]) < MIN_EXTENT)
        return { drawing, finished: null };
      return { drawing: { ...drawing, points: [...drawing.points, point] }, finished: null };
    }
  }
}

/** Closes a polygon of at least three vertices; anything else stays as it is. */
export function closePolygon(drawing: Drawing, label: string | null): DrawingStep {
  if (drawing.tool !== 'polygon' || drawing.points.length < 3) return { drawing, finished: null };
  return {
    drawing: { tool: 'polygon', points: [] },
    finished: { kind: 'polygon', points: drawing.points, label },
  };
}

/** Whether a click at `at` closes the polygon: on its first vertex, once it has three. */
export function closesPolygon(drawing: Drawing, at: RegionPoint, tolerance: number): boolean {
  const first = drawing.points[0];
  return (
    drawing.tool === 'polygon' &&
    drawing.points.length >= 3 &&
    first !== undefined &&
    Math.hypot(first[0] - at[0], first[1] - at[1]) <= tolerance
  );
}
