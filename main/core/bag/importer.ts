import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  SatchelError,
  describeDatabaseError,
  groupBy,
  namingWriteFailures,
  partialName,
} from '../common/index.js';
import { buildFacetTables } from './facet-tables.js';
import { readCsvFile, type CsvField } from './csv.js';
import { urlPath, type FetchEntry } from './fetch.js';
import type { CsvSource } from './layout.js';
import { SYSTEM_COLUMNS, type CatalogModel, type Table } from './model.js';
import { sqlType, storageClass, toSqlConverter, type SqlValue, type ToSql } from './values.js';

/** Bump when the database layout changes, so older imports are rebuilt. */
const IMPORT_LAYOUT_VERSION = '3';

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
  const tagFiles = fs
    .readdirSync(bagDir)
    .filter((name) => /^(manifest-|tagmanifest-).*\.txt$|^fetch\.txt$/.test(name));
  for (const name of tagFiles.sort())
    hash.update(`${name}\n`).update(fs.readFileSync(path.join(bagDir, name)));
  hash.update(fs.readFileSync(path.join(bagDir, 'data', 'schema.json')));
  for (const source of sources) hash.update(`${source.path}\t${source.size}\t${source.mtimeMs}\n`);
  return hash.digest('hex').slice(0, 32);
}

/** Builds the bag database at `target` through a temporary file, so a failure leaves nothing behind. */
export function importBagDatabase(target: string, input: ImportInput): void {
  const folder = path.dirname(target);
  namingWriteFailures(folder, () => fs.mkdirSync(folder, { recursive: true }));
  const temporary = path.join(folder, partialName(path.basename(target)));
  let db: Database.Database;
  try {
    db = new Database(temporary);
  } catch (error) {
    throw describeDatabaseError(error, target);
  }
  try {
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536');
    // Lets SQLite sort with a helper thread while it builds indexes.
    db.pragma('threads = 2');
    db.transaction(() => loadEverything(db, input))();
    db.close();
    fs.renameSync(temporary, target);
  } catch (error) {
    if (db.open) db.close();
    fs.rmSync(temporary, { force: true });
    // SQLite's own failures (a full disk) are about the database; the bag's are already sentences.
    throw describeDatabaseError(error, target);
  }
}

function loadEverything(db: Database.Database, input: ImportInput): void {
  db.exec(`CREATE TABLE satchel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE satchel_csv (path TEXT PRIMARY KEY, "table" TEXT NOT NULL, rows INTEGER NOT NULL);
    CREATE TABLE satchel_counts ("table" TEXT PRIMARY KEY, rows INTEGER NOT NULL);
    CREATE TABLE satchel_fetch (path TEXT PRIMARY KEY, url TEXT NOT NULL, url_path TEXT NOT NULL, length INTEGER);
    CREATE INDEX satchel_fetch_url ON satchel_fetch (url);
    CREATE INDEX satchel_fetch_url_path ON satchel_fetch (url_path);`);
  const byTable = groupBy(input.sources, (source) => source.table);
  for (const table of input.model.tables.values()) {
    if (table.schema === 'public') continue;
    createTable(db, table);
  }
  const totalBytes = input.sources.reduce((sum, source) => sum + source.size, 0);
  let doneBytes = 0;
  const recordCsv = db.prepare('INSERT INTO satchel_csv (path, "table", rows) VALUES (?, ?, ?)');
  const loadedRows = new Map<Table, number>();
  for (const [table, sources] of byTable) {
    // Legacy bags list one table in several CSVs; their rows are unioned by RID.
    const union = sources.length > 1;
    for (const source of sources) {
      const rows = loadCsv(db, input.bagDir, source, union);
      loadedRows.set(table, (loadedRows.get(table) ?? 0) + rows);
      recordCsv.run(source.path, table.qualified, rows);
      doneBytes += source.size;
      input.onProgress?.({ phase: 'import', done: doneBytes, total: totalBytes });
    }
  }
  input.onProgress?.({ phase: 'index', done: 0, total: 1 });
  createLookupIndexes(db, input.model, loadedRows);
  buildFacetTables(db, input.model);
  const fetchRows = new BatchInserter(
    db,
    'satchel_fetch',
    ['path', 'url', 'url_path', 'length'],
    true,
    'fetch.txt',
  );
  for (const entry of input.fetch) fetchRows.add([entry.path, entry.url, urlPath(entry.url), entry.length]);
  fetchRows.flush();
  const insertMeta = db.prepare('INSERT INTO satchel_meta (key, value) VALUES (?, ?)');
  for (const [key, value] of Object.entries({ ...input.meta, layout: IMPORT_LAYOUT_VERSION }))
    insertMeta.run(key, value);
  recordCounts(db, input.model, loadedRows, byTable);
  // A bounded ANALYZE keeps the planner informed without scanning million-row tables.
  db.exec('PRAGMA analysis_limit = 1000; ANALYZE;');
  input.onProgress?.({ phase: 'index', done: 1, total: 1 });
}

