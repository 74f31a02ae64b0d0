/** Domain types of an opened dataset bag, shared by main, the CLI and the renderer. */

export type BagFormat = 'A' | 'B';
export type TableKind = 'asset' | 'vocabulary' | 'association' | 'feature' | 'table';

/** A JSON-safe cell value as stored in the bag database: arrays come back as string arrays. */
export type CellValue = string | number | boolean | null | string[];
export type Row = Record<string, CellValue>;

export interface TableSummary {
  schema: string;
  table: string;
  kind: TableKind;
  rows: number;
}

export interface DatasetSummary {
  rid: string;
  types: string[];
  version: string | null;
  description: string | null;
  children: string[];
  members: Record<string, number>;
}

export interface FeatureSummary {
  target: string;
  name: string;
  table: string;
  termColumns: string[];
  valueColumns: string[];
  assetColumns: string[];
  rows: number;
}

export interface InspectReport {
  rid: string;
  snaptime: string;
  version: string | null;
  format: BagFormat;
  materialized: boolean;
  tables: TableSummary[];
  datasets: DatasetSummary[];
  features: FeatureSummary[];
}

export interface ColumnInfo {
  name: string;
  type: string;
  nullok: boolean;
  default: string | null;
  comment: string | null;
  /** Set when the column is a simple foreign key: the referenced table and column. */
  references: { schema: string; table: string; column: string } | null;
}

export interface TableInfo {
  schema: string;
  table: string;
  kind: TableKind;
  comment: string | null;
  columns: ColumnInfo[];
}

export interface VocabularyTerm {
  name: string;
  description: string | null;
  synonyms: string[];
}

export interface TermColumn {
  column: string;
  vocabulary: string;
  nullok: boolean;
  terms: VocabularyTerm[];
}

export interface ValueColumn {
  column: string;
  type: string;
  nullok: boolean;
}

export interface FeatureDefinition extends FeatureSummary {
  targetSchema: string;
  schema: string;
  terms: TermColumn[];
  values: ValueColumn[];
  assets: { column: string; assetTable: string; nullok: boolean }[];
  qualifierColumns: string[];
}

export type Selector =
  | { kind: 'newest' }
  | { kind: 'first' }
  | { kind: 'majority'; column?: string }
  | { kind: 'execution'; rid: string }
  /** deriva-ml's select_by_workflow: the newest record of any execution of that workflow. */
  | { kind: 'workflow'; workflow: string }
  | { kind: 'all' };

export interface FeatureValue {
  target: string;
  execution: string | null;
  rct: string | null;
  values: Record<string, CellValue>;
}

export interface VerifyProblem {
  path: string;
  kind: string;
  message: string;
}

export interface VerifyReport {
  /** Valid in RFC 8493's sense: complete, and every present file matches its manifests. */
  ok: boolean;
  /** Every payload file the manifests list is in the bag (a holey bag is not complete). */
  complete: boolean;
  files: number;
  bytes: number;
  checks: number;
  materialized: boolean;
  /** Entries of fetch.txt. */
  fetchListed: number;
  /** Files fetch.txt lists that are not in the bag. */
  unfetched: number;
  /** Their bag paths, the first MAX_MISSING_LISTED of them. */
  missing: string[];
  problems: VerifyProblem[];
}

/** How many missing files a verify report names (the count is always exact). */
export const MAX_MISSING_LISTED = 1000;

export interface Page<T> {
  rows: T[];
  total: number;
  offset: number;
}

export interface SortSpec {
  column: string;
  descending?: boolean;
}

/** A filter on one column: `equals` matches exactly, `contains` matches a substring, case-insensitively. */
export interface ColumnFilter {
  column: string;
  equals?: string | number | boolean | null;
  contains?: string;
}

export interface PageRequest {
  offset?: number;
  limit?: number;
  sort?: SortSpec;
  filters?: ColumnFilter[];
}

/**
 * One condition of the filterable grid, on a member (the target RID). Conditions of the same facet
 * (filterFacet) are alternatives, conditions of different facets must all hold.
 */
export type MemberFilter =
  /** A row of the feature (`Image/Digit`) from any execution has `column` = `value`. */
  | { kind: 'value'; feature: string; column: string; value: string }
  /** The execution gave a value of any feature of the member's type. */
  | { kind: 'rater'; execution: string }
  /** The executions' newest labels of the feature differ. */
  | { kind: 'disagreement'; feature: string }
  /** A row of the feature has a number in `column` within [min, max] (either bound may be open). */
  | { kind: 'range'; feature: string; column: string; min: number | null; max: number | null }
  /** A column of the member table equals `equals`, or contains `contains` (case-insensitive). */
  | { kind: 'column'; column: string; equals?: string | number | boolean | null; contains?: string };

/** Which facet a filter belongs to: filters of one facet are alternatives (OR). */
export function filterFacet(filter: MemberFilter): string {
  switch (filter.kind) {
    case 'value':
      return `value ${filter.feature} ${filter.column}`;
    case 'rater':
      return 'rater';
    case 'disagreement':
      return `disagreement ${filter.feature}`;
    case 'range':
      return `range ${filter.feature} ${filter.column}`;
    case 'column':
      return filter.contains !== undefined ? `contains ${filter.column}` : `column ${filter.column}`;
  }
}

export interface ValueCount {
  value: string;
  count: number;
}

/**
 * Counts beside the filters of the grid. Each facet is counted over the members that pass every other
 * facet's filters, so a count says how many members choosing that value would show.
 */
export interface FacetCounts {
  /** Members passing every filter. */
  total: number;
  /** Members before any filter. */
  members: number;
  values: { feature: string; column: string; counts: ValueCount[] }[];
  raters: { execution: string; count: number }[];
  disagreements: { feature: string; count: number }[];
  ranges: { feature: string; column: string; min: number | null; max: number | null; count: number }[];
  /** The asked-for member column: its most frequent values (at most 50) and how many distinct ones there are. */
  column: { column: string; counts: { value: string | null; count: number }[]; distinct: number } | null;
}
