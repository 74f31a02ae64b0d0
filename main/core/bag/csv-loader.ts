import path from 'node:path';
import type Database from 'better-sqlite3';
import { SatchelError } from '../common/index.js';
import { CSV_LIMITS, readCsvFile, type CsvField } from './csv.js';
import type { CsvSource } from './layout.js';
import type { Table } from './model.js';
import { quoteIdentifier } from './sql.js';
import { storageClass, toSqlConverter, type SqlValue, type StorageClass, type ToSql } from './values.js';

/**
 * The C reader (of a CSV or of fetch.txt) stopped at something it does not accept. The importer then
 * builds the database again with the JavaScript reader, which either accepts the bag (a case the C
 * reader leaves to it, such as an integer past 64 bits) or names the file, line and problem.
 */
export class NativeReaderStopped extends Error {
  constructor(where: string, cause: unknown) {
    super(`${where}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

interface ColumnLoader {
  name: string;
  typename: string;
  nullok: boolean;
  storage: StorageClass;
  convert: ToSql;
}

/**
 * Streams one CSV into its table; returns the number of data rows read. With `native` (the
 * satchel_csv extension is loaded) a table that holds no array or JSON columns and comes from one CSV
 * is read in C by one INSERT … SELECT; anything else goes through the JavaScript reader.
 */
export function loadCsv(
  db: Database.Database,
  bagDir: string,
  source: CsvSource,
  options: { ignoreDuplicates: boolean; native: boolean },
): number {
  const file = path.join(bagDir, source.path);
  const where = source.path;
  const header = readCsvHeader(file, where);
  if (!header) throw new SatchelError('csv-header', `${where} is empty: it has no header row.`, where);
  const loaders = headerLoaders(source.table, header, where);
  const spec = options.native && !options.ignoreDuplicates ? nativeSpec(loaders) : null;
  return spec
    ? loadNative(db, file, source.table, loaders, spec, where)
    : loadWithJavaScript(db, file, source.table, loaders, options.ignoreDuplicates, where);
}

/** The first record of a CSV, or null for a file without one; reading stops right after it. */
function readCsvHeader(file: string, where: string): CsvField[] | null {
  let header: CsvField[] | null = null;
  const stop = new Error('header read');
  try {
    readCsvFile(file, where, (fields) => {
      header = fields;
      throw stop;
    });
  } catch (error) {
    if (error !== stop) throw error;
  }
  return header;
}

/** One letter per CSV column for satchel_csv (upper case: not NULL); null if a column needs JavaScript. */
function nativeSpec(loaders: readonly ColumnLoader[]): string | null {
  const letters: Partial<Record<StorageClass, string>> = {
    integer: 'i',
    real: 'r',
    boolean: 'b',
    date: 'd',
    text: 't',
  };
  let spec = '';
  for (const loader of loaders) {
    const letter = letters[loader.storage];
    if (!letter) return null;
    spec += loader.nullok ? letter : letter.toUpperCase();
  }
  return spec;
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

const SOURCE = 'temp.satchel_source';

function loadNative(
  db: Database.Database,
  file: string,
  table: Table,
  loaders: readonly ColumnLoader[],
  spec: string,
  where: string,
): number {
  const { maxFieldChars, maxRecordChars } = CSV_LIMITS;
  const columns = loaders.map((loader) => quoteIdentifier(loader.name)).join(', ');
  const selected = loaders.map((_, index) => `c${index}`).join(', ');
  let rows: number;
  try {
    // Byte limits equal to the character limits: a record within them in bytes is within them in characters.
    db.exec(
      `CREATE VIRTUAL TABLE ${SOURCE} USING satchel_csv(${sqlString(file)}, '${spec}', ${maxFieldChars}, ${maxRecordChars})`,
    );
    rows = db
      .prepare(
        `INSERT INTO ${quoteIdentifier(table.qualified)} (${columns}) SELECT ${selected} FROM ${SOURCE}`,
      )
      .run().changes;
  } catch (error) {
    throw new NativeReaderStopped(where, error);
  }
  db.exec(`DROP TABLE ${SOURCE}`);
  return rows;
}

function loadWithJavaScript(
  db: Database.Database,
  file: string,
  table: Table,
  loaders: readonly ColumnLoader[],
  ignoreDuplicates: boolean,
  where: string,
): number {
  const batch = new BatchInserter(
    db,
    table.qualified,
    loaders.map((loader) => loader.name),
    ignoreDuplicates,
    where,
  );
  let header = true;
  let rows = 0;
  readCsvFile(file, where, (fields, line) => {
    if (header) {
      header = false;
      return;
    }
    if (fields.length !== loaders.length) {
      throw new SatchelError(
        'csv-syntax',
        `${where} line ${line} has ${fields.length} fields, but its header has ${loaders.length}.`,
        where,
      );
    }
    const values = batch.nextRow();
    const offset = values.length - fields.length;
    for (let i = 0; i < fields.length; i++)
      values[offset + i] = convertField(fields[i]!, loaders[i]!, where, line);
    batch.rowDone();
    rows++;
  });
  batch.flush();
  return rows;
}

/** Rows per multi-row INSERT: far fewer statement executions, well under SQLite's variable limit. */
const ROWS_PER_INSERT = 64;

/** Collects rows and inserts them ROWS_PER_INSERT at a time with one prepared multi-row statement. */
export class BatchInserter {
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

  add(row: readonly SqlValue[]): void {
    const values = this.nextRow();
    const offset = values.length - row.length;
    for (let i = 0; i < row.length; i++) values[offset + i] = row[i]!;
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
    const storage = storageClass(column);
    return {
      name,
      typename: column.typename,
      nullok: column.nullok,
      storage,
      convert: toSqlConverter(storage),
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
