import type Database from 'better-sqlite3';
import type { CatalogModel, FeatureTable } from './model.js';
import { storageClass } from './values.js';

/**
 * The filterable grid's facet tables, written once at import beside the bag's own tables (the bag
 * database is read-only afterwards): per feature the distinct labels of its term columns, the targets
 * whose raters disagree and each target's number range; per target table the distinct (execution,
 * target) pairs. Counts and filters then read small indexed tables instead of sorting feature rows.
 */

function q(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface FacetTables {
  /** (col, value, target), the key: each target once per label. */
  terms: string;
  /** (target), the key: the executions' newest labels differ. */
  disagreeing: string;
  /** (col, target), the key, with the target's lowest and highest value. */
  numbers: string;
}

export function facetTablesOf(feature: FeatureTable): FacetTables {
  const name = feature.table.qualified;
  return {
    terms: q(`satchel_facet_terms ${name}`),
    disagreeing: q(`satchel_facet_disagreeing ${name}`),
    numbers: q(`satchel_facet_numbers ${name}`),
  };
}

/** (feature, execution, rows): how many rows each execution gave each feature (its qualified table). */
export const RATER_ROWS_TABLE = q('satchel_rater_rows');

/** (execution, target), the key: which executions gave any feature value of a target table's rows. */
export function raterTableOf(targetQualified: string): string {
  return q(`satchel_facet_raters ${targetQualified}`);
}

/** The column compared between raters: the first term column, else the first value column (as labeling does). */
function labelColumn(feature: FeatureTable): string | null {
  return feature.termColumns[0]?.column ?? feature.valueColumns[0]?.name ?? null;
}

export function numberColumns(feature: FeatureTable): string[] {
  return feature.valueColumns
    .filter((column) => {
      const storage = storageClass(column);
      return storage === 'integer' || storage === 'real';
    })
    .map((column) => column.name);
}

/** The feature's rows, copied once and sorted once (by target, execution), for all its facet tables. */
const SORTED_ROWS = 'temp.satchel_facet_rows';
const SORTED_ORDER = 'satchel_facet_rows_order';

export function buildFacetTables(db: Database.Database, model: CatalogModel): void {
  db.exec(
    `CREATE TABLE ${RATER_ROWS_TABLE} (feature TEXT NOT NULL, execution TEXT NOT NULL, rows INTEGER NOT NULL, PRIMARY KEY (feature, execution)) WITHOUT ROWID`,
  );
  for (const target of new Set(model.features.map((feature) => feature.target.qualified)))
    db.exec(
      `CREATE TABLE ${raterTableOf(target)} (execution TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (execution, target)) WITHOUT ROWID`,
    );
  for (const feature of model.features) {
    const tables = facetTablesOf(feature);
    db.exec(
      `CREATE TABLE ${tables.terms} (col TEXT NOT NULL, value TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (col, value, target)) WITHOUT ROWID;
       CREATE TABLE ${tables.disagreeing} (target TEXT PRIMARY KEY) WITHOUT ROWID;
       CREATE TABLE ${tables.numbers} (col TEXT NOT NULL, target TEXT NOT NULL, low REAL, high REAL, PRIMARY KEY (col, target)) WITHOUT ROWID;`,
    );
    const hasExecution = feature.table.columnByName.has('Execution');
    const label = labelColumn(feature);
    const numbers = numberColumns(feature);
    const values = [
      ...new Set([...feature.termColumns.map((term) => term.column), ...numbers, ...(label ? [label] : [])]),
    ].filter((column) => column !== feature.targetColumn && column !== 'Execution' && column !== 'RCT');
    // Four sorts of a million feature rows took two thirds of a 100k-image import: one sort serves them all.
    db.exec(
      `CREATE TABLE ${SORTED_ROWS} AS SELECT ${q(feature.targetColumn)} AS satchel_target,
         ${hasExecution ? '"Execution"' : 'NULL'} AS "Execution", ${feature.table.columnByName.has('RCT') ? '"RCT"' : 'NULL'} AS "RCT"${values.map((column) => `, ${q(column)}`).join('')}
       FROM ${q(feature.table.qualified)} WHERE ${q(feature.targetColumn)} IS NOT NULL;
       CREATE INDEX temp.${SORTED_ORDER} ON satchel_facet_rows (satchel_target, "Execution", "RCT"${values.map((column) => `, ${q(column)}`).join('')});`,
    );
    try {
      // Read in (target, execution) order, each table is written as a few sorted appends.
      for (const { column } of feature.termColumns)
        db.prepare(
          `INSERT OR IGNORE INTO ${tables.terms} SELECT ?, ${q(column)}, satchel_target FROM ${SORTED_ROWS}
           WHERE ${q(column)} IS NOT NULL ORDER BY satchel_target, "Execution"`,
        ).run(column);
      for (const column of numbers)
        db.prepare(
          `INSERT INTO ${tables.numbers} SELECT ?, satchel_target, min(${q(column)}), max(${q(column)}) FROM ${SORTED_ROWS}
           WHERE ${q(column)} IS NOT NULL GROUP BY satchel_target ORDER BY satchel_target`,
        ).run(column);
      if (label && hasExecution) {
        // Each execution's newest label of a target (SQLite gives the bare column of the max(RCT) row).
        db.exec(
          `INSERT INTO ${tables.disagreeing} SELECT target FROM (
             SELECT satchel_target AS target, ${q(label)} AS label, max("RCT") FROM ${SORTED_ROWS}
             WHERE ${q(label)} IS NOT NULL GROUP BY satchel_target, "Execution"
           ) GROUP BY target HAVING count(DISTINCT label) > 1 ORDER BY target`,
        );
      }
      if (hasExecution) {
        db.exec(
          `INSERT OR IGNORE INTO ${raterTableOf(feature.target.qualified)} SELECT "Execution", satchel_target FROM ${SORTED_ROWS}
           WHERE "Execution" IS NOT NULL ORDER BY satchel_target, "Execution"`,
        );
        // Counted per (target, execution) in index order first: the final grouping then sorts fewer rows.
        db.prepare(
          `INSERT INTO ${RATER_ROWS_TABLE} SELECT ?, execution, sum(rows) FROM (
             SELECT "Execution" AS execution, count(*) AS rows FROM ${SORTED_ROWS}
             WHERE "Execution" IS NOT NULL GROUP BY satchel_target, "Execution"
           ) GROUP BY execution`,
        ).run(feature.table.qualified);
      }
    } finally {
      db.exec(`DROP TABLE ${SORTED_ROWS}`);
    }
  }
}
