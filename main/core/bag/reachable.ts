import { SatchelError } from '../common/index.js';
import { quoteIdentifier as q } from './importer.js';
import { ML_SCHEMA, type CatalogModel, type Table } from './model.js';

/**
 * Which rows of a table belong to a dataset, as deriva-ml decides it for feature values,
 * restructure_assets and its framework adapters (deriva-ml: dataset/dataset_bag.py
 * `_dataset_table_view`, model/denormalize_planner.py `_schema_to_paths`): the union, RID-distinct,
 * over every foreign-key path from Dataset to the table, of the rows joined along the path from the
 * dataset and its nested datasets. So images reached through Subject (Dataset → Dataset_Subject →
 * Subject → Image) belong to the dataset as much as direct members do.
 *
 * The path walk follows foreign keys in both directions over simple paths in the domain and ML
 * schemas; vocabularies end a path; Dataset_Dataset and Execution are never entered; and an element
 * association is entered only from Dataset (never back towards Dataset from an element).
 */

const SKIPPED_TABLES = new Set(['Dataset_Dataset', 'Execution']);
const SYSTEM_SCHEMAS = new Set(['public', 'www', 'WWW']);
/** A guard against schemas whose number of simple paths explodes. */
const MAX_PATHS = 100_000;

interface Hop {
  from: Table;
  to: Table;
  /** Every foreign key between the two tables, as pairs of (column of `from`, column of `to`). */
  joins: [string, string][][];
}

/** The foreign-key paths from Dataset to `target`, each as its hops. */
export function datasetPaths(model: CatalogModel, target: Table): Hop[][] {
  const root = model.datasetTable;
  if (!root) throw new SatchelError('bad-schema', `The bag has no ${ML_SCHEMA}:Dataset table.`);
  const inbound = new Map<string, Table[]>();
  for (const table of model.tables.values()) {
    for (const fk of table.foreignKeys) {
      const referenced = `${fk.schema}:${fk.table}`;
      inbound.set(referenced, [...(inbound.get(referenced) ?? []), table]);
    }
  }
  const enterable = (from: Table, to: Table): boolean => {
    if (SYSTEM_SCHEMAS.has(to.schema) || SKIPPED_TABLES.has(to.name)) return false;
    // No loopback to the dataset through an element association (X → Dataset_X → Dataset).
    const linksDataset = to.foreignKeys.some((fk) => `${fk.schema}:${fk.table}` === root.qualified);
    return from === root || !(to.kind === 'association' && linksDataset);
  };
  const neighbors = (table: Table): Table[] => {
    if (table.kind === 'vocabulary') return [];
    const found = new Map<string, Table>();
    for (const fk of table.foreignKeys) {
      const next = model.table(`${fk.schema}:${fk.table}`);
      if (next && enterable(table, next)) found.set(next.qualified, next);
    }
    for (const holder of inbound.get(table.qualified) ?? [])
      if (enterable(table, holder)) found.set(holder.qualified, holder);
    return [...found.values()].sort((a, b) => (a.qualified < b.qualified ? -1 : 1));
  };

  const paths: Hop[][] = [];
  let walked = 0;
  const walk = (table: Table, onPath: Set<string>, hops: Hop[]) => {
    if (table === target && hops.length > 0) paths.push([...hops]);
    for (const next of neighbors(table)) {
      if (onPath.has(next.qualified)) continue;
      if (++walked > MAX_PATHS)
        throw new SatchelError(
          'bad-schema',
          `The bag's model has more than ${MAX_PATHS} foreign-key paths from Dataset, too many to walk.`,
        );
      onPath.add(next.qualified);
      hops.push({ from: table, to: next, joins: joinsBetween(table, next) });
      walk(next, onPath, hops);
      hops.pop();
      onPath.delete(next.qualified);
    }
  };
  walk(root, new Set([root.qualified]), []);
  if (target === root) paths.push([]);
  return paths;
}

/**
 * SQL for the RIDs of `target` reachable from the datasets bound as a JSON array to `@datasets`
 * (the dataset and its descendants); null when no path leads there.
 */
export function reachableSql(model: CatalogModel, target: Table): string | null {
  const root = model.datasetTable!;
  const paths = datasetPaths(model, target);
  if (paths.length === 0) return null;
  const selects = paths.map((hops) => {
    const joins = hops.map((hop, index) => {
      const on = hop.joins
        .map((pairs) => pairs.map(([a, b]) => `t${index}.${q(a)} = t${index + 1}.${q(b)}`).join(' AND '))
        .map((condition) => `(${condition})`)
        .join(' OR ');
      return `JOIN ${q(hop.to.qualified)} t${index + 1} ON ${on}`;
    });
    return `SELECT t${hops.length}."RID" AS rid FROM ${q(root.qualified)} t0 ${joins.join(' ')} WHERE t0."RID" IN (SELECT value FROM json_each(@datasets))`;
  });
  return selects.join(' UNION ');
}

function joinsBetween(from: Table, to: Table): [string, string][][] {
  const joins: [string, string][][] = [];
  for (const fk of from.foreignKeys) {
    if (`${fk.schema}:${fk.table}` === to.qualified)
      joins.push(fk.columns.map((column, index) => [column, fk.referencedColumns[index]!]));
  }
  for (const fk of to.foreignKeys) {
    if (`${fk.schema}:${fk.table}` === from.qualified)
      joins.push(fk.columns.map((column, index) => [fk.referencedColumns[index]!, column]));
  }
  return joins;
}
