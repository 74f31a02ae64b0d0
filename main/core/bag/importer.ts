import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SatchelError } from '../common/index.js';
import { readCsvFile, type CsvField } from './csv.js';
import type { FetchEntry } from './fetch.js';
import type { CsvSource } from './layout.js';
import { SYSTEM_COLUMNS, type CatalogModel, type Table } from './model.js';
import { sqlType, storageClass, toSqlConverter, type SqlValue, type ToSql } from './values.js';

/** Bump when the database layout changes, so older imports are rebuilt. */
const IMPORT_LAYOUT_VERSION = '1';

export interface ImportProgress {
  phase: 'import' | 'index';
  done: number;
  total: number;
}

export interface ImportInput {
  bagDir: string;
  model: CatalogModel;
  sources: CsvSource[];
  fetch: FetchEntry[];
  meta: Record<string, string>;
  onProgress?: (progress: ImportProgress) => void;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The database is keyed by what the bag holds: its manifests (checksums of every payload file),
 * schema.json, fetch.txt, and the size and modification time of every CSV, so an edited bag gets a
 * new database while reopening an unchanged one finds the old.
 */
export function databaseKey(bagDir: string, sources: CsvSource[]): string {
  const hash = crypto.createHash('sha256').update(`satchel-bag-db ${IMPORT_LAYOUT_VERSION}\n`);
  const tagFiles = fs.readdirSync(bagDir).filter((name) => /^(manifest-|tagmanifest-).*\.txt$|^fetch\.txt$/.test(name));
  for (const name of tagFiles.sort()) hash.update(`${name}\n`).update(fs.readFileSync(path.join(bagDir, name)));
  hash.update(fs.readFileSync(path.join(bagDir, 'data', 'schema.json')));
  for (const source of sources) hash.update(`${source.path}\t${source.size}\t${source.mtimeMs}\n`);
  return hash.digest('hex').slice(0, 32);
}

/** Builds the bag database at `target` through a temporary file, so a failure leaves nothing behind. */
export function importBagDatabase(target: string, input: ImportInput): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.partial-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const db = new Database(temporary);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536');
    db.transaction(() => loadEverything(db, input))();
    db.close();
    fs.renameSync(temporary, target);
  } catch (error) {
    if (db.open) db.close();
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

function loadEverything(db: Database.Database, input: ImportInput): void {
  db.exec(`CREATE TABLE satchel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE satchel_csv (path TEXT PRIMARY KEY, "table" TEXT NOT NULL, rows INTEGER NOT NULL);
    CREATE TABLE satchel_fetch (path TEXT PRIMARY KEY, url TEXT NOT NULL, url_path TEXT NOT NULL, length INTEGER);
    CREATE INDEX satchel_fetch_url ON satchel_fetch (url);
    CREATE INDEX satchel_fetch_url_path ON satchel_fetch (url_path);`);
  const byTable = new Map<Table, CsvSource[]>();
  for (const source of input.sources) byTable.set(source.table, [...(byTable.get(source.table) ?? []), source]);
  for (const table of input.model.tables.values()) {
    if (table.schema === 'public') continue;
    createTable(db, table);
  }
  const totalBytes = input.sources.reduce((sum, source) => sum + source.size, 0);
  let doneBytes = 0;
  const recordCsv = db.prepare('INSERT INTO satchel_csv (path, "table", rows) VALUES (?, ?, ?)');
  for (const [table, sources] of byTable) {
    // Legacy bags list one table in several CSVs; their rows are unioned by RID.
    const union = sources.length > 1;
    if (union) createRidIndex(db, table, sources[0]!.path);
    for (const source of sources) {
      const rows = loadCsv(db, input.bagDir, source, union);
      recordCsv.run(source.path, table.qualified, rows);
      doneBytes += source.size;
      input.onProgress?.({ phase: 'import', done: doneBytes, total: totalBytes });
    }
    if (!union) createRidIndex(db, table, sources[0]!.path);
  }
  for (const table of input.model.tables.values()) {
    if (table.schema !== 'public' && !byTable.has(table)) createRidIndex(db, table, '');
  }
  input.onProgress?.({ phase: 'index', done: 0, total: 1 });
  createLookupIndexes(db, input.model);
  const insertFetch = db.prepare('INSERT OR IGNORE INTO satchel_fetch (path, url, url_path, length) VALUES (?, ?, ?, ?)');
  for (const entry of input.fetch) insertFetch.run(entry.path, entry.url, urlPathOf(entry.url), entry.length);
  const insertMeta = db.prepare('INSERT INTO satchel_meta (key, value) VALUES (?, ?)');
  for (const [key, value] of Object.entries({ ...input.meta, layout: IMPORT_LAYOUT_VERSION })) insertMeta.run(key, value);
  db.exec('ANALYZE');
  input.onProgress?.({ phase: 'index', done: 1, total: 1 });
}

function urlPathOf(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(url);
  return match ? (match[1] ?? '/') : url;
}

function createTable(db: Database.Database, table: Table): void {
  const columns = table.columns.map((column) => `${quoteIdentifier(column.name)} ${sqlType(storageClass(column))}`);
  db.exec(`CREATE TABLE ${quoteIdentifier(table.qualified)} (${columns.join(', ')})`);
}

function createRidIndex(db: Database.Database, table: Table, csvPath: string): void {
  if (!table.columnByName.has('RID')) return;
  const name = quoteIdentifier(`${table.qualified}.RID`);
  try {
    db.exec(`CREATE UNIQUE INDEX ${name} ON ${quoteIdentifier(table.qualified)} ("RID")`);
  } catch (error) {
    if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
    const duplicate = db
      .prepare(`SELECT "RID" FROM ${quoteIdentifier(table.qualified)} GROUP BY "RID" HAVING count(*) > 1 LIMIT 1`)
      .pluck()
      .get() as string;
    throw new SatchelError('duplicate-rid', `${csvPath} lists the RID ${duplicate} more than once.`, csvPath);
  }
}

/** Indexes for every foreign key column and every multi-column key, so joins and member pages are fast. */
function createLookupIndexes(db: Database.Database, model: CatalogModel): void {
  for (const table of model.tables.values()) {
    if (table.schema === 'public') continue;
    const indexed = new Set<string>();
    const create = (columns: string[]) => {
      const signature = columns.join('\u0000');
      if (indexed.has(signature) || (columns.length === 1 && columns[0] === 'RID')) return;
      indexed.add(signature);
      const name = quoteIdentifier(`${table.qualified}.${columns.join('+')}`);
      db.exec(`CREATE INDEX ${name} ON ${quoteIdentifier(table.qualified)} (${columns.map(quoteIdentifier).join(', ')})`);
    };
    for (const key of table.keys) if (key.length > 1) create(key);
    for (const fk of table.foreignKeys) {
      if (fk.columns.length === 1 && SYSTEM_COLUMNS.has(fk.columns[0]!)) continue;
      create(fk.columns);
    }
  }
}

interface ColumnLoader {
  name: string;
  typename: string;
  nullok: boolean;
  convert: ToSql;
}

/** Streams one CSV into its table; returns the number of data rows read. */
function loadCsv(db: Database.Database, bagDir: string, source: CsvSource, ignoreDuplicates: boolean): number {
  const table = source.table;
  let loaders: ColumnLoader[] | null = null;
  let insert: Database.Statement | null = null;
  let rows = 0;
  const where = source.path;
  readCsvFile(path.join(bagDir, source.path), where, (fields, line) => {
    if (!loaders) {
      loaders = headerLoaders(table, fields, where);
      const names = loaders.map((loader) => quoteIdentifier(loader.name)).join(', ');
      const marks = loaders.map(() => '?').join(', ');
      const verb = ignoreDuplicates ? 'INSERT OR IGNORE' : 'INSERT';
      insert = db.prepare(`${verb} INTO ${quoteIdentifier(table.qualified)} (${names}) VALUES (${marks})`);
      return;
    }
    if (fields.length !== loaders.length) {
      throw new SatchelError(
        'csv-syntax',
        `${where} line ${line} has ${fields.length} fields, but its header has ${loaders.length}.`,
        where,
      );
    }
    const values: SqlValue[] = new Array(fields.length);
    for (let i = 0; i < fields.length; i++) values[i] = convertField(fields[i]!, loaders[i]!, where, line);
    insert!.run(values);
    rows++;
  });
  if (!loaders) throw new SatchelError('csv-header', `${where} is empty: it has no header row.`, where);
  return rows;
}

function convertField(text: CsvField, loader: ColumnLoader, where: string, line: number): SqlValue {
  if (text === null) {
    if (loader.nullok) return null;
    throw new SatchelError('bad-value', `${where} line ${line}: ${loader.name} is empty, but it cannot be NULL.`, where);
  }
  const value = loader.convert(text);
  if (value === undefined) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new SatchelError('bad-value', `${where} line ${line}: ${loader.name} is "${shown}", which is not a valid ${loader.typename}.`, where);
  }
  return value;
}

function headerLoaders(table: Table, header: CsvField[], where: string): ColumnLoader[] {
  const seen = new Set<string>();
  const loaders = header.map((name) => {
    const column = name === null ? undefined : table.columnByName.get(name);
    if (!column || name === null) {
      throw new SatchelError(
        'csv-header',
        `${where}: the header names the column "${name ?? ''}", which ${table.qualified} does not have in data/schema.json.`,
        where,
      );
    }
    if (seen.has(name)) throw new SatchelError('csv-header', `${where}: the header names the column "${name}" twice.`, where);
    seen.add(name);
    return { name, typename: column.typename, nullok: column.nullok, convert: toSqlConverter(storageClass(column)) };
  });
  const required = table.columns.filter((column) => !column.nullok && column.default === null || column.name === 'RID');
  const missing = required.find((column) => !seen.has(column.name));
  if (missing) {
    throw new SatchelError('csv-header', `${where}: the header lacks the column "${missing.name}" of ${table.qualified}.`, where);
  }
  return loaders;
}
