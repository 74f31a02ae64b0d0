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

export function buildFacetTables(db: Database.Database, model: CatalogModel): void {
  const targets = new Map<string, FeatureTable[]>();
  for (const feature of model.features) {
    targets.set(feature.target.qualified, [...(targets.get(feature.target.qualified) ?? []), feature]);
    const tables = facetTablesOf(feature);
    const source = q(feature.table.qualified);
    const target = q(feature.targetColumn);
    db.exec(
      `CREATE TABLE ${tables.terms} (col TEXT NOT NULL, value TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (col, value, target)) WITHOUT ROWID;
       CREATE TABLE ${tables.disagreeing} (target TEXT PRIMARY KEY) WITHOUT ROWID;
       CREATE TABLE ${tables.numbers} (col TEXT NOT NULL, target TEXT NOT NULL, low REAL, high REAL, PRIMARY KEY (col, target)) WITHOUT ROWID;`,
    );
    // Inserted in key order, so each table is written as a sorted append.
    for (const { column } of feature.termColumns)
      db.prepare(
        `INSERT OR IGNORE INTO ${tables.terms} SELECT ?, ${q(column)}, ${target} FROM ${source}
         WHERE ${target} IS NOT NULL AND ${q(column)} IS NOT NULL ORDER BY 2, 3`,
      ).run(column);
    for (const column of numberColumns(feature))
      db.prepare(
        `INSERT INTO ${tables.numbers} SELECT ?, ${target}, min(${q(column)}), max(${q(column)}) FROM ${source}
         WHERE ${target} IS NOT NULL AND ${q(column)} IS NOT NULL GROUP BY ${target} ORDER BY ${target}`,
      ).run(column);
    const label = labelColumn(feature);
    if (label && feature.table.columnByName.has('Execution')) {
      // Each execution's newest label of a target (SQLite gives the bare column of the max(RCT) row).
      db.exec(
        `INSERT INTO ${tables.disagreeing} SELECT target FROM (
           SELECT ${target} AS target, ${q(label)} AS label, max("RCT") FROM ${source}
           WHERE ${q(label)} IS NOT NULL AND ${target} IS NOT NULL GROUP BY ${target}, "Execution"
         ) GROUP BY target HAVING count(DISTINCT label) > 1 ORDER BY target`,
      );
    }
  }
  for (const [targetQualified, features] of targets) {
    const raters = raterTableOf(targetQualified);
    db.exec(
      `CREATE TABLE ${raters} (execution TEXT NOT NULL, target TEXT NOT NULL, PRIMARY KEY (execution, target)) WITHOUT ROWID`,
    );
    for (const feature of features.filter((candidate) => candidate.table.columnByName.has('Execution')))
      db.exec(
        `INSERT OR IGNORE INTO ${raters} SELECT "Execution", ${q(feature.targetColumn)} FROM ${q(feature.table.qualified)}
         WHERE "Execution" IS NOT NULL AND ${q(feature.targetColumn)} IS NOT NULL ORDER BY 1, 2`,
      );
  }
}
