/**
 * Regions drawn on images (boxes, polygons, points), shared by main, the CLI and the renderer. A
 * drawing is kept and committed as one labelme JSON file per image (main/core/regions): labelme's
 * shape types and its `[x, y]` points in image pixels, origin at the top-left corner.
 */

/** Every shape type a labelme file may hold; Satchel draws the first three. */
export const LABELME_SHAPE_TYPES = [
  'rectangle',
  'polygon',
  'point',
  'circle',
  'line',
  'linestrip',
  'points',
  'mask',
] as const;
export type ShapeType = (typeof LABELME_SHAPE_TYPES)[number];

export const DRAWN_SHAPE_TYPES = ['rectangle', 'polygon', 'point'] as const;
export type DrawnShapeType = (typeof DRAWN_SHAPE_TYPES)[number];

export type RegionPoint = [number, number];

/** One shape. `label` is a term of the feature's vocabulary, or null while unassigned. */
export interface Region {
  kind: ShapeType;
  points: RegionPoint[];
  label: string | null;
}

/** A region Satchel draws (and therefore saves in drafts). */
export interface DrawnRegion extends Region {
  kind: DrawnShapeType;
}

export interface ImageSize {
  width: number;
  height: number;
}

/** What a region action was, for the history and the undo notice. */
export const REGION_OPERATIONS = [
  'add',
  'delete',
  'move',
  'reshape',
  'nudge',
  'label',
  'copy',
  'clear',
] as const;
export type RegionOperation = (typeof REGION_OPERATIONS)[number];

/** The regions one image has in this workspace's drafts. */
export interface RegionDraft {
  target: string;
  regions: DrawnRegion[];
  image: ImageSize | null;
  /** sha256 of the draft's labelme file in the workspace's content-addressed store; null when none. */
  sha256: string | null;
}

/** What every region action answers: the image it changed, its regions now, and undo/redo availability. */
export interface RegionChange {
  kind: RegionOperation | 'undo' | 'redo' | 'none';
  /** The operation an undo or redo replayed. */
  replayed: RegionOperation | null;
  draft: RegionDraft | null;
  /** Images of the feature that have drafted regions. */
  drawn: number;
  canUndo: boolean;
  canRedo: boolean;
}

/** How a file of an asset-valued feature can be shown. */
export type FeatureFileKind = 'regions' | 'image' | 'text' | 'other' | 'missing' | 'invalid';

/** One asset file a feature row of the bag points at, for one target. */
export interface FeatureFile {
  feature: string;
  column: string;
  execution: string | null;
  rct: string | null;
  /** The asset table (qualified) and row, for `asset:info` and asset URLs. */
  assetTable: string;
  assetRid: string;
  filename: string | null;
  kind: FeatureFileKind;
  /** kind 'regions': the shapes of the labelme file. */
  regions: Region[] | null;
  /** kind 'invalid' or 'missing': the sentence saying why it cannot be drawn. */
  problem: string | null;
}

/** Region agreement between two raters of one feature. */
export interface RegionImageComparison {
  target: string;
  matched: number;
  unmatchedA: number;
  unmatchedB: number;
  /** Matched pairs whose labels differ. */
  labelMismatches: number;
  /** Mean IoU of the matched pairs; null when none matched. */
  meanIoU: number | null;
  /** Points and lines: they have no area, so they are counted, not matched. */
  notComparedA: number;
  notComparedB: number;
  /** unmatched + label mismatches + Σ(1 − IoU) of the matched pairs: the queue's order, worst first. */
  difference: number;
}

export interface RegionRater {
  id: string;
  label: string;
  images: number;
  regions: number;
}

export interface RegionAgreementReport {
  threshold: number;
  raters: RegionRater[];
  pair: [string, string] | null;
  /** Images both raters drew on. */
  images: number;
  onlyA: number;
  onlyB: number;
  matched: number;
  unmatchedA: number;
  unmatchedB: number;
  labelMismatches: number;
  meanIoU: number | null;
  /** Images both drew on, the most different first. */
  queue: RegionImageComparison[];
  /** Region files of the bag that could not be read, one sentence each. */
  problems: string[];
}

/** An axis-aligned box in image pixels. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The box around a region: its points' extent, except a circle, which labelme stores as its centre and
 * one point on its rim.
 */
export function regionBounds(region: Pick<Region, 'kind' | 'points'>): Box {
  if (region.kind === 'circle' && region.points.length === 2) {
    const [[cx, cy], [rx, ry]] = region.points as [RegionPoint, RegionPoint];
    const radius = Math.hypot(rx - cx, ry - cy);
    return { x0: cx - radius, y0: cy - radius, x1: cx + radius, y1: cy + radius };
  }
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const [x, y] of region.points) {
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return { x0, y0, x1, y1 };
}

/** Shapes that enclose an area (and so take part in IoU matching). */
export function hasArea(kind: ShapeType): boolean {
  return kind === 'rectangle' || kind === 'polygon' || kind === 'circle' || kind === 'mask';
}