/**
 * Row counts, so reopening a bag never scans a million-row table to count it: a table loaded from
 * one CSV has exactly the rows read; only a Format A union (duplicates dropped) is counted.
 */
function recordCounts(
  db: Database.Database,
  model: CatalogModel,
  loadedRows: Map<Table, number>,
  sources: Map<Table, CsvSource[]>,
): void {
  const insert = db.prepare('INSERT INTO satchel_counts ("table", rows) VALUES (?, ?)');
  for (const table of model.tables.values()) {
    if (table.schema === 'public') continue;
    const union = (sources.get(table)?.length ?? 0) > 1;
    const rows = union
      ? (db
          .prepare(`SELECT count(*) FROM ${quoteIdentifier(table.qualified)}`)
          .pluck()
          .get() as number)
      : (loadedRows.get(table) ?? 0);
    insert.run(table.qualified, rows);
  }
}

/**
 * Tables with a RID are clustered on it (WITHOUT ROWID): ERMrest exports rows sorted by RID, so the
 * load appends in key order and no separate RID index has to be built afterwards.
 */
function createTable(db: Database.Database, table: Table): void {
  const clustered = table.columnByName.has('RID');
  const columns = table.columns.map(
    (column) =>
      `${quoteIdentifier(column.name)} ${sqlType(storageClass(column))}${clustered && column.name === 'RID' ? ' NOT NULL PRIMARY KEY' : ''}`,
  );
  db.exec(
    `CREATE TABLE ${quoteIdentifier(table.qualified)} (${columns.join(', ')})${clustered ? ' WITHOUT ROWID' : ''}`,
  );
}

/**
 * Indexes for the joins Satchel makes: the key of every two-column association (membership paging)
 * and every foreign key whose referenced table has enough rows for an index to narrow a lookup.
 * Foreign keys to vocabularies or to a few executions are left out: few values over many rows is a
 * scan anyway, and each index on a million-row feature table costs a noticeable part of the import.
 */
const SELECTIVE_REFERENCE_ROWS = 100;

