import type { CatalogModel, Table } from '../bag/index.js';
import { SatchelError } from '../common/index.js';
import type { Row } from '../catalog/index.js';

/**
 * Which rows a deriva-ml HEAD dataset bag holds (deriva-bags.md §10.1): a walk over simple FK paths
 * from `deriva-ml:Dataset`, following foreign keys in both directions. Vocabularies are entered but
 * never left (and exported whole); Execution and Workflow are entered but their inbound FKs are not
 * followed; `public` is never entered; excluded tables (empty element associations) are skipped.
 * Along each path the anchor RIDs are carried hop by hop through every FK that links the two tables,
 * the way deriva-ml's client-side reachability engine does.
 */
export interface WalkPolicy {
  excluded: ReadonlySet<string>;
  terminal: ReadonlySet<string>;
  skippedSchemas: ReadonlySet<string>;
}

export const ROOT_TABLE = 'deriva-ml:Dataset';
export const TERMINAL_TABLES = ['deriva-ml:Execution', 'deriva-ml:Workflow'];

/** A guard against schemas whose number of simple paths explodes. */
const MAX_PATHS = 200_000;

export function walkPolicy(excluded: Iterable<string>): WalkPolicy {
  return {
    excluded: new Set(excluded),
    terminal: new Set(TERMINAL_TABLES),
    skippedSchemas: new Set(['public']),
  };
}

/** Fetches the named columns of every row of a table (at the bag's snapshot). */
export type RowFetcher = (table: Table, columns: string[]) => Promise<Row[]>;

export interface ReachedRows {
  /** Every table the walk entered, sorted by (schema, table). */
  tables: Table[];
  /** Reached RIDs per non-vocabulary table (qualified name), sorted. */
  rids: Map<string, string[]>;
  /** The fetched rows of each non-vocabulary table, for sizes (e.g. asset Length). */
  rows: Map<string, Map<string, Row>>;
}

interface Edge {
  /** The table holding the FK. */
  holder: 'prev' | 'next';
  fkColumns: string[];
  referencedColumns: string[];
}

class FkGraph {
  private readonly inbound = new Map<
    string,
    { table: Table; columns: string[]; referencedColumns: string[] }[]
  >();

  constructor(
    readonly model: CatalogModel,
    readonly policy: WalkPolicy,
  ) {
    for (const table of model.tables.values()) {
      for (const fk of table.foreignKeys) {
        const target = `${fk.schema}:${fk.table}`;
        this.inbound.set(target, [
          ...(this.inbound.get(target) ?? []),
          { table, columns: fk.columns, referencedColumns: fk.referencedColumns },
        ]);
      }
    }
  }

  enterable(table: Table): boolean {
    return !this.policy.skippedSchemas.has(table.schema) && !this.policy.excluded.has(table.qualified);
  }

  /** Tables one hop away under the policy, deduplicated, in a stable order. */
  neighbors(table: Table): Table[] {
    if (table.kind === 'vocabulary') return [];
    const found = new Map<string, Table>();
    for (const fk of table.foreignKeys) {
      const target = this.model.table(`${fk.schema}:${fk.table}`);
      if (target && this.enterable(target)) found.set(target.qualified, target);
    }
    if (!this.policy.terminal.has(table.qualified)) {
      for (const link of this.inbound.get(table.qualified) ?? [])
        if (this.enterable(link.table)) found.set(link.table.qualified, link.table);
    }
    return [...found.values()].sort(compareTables);
  }

  /** Every FK between two adjacent tables, in either direction. */
  edges(prev: Table, next: Table): Edge[] {
    const edges: Edge[] = [];
    for (const fk of prev.foreignKeys) {
      if (`${fk.schema}:${fk.table}` === next.qualified)
        edges.push({ holder: 'prev', fkColumns: fk.columns, referencedColumns: fk.referencedColumns });
    }
    for (const fk of next.foreignKeys) {
      if (`${fk.schema}:${fk.table}` === prev.qualified)
        edges.push({ holder: 'next', fkColumns: fk.columns, referencedColumns: fk.referencedColumns });
    }
    return edges;
  }

  /** RID plus every column a hop may join on, and Length for assets. */
  neededColumns(table: Table): string[] {
    const columns = new Set(['RID']);
    for (const fk of table.foreignKeys) {
      if (!this.policy.skippedSchemas.has(fk.schema)) fk.columns.forEach((column) => columns.add(column));
    }
    for (const link of this.inbound.get(table.qualified) ?? []) {
      if (this.enterable(link.table)) link.referencedColumns.forEach((column) => columns.add(column));
    }
    if (table.kind === 'asset' && table.columnByName.has('Length')) columns.add('Length');
    return [...columns];
  }
}

/** The tables a bag of this model holds, without looking at any rows. */
export function reachedTables(model: CatalogModel, policy: WalkPolicy): Table[] {
  const graph = new FkGraph(model, policy);
  const root = requireRoot(model);
  const reached = new Map<string, Table>([[root.qualified, root]]);
  let paths = 0;
  const visit = (table: Table, onPath: Set<string>) => {
    for (const next of graph.neighbors(table)) {
      if (onPath.has(next.qualified)) continue;
      if (++paths > MAX_PATHS) throw tooManyPaths();
      reached.set(next.qualified, next);
      onPath.add(next.qualified);
      visit(next, onPath);
      onPath.delete(next.qualified);
    }
  };
  visit(root, new Set([root.qualified]));
  return [...reached.values()].sort(compareTables);
}

