import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describeDatabaseError, groupBy, namingWriteFailures, partialName } from '../common/index.js';
import { buildFacetTables } from './facet-tables.js';
import { BatchInserter, NativeReaderStopped, loadCsv } from './csv-loader.js';
import { forEachFetchEntry, urlPath } from './fetch.js';
import type { CsvSource } from './layout.js';
import { recordMemberCounts } from './members.js';
import { SYSTEM_COLUMNS, type CatalogModel, type Table } from './model.js';
import { csvExtensionPath, loadCsvExtension } from './native.js';
import { quoteIdentifier } from './sql.js';
import { sqlType, storageClass } from './values.js';

/** Bump when the database layout changes, so older imports are rebuilt. */
const IMPORT_LAYOUT_VERSION = '5';

export interface ImportProgress {
  phase: 'import' | 'index';
  done: number;
  total: number;
}

export interface ImportInput {
  bagDir: string;
  model: CatalogModel;
  sources: CsvSource[];
  meta: Record<string, string>;
  onProgress?: (progress: ImportProgress) => void;
  /** The satchel_csv extension to read CSVs with; null for the JavaScript reader; default: the built one. */
  extension?: string | null;
}

/** What the database remembers of the bag it was imported from (satchel_meta). */
export const META = {
  /** The first fetch.txt file that was missing at import, or '' when every one was there. */
  firstMissing: 'first_missing',
  /** `satchel_csv` or `javascript`: the reader that loaded the CSVs. */
  csvReader: 'csv_reader',
} as const;

/** The files that say what a bag holds (bagit.txt, bag-info.txt, manifests, fetch.txt). */
const TAG_FILE = /^(manifest-|tagmanifest-).*\.txt$|^fetch\.txt$|^bagit\.txt$|^bag-info\.txt$/;

/**
 * The database is keyed by the identity of what the bag holds: size, modification and change times
 * and inode of its tag files (the manifests carry a checksum of every payload file), of schema.json
 * and of every CSV. Any rewrite of one of them changes its times, so an edited bag gets a new database,
 * while reopening an unchanged one finds the old without reading tens of megabytes of manifests.
 */
export function databaseKey(bagDir: string, sources: CsvSource[]): string {
  const hash = crypto.createHash('sha256').update(`satchel-bag-db ${IMPORT_LAYOUT_VERSION}\n`);
  const identity = (relative: string): string => {
    const stat = fs.statSync(path.join(bagDir, relative), { bigint: true });
    return `${relative}\t${stat.size}\t${stat.mtimeNs}\t${stat.ctimeNs}\t${stat.ino}\n`;
  };
  const tagFiles = fs.readdirSync(bagDir).filter((name) => TAG_FILE.test(name));
  for (const name of tagFiles.sort()) hash.update(identity(name));
  hash.update(identity('data/schema.json'));
  for (const source of sources) hash.update(identity(source.path));
  return hash.digest('hex').slice(0, 32);
}

/**
 * Builds the bag database at `target` through a temporary file, so a failure leaves nothing behind.
 * When the C reader stops at something, the database is built again with the JavaScript reader,
 * whose answer (the same database, or the sentence naming the problem) is the one that counts.
 */
export function importBagDatabase(target: string, input: ImportInput): void {
  const extension = input.extension === undefined ? csvExtensionPath() : input.extension;
  try {
    buildDatabase(target, input, extension);
  } catch (error) {
    if (!(error instanceof NativeReaderStopped)) throw error;
    buildDatabase(target, input, null);
  }
}

function buildDatabase(target: string, input: ImportInput, extension: string | null): void {
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
    db.pragma('cache_size = -65536');
    // Lets SQLite sort with a helper thread while it builds indexes. Its sorts spill to temporary files
    // (not temp_store = MEMORY, which also keeps the helper from running): a 10M-row index sorted in
    // memory took the importer past 600 MB.
    db.pragma('threads = 2');
    const native = extension !== null && loadCsvExtension(db, extension);
    db.transaction(() => loadEverything(db, input, native))();
    db.close();
    fs.renameSync(temporary, target);
  } catch (error) {
    if (db.open) db.close();
    fs.rmSync(temporary, { force: true });
    // SQLite's own failures (a full disk) are about the database; the bag's are already sentences.
    throw describeDatabaseError(error, target);
  }
}

