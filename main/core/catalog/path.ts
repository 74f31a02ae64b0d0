import { quote } from './quote.js';

/**
 * Builders for ERMrest data URLs (deriva-protocol.md §8). Every name and literal goes through
 * `quote`, so callers pass plain strings and never assemble URL syntax themselves.
 */

export interface TableRef {
  schema: string;
  table: string;
}

/** A column, optionally qualified by a path alias (`A:col`). */
export interface ColumnRef {
  column: string;
  alias?: string;
}

export type Literal = string | number | boolean;
export type ComparisonOp = '=' | 'lt' | 'leq' | 'gt' | 'geq' | 'regexp' | 'ciregexp' | 'ts';

export type Filter =
  | { kind: 'compare'; column: string | ColumnRef; op: ComparisonOp; value: Literal }
  | { kind: 'any'; column: string | ColumnRef; values: readonly Literal[] }
  | { kind: 'null'; column: string | ColumnRef }
  | { kind: 'not'; filter: Filter }
  | { kind: 'and'; filters: readonly Filter[] }
  | { kind: 'or'; filters: readonly Filter[] };

/** A hop to a related table (ERMrest picks the FK), optionally naming it with an alias. */
export interface Link {
  kind: 'link';
  table: TableRef;
  alias?: string;
}

export type PathElement = Filter | Link;

export type AggregateFunction = 'cnt' | 'cnt_d' | 'min' | 'max' | 'avg' | 'sum' | 'array' | 'array_d';

/** A projected column: a bare name, a renamed column (`out:=col`), or an aggregate (`out:=cnt(col)`). */
export type Projection =
  | string
  | ({ as: string } & ColumnRef)
  | { as: string; aggregate: AggregateFunction; column: string | ColumnRef | '*' };

export type SortKey = string | { column: string; descending: boolean };

export type Api = 'entity' | 'attribute' | 'attributegroup' | 'aggregate';

export interface DataQuery {
  table: TableRef;
  /** Names the root table instance, e.g. `D:=deriva-ml:Dataset`. */
  alias?: string;
  /** Filters and links after the root, in order; successive filters are ANDed. */
  path?: readonly PathElement[];
  /** attribute: the projection; attributegroup: the group keys; aggregate: the aggregates. */
  columns?: readonly Projection[];
  /** attributegroup only: what follows `;` (aggregates or example values). */
  values?: readonly Projection[];
  /** Output column names. */
  sort?: readonly SortKey[];
  /** One value per sort key; null is ERMrest's `::null::`. */
  after?: readonly (Literal | null)[];
  limit?: number | 'none';
}

export const eq = (column: string | ColumnRef, value: Literal): Filter => ({
  kind: 'compare',
  column,
  op: '=',
  value,
});
export const compare = (column: string | ColumnRef, op: ComparisonOp, value: Literal): Filter => ({
  kind: 'compare',
  column,
  op,
  value,
});
export const anyOf = (column: string | ColumnRef, values: readonly Literal[]): Filter => ({
  kind: 'any',
  column,
  values,
});
export const isNull = (column: string | ColumnRef): Filter => ({ kind: 'null', column });
export const not = (filter: Filter): Filter => ({ kind: 'not', filter });
export const and = (...filters: Filter[]): Filter => ({ kind: 'and', filters });
export const or = (...filters: Filter[]): Filter => ({ kind: 'or', filters });
export const link = (table: TableRef, alias?: string): Link => ({ kind: 'link', table, alias });

export function tableName(ref: TableRef): string {
  return `${quote(ref.schema)}:${quote(ref.table)}`;
}

function columnName(column: string | ColumnRef): string {
  if (typeof column === 'string') return quote(column);
  return column.alias ? `${quote(column.alias)}:${quote(column.column)}` : quote(column.column);
}

function literal(value: Literal): string {
  return quote(String(value));
}

export function renderFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return filter.op === '='
        ? `${columnName(filter.column)}=${literal(filter.value)}`
        : `${columnName(filter.column)}::${filter.op}::${literal(filter.value)}`;
    case 'any':
      if (filter.values.length === 0) throw new Error('An any() filter needs at least one value.');
      return `${columnName(filter.column)}=any(${filter.values.map(literal).join(',')})`;
    case 'null':
      return `${columnName(filter.column)}::null::`;
    case 'not':
      return `!(${renderFilter(filter.filter)})`;
    case 'and':
      return `(${filter.filters.map(renderFilter).join('&')})`;
    case 'or':
      return `(${filter.filters.map(renderFilter).join(';')})`;
  }
}

function renderElement(element: PathElement): string {
  if (element.kind !== 'link') return renderFilter(element);
  return element.alias ? `${quote(element.alias)}:=${tableName(element.table)}` : tableName(element.table);
}

export function renderProjection(projection: Projection): string {
  if (typeof projection === 'string') return quote(projection);
  if ('aggregate' in projection) {
    const argument = projection.column === '*' ? '*' : columnName(projection.column);
    return `${quote(projection.as)}:=${projection.aggregate}(${argument})`;
  }
  return `${quote(projection.as)}:=${columnName(projection)}`;
}

function renderSort(keys: readonly SortKey[]): string {
  const rendered = keys.map((key) =>
    typeof key === 'string' ? quote(key) : `${quote(key.column)}${key.descending ? '::desc::' : ''}`,
  );
  return `@sort(${rendered.join(',')})`;
}

function renderAfter(values: readonly (Literal | null)[]): string {
  return `@after(${values.map((value) => (value === null ? '::null::' : literal(value))).join(',')})`;
}

/**
 * The data URL of `query` under a catalog path, e.g. `/entity/hematology:Image/RID=any(a,b)@sort(RID)?limit=500`.
 * `extraQuery` adds parameters such as `accept=csv`.
 */
export function dataPath(api: Api, query: DataQuery, extraQuery: Record<string, string> = {}): string {
  const root = query.alias ? `${quote(query.alias)}:=${tableName(query.table)}` : tableName(query.table);
  const segments = [root, ...(query.path ?? []).map(renderElement)];
  let text = `/${api}/${segments.join('/')}`;
  if (api !== 'entity') {
    const columns = (query.columns ?? []).map(renderProjection);
    if (columns.length === 0) throw new Error(`An ${api} query needs at least one column.`);
    text += `/${columns.join(',')}`;
    if (api === 'attributegroup' && query.values?.length)
      text += `;${query.values.map(renderProjection).join(',')}`;
  }
  if (query.sort?.length) text += renderSort(query.sort);
  if (query.after) {
    if (!query.sort?.length || query.after.length !== query.sort.length)
      throw new Error('@after needs one value per @sort key.');
    text += renderAfter(query.after);
  }
  const parameters: string[] = [];
  if (query.limit !== undefined)
    parameters.push(
      `limit=${query.limit === 'none' ? 'none' : String(Math.max(1, Math.floor(query.limit)))}`,
    );
  for (const [key, value] of Object.entries(extraQuery)) parameters.push(`${quote(key)}=${quote(value)}`);
  return parameters.length ? `${text}?${parameters.join('&')}` : text;
}