/** Walks the FK paths from the anchor datasets, carrying RIDs, and returns what each table contributes. */
export async function reachableRows(
  model: CatalogModel,
  policy: WalkPolicy,
  anchors: readonly string[],
  fetchRows: RowFetcher,
): Promise<ReachedRows> {
  const graph = new FkGraph(model, policy);
  const root = requireRoot(model);
  const rowsByTable = new Map<string, Map<string, Row>>();
  const indexes = new Map<string, Map<string, string[]>>();
  const reached = new Map<string, Table>([[root.qualified, root]]);
  const rids = new Map<string, Set<string>>();

  const rowsOf = async (table: Table): Promise<Map<string, Row>> => {
    let rows = rowsByTable.get(table.qualified);
    if (!rows) {
      rows = new Map(
        (await fetchRows(table, graph.neededColumns(table))).map((row) => [String(row.RID), row]),
      );
      rowsByTable.set(table.qualified, rows);
    }
    return rows;
  };
  /** next-table RIDs keyed by the tuple of `columns` values. */
  const indexOf = async (table: Table, columns: string[]): Promise<Map<string, string[]>> => {
    const key = `${table.qualified}\u0000${columns.join('\u0000')}`;
    let index = indexes.get(key);
    if (!index) {
      index = new Map();
      for (const [rid, row] of await rowsOf(table)) {
        const tuple = tupleKey(row, columns);
        if (tuple !== null) index.set(tuple, [...(index.get(tuple) ?? []), rid]);
      }
      indexes.set(key, index);
    }
    return index;
  };
  const hop = async (prev: Table, next: Table, scope: ReadonlySet<string>): Promise<Set<string>> => {
    const result = new Set<string>();
    const prevRows = await rowsOf(prev);
    for (const edge of graph.edges(prev, next)) {
      // Columns of prev and of next that must be equal to follow prev → next.
      const [prevColumns, nextColumns] =
        edge.holder === 'prev'
          ? [edge.fkColumns, edge.referencedColumns]
          : [edge.referencedColumns, edge.fkColumns];
      const index = await indexOf(next, nextColumns);
      for (const rid of scope) {
        const row = prevRows.get(rid);
        const tuple = row ? tupleKey(row, prevColumns) : null;
        if (tuple !== null) for (const hit of index.get(tuple) ?? []) result.add(hit);
      }
    }
    return result;
  };

  let paths = 0;
  const visit = async (table: Table, scope: Set<string>, onPath: Set<string>): Promise<void> => {
    if (scope.size > 0) {
      const found = rids.get(table.qualified) ?? new Set<string>();
      scope.forEach((rid) => found.add(rid));
      rids.set(table.qualified, found);
    }
    for (const next of graph.neighbors(table)) {
      if (onPath.has(next.qualified)) continue;
      if (++paths > MAX_PATHS) throw tooManyPaths();
      reached.set(next.qualified, next);
      // Vocabularies are exported whole, and an empty scope stays empty: neither needs rows.
      const nextScope =
        next.kind === 'vocabulary' || scope.size === 0 ? new Set<string>() : await hop(table, next, scope);
      onPath.add(next.qualified);
      await visit(next, nextScope, onPath);
      onPath.delete(next.qualified);
    }
  };
  const rootRows = await rowsOf(root);
  const missing = anchors.filter((rid) => !rootRows.has(rid));
  if (missing.length > 0)
    throw new SatchelError(
      'unknown-dataset',
      `Dataset ${missing.join(', ')} does not exist at this snapshot of the catalog.`,
    );
  await visit(root, new Set(anchors), new Set([root.qualified]));

  const tables = [...reached.values()].sort(compareTables);
  const sortedRids = new Map<string, string[]>();
  for (const table of tables) {
    if (table.kind !== 'vocabulary')
      sortedRids.set(table.qualified, [...(rids.get(table.qualified) ?? [])].sort(compareText));
  }
  return { tables, rids: sortedRids, rows: rowsByTable };
}

/** Python's sort of (schema, table) tuples. */
export function compareTables(a: Table, b: Table): number {
  return compareText(a.schema, b.schema) || compareText(a.name, b.name);
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function tupleKey(row: Row, columns: readonly string[]): string | null {
  const values = columns.map((column) => row[column]);
  if (values.some((value) => value === null || value === undefined)) return null;
  return values.length === 1 && typeof values[0] === 'string' ? values[0] : JSON.stringify(values);
}

function requireRoot(model: CatalogModel): Table {
  const root = model.table(ROOT_TABLE);
  if (!root)
    throw new SatchelError(
      'bad-schema',
      `The catalog has no ${ROOT_TABLE} table, so it is not a DerivaML catalog.`,
    );
  return root;
}

function tooManyPaths(): SatchelError {
  return new SatchelError(
    'bad-schema',
    `The catalog model has more than ${MAX_PATHS} foreign-key paths from ${ROOT_TABLE}, too many to walk.`,
  );
}
