import type { CellValue } from './bag.js';

/** Offline labeling types shared by main, the CLI and the renderer. */

export type FieldKind = 'term' | 'integer' | 'float' | 'boolean' | 'date' | 'text' | 'asset';

export interface RecordField {
  column: string;
  kind: FieldKind;
  required: boolean;
  /** For term fields: the allowed vocabulary names. */
  terms?: string[];
  type: string;
  /** For number fields: the range the model declares for the column (its comment), within the type's. */
  range?: { min: number; max: number };
}

/** The shape of a feature record (deriva-ml's feature_record_class): target column + feature columns. */
export interface RecordShape {
  feature: string;
  target: string;
  table: string;
  fields: RecordField[];
}

export type RecordValues = Record<string, CellValue>;

export interface Draft {
  feature: string;
  featureName: string;
  targetTable: string;
  target: string;
  values: RecordValues;
  author: string;
  updatedAt: string;
}

export interface HistoryEntry {
  actionId: number;
  kind: string;
  author: string;
  at: string;
  feature: string;
  target: string;
  old: RecordValues | null;
  new: RecordValues | null;
}

export type QueueKind =
  'all' | 'unlabeled' | 'disagreements' | 'confidence' | 'label' | 'dataset-type' | 'filter';

export interface Confusion {
  labels: string[];
  /** matrix[i][j] = targets labeled labels[i] by the first rater and labels[j] by the second. */
  matrix: number[][];
  /** Targets behind each cell, keyed `${i},${j}`, so a cell can become a work queue. */
  targets: Record<string, string[]>;
  shared: number;
}

export interface AgreementReport {
  raters: { id: string; label: string; targets: number }[];
  pairs: { a: string; b: string; kappa: number | null; shared: number }[];
  fleiss: { kappa: number | null; subjects: number };
  confusion: Confusion | null;
  disagreements: { target: string; labels: Record<string, string> }[];
}

export interface LabelProgress {
  labeled: number;
  total: number;
}

/** A feature the user can label in an opened bag. `key` is `Target/Feature`, e.g. `Image/Cell_Type`. */
export interface LabelFeature {
  key: string;
  shape: RecordShape;
  progress: LabelProgress;
}

/** What every labeling action answers: what changed, and the state the UI shows next. */
export interface LabelChange {
  kind: 'set' | 'clear' | 'import' | 'undo' | 'redo' | 'none';
  changed: number;
  targets: string[];
  drafts: Draft[];
  progress: LabelProgress | null;
  canUndo: boolean;
  canRedo: boolean;
}