function loadEverything(db: Database.Database, input: ImportInput, native: boolean): void {
  db.exec(`CREATE TABLE satchel_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE satchel_csv (path TEXT PRIMARY KEY, "table" TEXT NOT NULL, rows INTEGER NOT NULL);
    CREATE TABLE satchel_counts ("table" TEXT PRIMARY KEY, rows INTEGER NOT NULL);
    CREATE TABLE satchel_fetch (path TEXT PRIMARY KEY, url TEXT NOT NULL, url_path TEXT NOT NULL, length INTEGER);`);
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
    const ignoreDuplicates = sources.length > 1;
    for (const source of sources) {
      const rows = loadCsv(db, input.bagDir, source, { ignoreDuplicates, native });
      loadedRows.set(table, (loadedRows.get(table) ?? 0) + rows);
      recordCsv.run(source.path, table.qualified, rows);
      doneBytes += source.size;
      input.onProgress?.({ phase: 'import', done: doneBytes, total: totalBytes });
    }
  }
  input.onProgress?.({ phase: 'index', done: 0, total: 1 });
  const firstMissing = loadFetchFile(db, input.bagDir, native);
  createLookupIndexes(db, input.model, loadedRows);
  recordMemberCounts(db, input.model);
  buildFacetTables(db, input.model);
  const insertMeta = db.prepare('INSERT INTO satchel_meta (key, value) VALUES (?, ?)');
  const meta = {
    ...input.meta,
    layout: IMPORT_LAYOUT_VERSION,
    [META.firstMissing]: firstMissing ?? '',
    [META.csvReader]: native ? 'satchel_csv' : 'javascript',
  };
  for (const [key, value] of Object.entries(meta)) insertMeta.run(key, value);
  recordCounts(db, input.model, loadedRows, byTable);
  // A bounded ANALYZE keeps the planner informed without scanning million-row tables.
  db.exec('PRAGMA analysis_limit = 1000; ANALYZE;');
  input.onProgress?.({ phase: 'index', done: 1, total: 1 });
}

/**
 * Loads fetch.txt into satchel_fetch (with the C reader when it is loaded, else streamed through the
 * JavaScript one), then indexes its URLs: one sort each, much faster than keeping two indexes up to
 * date row by row. Returns the first listed file that is not in the bag, or null when the bag is
 * materialized; no file is looked at after the first missing one.
 */
function loadFetchFile(db: Database.Database, bagDir: string, native: boolean): string | null {
  const file = path.join(bagDir, 'fetch.txt');
  if (native && fs.existsSync(file)) loadFetchNatively(db, file);
  else {
    const rows = new BatchInserter(db, 'satchel_fetch', FETCH_COLUMNS, true, 'fetch.txt');
    forEachFetchEntry(bagDir, (entry) => rows.add([entry.path, entry.url, urlPath(entry.url), entry.length]));
    rows.flush();
  }
  db.exec(`CREATE INDEX satchel_fetch_url ON satchel_fetch (url);
    CREATE INDEX satchel_fetch_url_path ON satchel_fetch (url_path);`);
  const paths = db
    .prepare('SELECT path FROM satchel_fetch ORDER BY rowid')
    .pluck()
    .iterate() as Iterable<string>;
  for (const relative of paths) if (!fs.existsSync(path.join(bagDir, relative))) return relative;
  return null;
}

const FETCH_COLUMNS = ['path', 'url', 'url_path', 'length'];
/** fetch.txt lines longer than this are left to the JavaScript reader. */
const MAX_FETCH_LINE_BYTES = 1 << 20;

function loadFetchNatively(db: Database.Database, file: string): void {
  const columns = FETCH_COLUMNS.join(', ');
  try {
    db.exec(
      `CREATE VIRTUAL TABLE temp.satchel_fetch_source USING satchel_fetch('${file.replaceAll("'", "''")}', ${MAX_FETCH_LINE_BYTES});
       INSERT OR IGNORE INTO satchel_fetch (${columns}) SELECT ${columns} FROM temp.satchel_fetch_source;`,
    );
  } catch (error) {
    throw new NativeReaderStopped('fetch.txt', error);
  }
  db.exec('DROP TABLE temp.satchel_fetch_source');
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
