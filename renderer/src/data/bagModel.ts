import type {
  ColumnInfo,
  DatasetSummary,
  InspectReport,
  TableKind,
  TableSummary,
} from '../../../shared/bag.js';

/** The ERMrest "schema:Table" name the contract expects for tables. */
export function qualifiedName(table: { schema: string; table: string }): string {
  return `${table.schema}:${table.table}`;
}

export function findTable(report: InspectReport, qualified: string): TableSummary | undefined {
  return report.tables.find((table) => qualifiedName(table) === qualified);
}

export function tableKind(report: InspectReport, qualified: string): TableKind | undefined {
  return findTable(report, qualified)?.kind;
}

/** The qualified table of a dataset element type (element types are named by their bare table name). */
export function elementTypeTable(report: InspectReport, elementType: string): string {
  const table = report.tables.find(
    (candidate) => candidate.table === elementType && candidate.kind !== 'association',
  );
  return table ? qualifiedName(table) : elementType;
}

/** Element types members can have, in the bag's order; nested datasets are browsed in the tree instead. */
export function elementTypesOf(datasets: DatasetSummary[]): string[] {
  const names = new Set<string>();
  for (const dataset of datasets) for (const name of Object.keys(dataset.members)) names.add(name);
  names.delete('Dataset');
  return [...names];
}

/** RIDs of the datasets no other dataset nests: the roots of the dataset tree. */
export function rootDatasets(datasets: DatasetSummary[]): DatasetSummary[] {
  const nested = new Set(datasets.flatMap((dataset) => dataset.children));
  return datasets.filter((dataset) => !nested.has(dataset.rid));
}

const SYSTEM_COLUMNS = new Set(['RCT', 'RMT', 'RCB', 'RMB']);
const VOCABULARY_LEADING_COLUMNS = ['Name', 'Description', 'Synonyms'];

/** Columns in reading order: RID, then (for vocabularies) Name, Description, Synonyms, then the rest; system columns last. */
export function orderColumns(columns: ColumnInfo[], kind: TableKind): ColumnInfo[] {
  const leading = ['RID', ...(kind === 'vocabulary' ? VOCABULARY_LEADING_COLUMNS : [])];
  const rank = (column: ColumnInfo): number => {
    const position = leading.indexOf(column.name);
    if (position >= 0) return position;
    return SYSTEM_COLUMNS.has(column.name) ? leading.length + 1 : leading.length;
  };
  return columns
    .map((column, index) => ({ column, index }))
    .sort((a, b) => rank(a.column) - rank(b.column) || a.index - b.index)
    .map(({ column }) => column);
}
