import type {
  DrawnRegion,
  DrawnShapeType,
  FeatureFile,
  ImageSize,
  RegionOperation,
  RegionPoint,
} from '../../../../shared/regions.js';

/** The image being drawn on (or only looked at, without a feature: browse mode shows the bag's files). */
export interface RegionImage {
  bagId: string;
  /** The asset-valued feature being drawn, `Target/Name`; null when not drawing. */
  feature: string | null;
  /** The image's table (qualified), for its feature files. */
  table: string;
  target: string;
}

/** The drawing of the image on screen and how it is saved: one action, one undo step, in order. */
export interface DraftSlice {
  image: RegionImage | null;
  size: ImageSize | null;
  regions: DrawnRegion[];
  /** Whether the drafts of `image` have arrived. */
  loaded: boolean;
  canUndo: boolean;
  canRedo: boolean;
  /** Images of the feature with a drawing. */
  drawn: number;
  saving: number;
  error: string | null;
  notice: string | null;
  showImage(image: RegionImage | null): void;
  setSize(size: ImageSize): void;
  /** Shows `regions` at once and saves them as one action. */
  commit(regions: DrawnRegion[], operation: RegionOperation, select?: number | null): void;
  /** Adds the previous image's regions (in the work queue's order) to this one, as one action. */
  copyPrevious(): void;
  undo(): void;
  redo(): void;
  say(notice: string | null): void;
  dismissError(): void;
}

/** What the user is doing with the pointer and keys: the armed tool, the selection, a drag in progress. */
export interface EditorSlice {
  tool: DrawnShapeType | null;
  /** Points placed so far of the shape being drawn. */
  placed: RegionPoint[];
  /** The keyboard cursor (and the pointer while drawing), in image pixels. */
  cursor: RegionPoint | null;
  selected: number | null;
  /** The region being dragged, as it is now (saved when the drag ends). */
  preview: { index: number; region: DrawnRegion } | null;
  armTool(tool: DrawnShapeType): void;
  /** Esc: drops the shape being drawn and the tool, else the selection; false when there was nothing. */
  cancel(): boolean;
  place(at?: RegionPoint): void;
  closePolygon(): void;
  pointTo(at: RegionPoint): void;
  moveCursor(dx: number, dy: number): void;
  select(index: number | null): void;
  cycle(backwards: boolean): void;
  deleteSelected(): void;
  nudge(dx: number, dy: number): void;
  assignTerm(term: string): void;
  drag(index: number, region: DrawnRegion): void;
  endDrag(operation: 'move' | 'reshape'): void;
}

/** The bag's files for the image (other executions' drawings, masks, reports) and which raters are shown. */
export interface OverlaySlice {
  files: FeatureFile[];
  /** Rater (execution RID, or 'drafts') → hidden. */
  hidden: Record<string, boolean>;
  toggleRater(rater: string): void;
}

export type RegionStore = DraftSlice & EditorSlice & OverlaySlice;
export const DRAFTS_RATER = 'drafts';