function createLookupIndexes(
  db: Database.Database,
  model: CatalogModel,
  loadedRows: Map<Table, number>,
): void {
  for (const table of model.tables.values()) {
    if (table.schema === 'public') continue;
    const indexed = new Set<string>();
    const create = (columns: string[]) => {
      const signature = columns.join('\u0000');
      if (indexed.has(signature) || (columns.length === 1 && columns[0] === 'RID')) return;
      indexed.add(signature);
      const name = quoteIdentifier(`${table.qualified}.${columns.join('+')}`);
      db.exec(
        `CREATE INDEX ${name} ON ${quoteIdentifier(table.qualified)} (${columns.map(quoteIdentifier).join(', ')})`,
      );
    };
    const pairKeys = table.keys.filter((key) => key.length === 2 && !key.includes('RID'));
    for (const key of pairKeys) create(key);
    const leadingColumns = new Set(pairKeys.map((key) => key[0]!));
    for (const fk of table.foreignKeys) {
      if (fk.columns.length !== 1 || SYSTEM_COLUMNS.has(fk.columns[0]!) || leadingColumns.has(fk.columns[0]!))
        continue;
      const referenced = model.table(`${fk.schema}:${fk.table}`);
      if (!referenced || referenced.kind === 'vocabulary') continue;
      if ((loadedRows.get(referenced) ?? 0) < SELECTIVE_REFERENCE_ROWS) continue;
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

/** Rows per multi-row INSERT: far fewer statement executions, well under SQLite's variable limit. */
const ROWS_PER_INSERT = 64;

/** Streams one CSV into its table; returns the number of data rows read. */
function loadCsv(
  db: Database.Database,
  bagDir: string,
  source: CsvSource,
  ignoreDuplicates: boolean,
): number {
  const table = source.table;
  const where = source.path;
  let loaders: ColumnLoader[] | null = null;
  let batch: BatchInserter | null = null;
  let rows = 0;
  readCsvFile(path.join(bagDir, source.path), where, (fields, line) => {
    if (!loaders) {
      loaders = headerLoaders(table, fields, where);
      const columns = loaders.map((loader) => loader.name);
      batch = new BatchInserter(db, table.qualified, columns, ignoreDuplicates, where);
      return;
    }
    if (fields.length !== loaders.length) {
      throw new SatchelError(
        'csv-syntax',
        `${where} line ${line} has ${fields.length} fields, but its header has ${loaders.length}.`,
        where,
      );
    }
    const values = batch!.nextRow();
    const offset = values.length - fields.length;
    for (let i = 0; i < fields.length; i++)
      values[offset + i] = convertField(fields[i]!, loaders[i]!, where, line);
    batch!.rowDone();
    rows++;
  });
  if (!loaders) throw new SatchelError('csv-header', `${where} is empty: it has no header row.`, where);
  batch!.flush();
  return rows;
}

/** Collects rows and inserts them ROWS_PER_INSERT at a time with one prepared multi-row statement. */
class BatchInserter {
  private readonly full: Database.Statement;
  private readonly pending: SqlValue[] = [];
  private count = 0;

  constructor(
    private readonly db: Database.Database,
    private readonly table: string,
    private readonly columns: string[],
    private readonly ignoreDuplicates: boolean,
    private readonly where: string,
  ) {
    this.full = db.prepare(this.sql(ROWS_PER_INSERT));
  }

  add(row: SqlValue[]): void {
    this.nextRow().splice(this.count * this.columns.length, row.length, ...row);
    this.rowDone();
  }

  /** The values array with room for one more row at its end. */
  nextRow(): SqlValue[] {
    this.pending.length = (this.count + 1) * this.columns.length;
    return this.pending;
  }

  rowDone(): void {
    this.count++;
    if (this.count === ROWS_PER_INSERT) this.run(this.full);
  }

  flush(): void {
    if (this.count > 0) this.run(this.db.prepare(this.sql(this.count)));
  }

  private sql(rows: number): string {
    const tuple = `(${this.columns.map(() => '?').join(', ')})`;
    const verb = this.ignoreDuplicates ? 'INSERT OR IGNORE' : 'INSERT';
    const names = this.columns.map(quoteIdentifier).join(', ');
    return `${verb} INTO ${quoteIdentifier(this.table)} (${names}) VALUES ${Array<string>(rows).fill(tuple).join(', ')}`;
  }

  private run(statement: Database.Statement): void {
    try {
      statement.run(this.pending);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw this.duplicateError();
      throw error;
    }
    this.count = 0;
    this.pending.length = 0;
  }

  /** Names the RID that is listed twice: within this batch or already loaded. */
  private duplicateError(): SatchelError {
    const ridColumn = this.columns.indexOf('RID');
    const exists = this.db.prepare(`SELECT 1 FROM ${quoteIdentifier(this.table)} WHERE "RID" = ?`);
    const seen = new Set<SqlValue>();
    let duplicate: SqlValue = null;
    for (let row = 0; row < this.count && duplicate === null; row++) {
      const rid = this.pending[row * this.columns.length + ridColumn] ?? null;
      if (seen.has(rid) || exists.get(rid)) duplicate = rid;
      seen.add(rid);
    }
    return new SatchelError(
      'duplicate-rid',
      `${this.where} lists the RID ${String(duplicate)} more than once.`,
      this.where,
    );
  }
}

function convertField(text: CsvField, loader: ColumnLoader, where: string, line: number): SqlValue {
  if (text === null) {
    if (loader.nullok) return null;
    throw new SatchelError(
      'bad-value',
      `${where} line ${line}: ${loader.name} is empty, but it cannot be NULL.`,
      where,
    );
  }
  const value = loader.convert(text);
  if (value === undefined) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new SatchelError(
      'bad-value',
      `${where} line ${line}: ${loader.name} is "${shown}", which is not a valid ${loader.typename}.`,
      where,
    );
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
    if (seen.has(name))
      throw new SatchelError('csv-header', `${where}: the header names the column "${name}" twice.`, where);
    seen.add(name);
    return {
      name,
      typename: column.typename,
      nullok: column.nullok,
      convert: toSqlConverter(storageClass(column)),
    };
  });
  const required = table.columns.filter(
    (column) => (!column.nullok && column.default === null) || column.name === 'RID',
  );
  const missing = required.find((column) => !seen.has(column.name));
  if (missing) {
    throw new SatchelError(
      'csv-header',
      `${where}: the header lacks the column "${missing.name}" of ${table.qualified}.`,
      where,
    );
  }
  return loaders;
}
