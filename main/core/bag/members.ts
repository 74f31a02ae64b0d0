import type Database from 'better-sqlite3';
import { ML_SCHEMA, type CatalogModel, type ElementType } from './model.js';
import { quoteIdentifier as q } from './sql.js';

/**
 * Datasets and their members, shared by the importer (which counts them once) and the Bag (which
 * reads the counts and pages the members).
 */

/** The datasets nested directly in `rid`, in RID order. */
export function childDatasets(db: Database.Database, model: CatalogModel, rid: string): string[] {
  const link = model.table(`${ML_SCHEMA}:Dataset_Dataset`);
  if (!link?.columnByName.has('Nested_Dataset')) return [];
  return db
    .prepare(
      `SELECT "Nested_Dataset" FROM ${q(link.qualified)} WHERE "Dataset" = ? ORDER BY "Nested_Dataset"`,
    )
    .pluck()
    .all(rid) as string[];
}

/** The dataset and all its descendants (cycles tolerated). */
export function descendants(db: Database.Database, model: CatalogModel, rid: string): string[] {
  const found = [rid];
  for (let i = 0; i < found.length; i++) {
    for (const child of childDatasets(db, model, found[i]!)) if (!found.includes(child)) found.push(child);
  }
  return found;
}

/** The distinct members of one element type in the datasets given as a JSON array parameter. */
export function distinctMembers(type: ElementType): string {
  return `SELECT DISTINCT a.${q(type.memberColumn)} AS "RID" FROM ${q(type.association.qualified)} a WHERE a.${q(type.datasetColumn)} IN (SELECT value FROM json_each(?))`;
}

const COUNTS = 'satchel_member_counts';

/**
 * At import: how many members of each element type every dataset has, directly (distinct non-NULL
 * members) and with its nested datasets (the rows of the member list), so opening a bag counts nothing.
 */
export function recordMemberCounts(db: Database.Database, model: CatalogModel): void {
  db.exec(`CREATE TABLE ${COUNTS} (dataset TEXT NOT NULL, element_type TEXT NOT NULL,
    direct INTEGER NOT NULL, recursive INTEGER NOT NULL, PRIMARY KEY (dataset, element_type)) WITHOUT ROWID`);
  const datasetTable = model.datasetTable;
  if (!datasetTable) return;
  const datasets = db
    .prepare(`SELECT "RID" FROM ${q(datasetTable.qualified)}`)
    .pluck()
    .all() as string[];
  const insert = db.prepare(`INSERT INTO ${COUNTS} VALUES (?, ?, ?, ?)`);
  for (const type of model.elementTypes) {
    const direct = db.prepare(
      `SELECT count(DISTINCT ${q(type.memberColumn)}) FROM ${q(type.association.qualified)} WHERE ${q(type.datasetColumn)} = ?`,
    );
    const recursive = db.prepare(`SELECT count(*) FROM (${distinctMembers(type)})`);
    for (const rid of datasets) {
      const all = JSON.stringify(descendants(db, model, rid));
      insert.run(rid, type.table.qualified, direct.pluck().get(rid), recursive.pluck().get(all));
    }
  }
}

/** The counts recorded at import, or null for a dataset or element type they do not cover. */
export function recordedMemberCount(
  db: Database.Database,
  datasetRid: string,
  type: ElementType,
  recurse: boolean,
): number | null {
  const count = db
    .prepare(
      `SELECT ${recurse ? 'recursive' : 'direct'} FROM ${COUNTS} WHERE dataset = ? AND element_type = ?`,
    )
    .pluck()
    .get(datasetRid, type.table.qualified);
  return typeof count === 'number' ? count : null;
}

/**
 * The RIDs of a page of members in RID order (parameters: datasets as a JSON array, limit, offset),
 * read straight from the association's member index: the unary + keeps SQLite from narrowing by
 * dataset first, which would sort every member of the datasets before the first row. Worth it only
 * where the datasets hold a good share of the association's rows, which the caller decides.
 */
export function memberPageInRidOrder(type: ElementType): string {
  return `SELECT DISTINCT a.${q(type.memberColumn)} AS rid FROM ${q(type.association.qualified)} a WHERE +a.${q(type.datasetColumn)} IN (SELECT value FROM json_each(?)) ORDER BY 1 LIMIT ? OFFSET ?`;
}
