/**
 * The external tools the Satchel figures are compared with: the sqlite3 CLI (a plain `.import` and a
 * fair import into Satchel's own schema) and coreutils' md5sum/sha256sum checking the bag's manifests.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { csvRowCount, type BenchContext } from './context.js';
import type { SyntheticBag } from './synthetic-bag.js';

export const SQLITE3_CLI = '/usr/bin/sqlite3';

export interface PeerImport {
  dbPath: string;
  seconds: number;
  /** User + system CPU seconds of the sqlite3 process (GNU time), null where /usr/bin/time is missing. */
  cpuSeconds: number | null;
  rows: number;
}

const GNU_TIME = '/usr/bin/time';

/** Table name in the plain peer database: `<schema>_<table>` with anything but [A-Za-z0-9_] replaced. */
export function peerTableName(schema: string, table: string): string {
  return `${schema}_${table}`.replace(/[^A-Za-z0-9_]/g, '_');
}

export function sqlite3Available(): boolean {
  return fs.existsSync(SQLITE3_CLI);
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The plain peer: every CSV of the bag loaded with `.import` into untyped tables created from the
 * header rows, no index, no fetch.txt, default settings.
 */
export function sqlite3PlainImport(context: BenchContext, bag: SyntheticBag, dbPath: string): PeerImport {
  const script = [
    '.mode csv',
    ...bag.tables.map(
      (table) =>
        `.import ${sqlString(path.join(bag.bagDir, table.path))} ${peerTableName(table.schema, table.table)}`,
    ),
  ];
  const { seconds, cpuSeconds } = runSqlite3(context, dbPath, script);
  const rows = csvRowCount(bag);
  checkRows(
    dbPath,
    bag.tables.map((table) => peerTableName(table.schema, table.table)),
    rows,
  );
  return { dbPath, seconds, cpuSeconds, rows };
}

/**
 * The fair peer: the sqlite3 CLI building the database Satchel builds, as far as a script can. The
 * tables and indexes are Satchel's own (its database's CREATE statements, typed columns, clustered on
 * RID), with Satchel's settings (page size, no journal, no sync, exclusive lock, 64 MiB cache) in one
 * transaction: `.import --skip 1` of every CSV into its typed table, fetch.txt loaded (its URL path
 * computed in SQL), then the indexes and a bounded ANALYZE. Satchel's own bookkeeping tables (row and
 * member counts, CSV list, metadata) are left out.
 */
export function sqlite3FairImport(
  context: BenchContext,
  bag: SyntheticBag,
  satchelDatabase: string,
  dbPath: string,
): PeerImport {
  const ddl = new Database(satchelDatabase, { readonly: true });
  let tables: string[];
  let indexes: string[];
  try {
    const statements = (type: string) =>
      ddl
        .prepare(
          `SELECT sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%'
           AND name NOT IN ('satchel_meta', 'satchel_csv', 'satchel_counts', 'satchel_member_counts')`,
        )
        .pluck()
        .all(type) as string[];
    tables = statements('table');
    indexes = statements('index');
  } finally {
    ddl.close();
  }
  const afterScheme = "substr(url, instr(url, '://') + 3)";
  const urlPath =
    `CASE WHEN instr(url, '://') = 0 THEN url WHEN instr(${afterScheme}, '/') = 0 THEN '/' ` +
    `ELSE substr(${afterScheme}, instr(${afterScheme}, '/')) END`;
  const script = [
    'PRAGMA page_size = 16384;',
    'PRAGMA journal_mode = OFF;',
    'PRAGMA synchronous = OFF;',
    'PRAGMA locking_mode = EXCLUSIVE;',
    'PRAGMA cache_size = -65536;',
    'BEGIN;',
    ...tables.map((sql) => `${sql};`),
    ...bag.tables.map(
      (table) =>
        `.import --csv --skip 1 ${sqlString(path.join(bag.bagDir, table.path))} ${sqlString(`${table.schema}:${table.table}`)}`,
    ),
    'CREATE TEMP TABLE fetch_lines (url TEXT, length TEXT, path TEXT);',
    '.mode tabs',
    `.import ${sqlString(path.join(bag.bagDir, 'fetch.txt'))} fetch_lines`,
    `INSERT OR IGNORE INTO satchel_fetch (path, url, url_path, length) SELECT path, url, ${urlPath}, CAST(length AS INTEGER) FROM temp.fetch_lines;`,
    ...indexes.map((sql) => `${sql};`),
    'PRAGMA analysis_limit = 1000;',
    'ANALYZE;',
    'COMMIT;',
  ];
  const { seconds, cpuSeconds } = runSqlite3(context, dbPath, script);
  const rows = csvRowCount(bag);
  checkRows(
    dbPath,
    bag.tables.map((table) => `${table.schema}:${table.table}`),
    rows,
  );
  checkRows(dbPath, ['satchel_fetch'], bag.imageRids.length);
  return { dbPath, seconds, cpuSeconds, rows };
}

/** Wall and CPU seconds of one sqlite3 CLI run of `script` (fed on stdin) on a new database file. */
function runSqlite3(
  context: BenchContext,
  dbPath: string,
  script: readonly string[],
): { seconds: number; cpuSeconds: number | null } {
  fs.rmSync(dbPath, { force: true });
  const timed = fs.existsSync(GNU_TIME);
  const [command, args] = timed
    ? [GNU_TIME, ['-f', 'cpu %U %S', SQLITE3_CLI, '-bail', dbPath]]
    : [SQLITE3_CLI, ['-bail', dbPath]];
  const started = performance.now();
  const stderr = runTool(context, command, args, { input: script.join('\n') + '\n' });
  const seconds = (performance.now() - started) / 1000;
  const cpu = /^cpu ([\d.]+) ([\d.]+)$/m.exec(stderr);
  return { seconds, cpuSeconds: cpu ? Number(cpu[1]) + Number(cpu[2]) : null };
}

function checkRows(dbPath: string, tables: readonly string[], expected: number): void {
  const db = new Database(dbPath, { readonly: true });
  try {
    const count = (name: string): number =>
      Number(
        db
          .prepare(`SELECT count(*) AS n FROM "${name.replaceAll('"', '""')}"`)
          .pluck()
          .get(),
      );
    const imported = tables.reduce((sum, table) => sum + count(table), 0);
    if (imported !== expected)
      throw new Error(`the sqlite3 peer loaded ${imported} rows into ${dbPath}, expected ${expected}`);
  } finally {
    db.close();
  }
}

/**
 * Seconds for coreutils to check the bag's own manifests the way a BagIt validator does, one tool after
 * the other: `md5sum -c` then `sha256sum -c` of the payload manifests and of the tag manifests (whose
 * `<hash> <path>` lines, one space as bdbag writes them, are given the two spaces coreutils wants).
 * Files only listed in fetch.txt are skipped with --ignore-missing when the bag is holey.
 */
export function coreutilsManifestSeconds(
  context: BenchContext,
  bagDir: string,
  holey: boolean,
): { md5: number; sha256: number } {
  const check = (algorithm: 'md5' | 'sha256'): number => {
    const tool = `${algorithm}sum`;
    const skip = holey ? ' --ignore-missing' : '';
    const script =
      `${tool} -c --quiet${skip} manifest-${algorithm}.txt && ` +
      `sed -E 's/^([0-9a-f]+) ([^ ])/\\1  \\2/' tagmanifest-${algorithm}.txt | ${tool} -c --quiet -`;
    const started = performance.now();
    runTool(context, 'bash', ['-c', script], { cwd: bagDir });
    return (performance.now() - started) / 1000;
  };
  return { md5: check('md5'), sha256: check('sha256') };
}

/**
 * Runs a tool to completion (output discarded), bounded by the module timeout; throws on failure,
 * returns its stderr (GNU time's report goes there).
 */
function runTool(
  context: BenchContext,
  command: string,
  args: string[],
  options: { input?: string; cwd?: string } = {},
): string {
  const result = spawnSync(command, args, {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'],
    input: options.input,
    cwd: options.cwd,
    timeout: context.scale.moduleTimeoutMs,
    maxBuffer: 16 << 20,
  });
  const stderr = result.stderr?.toString().trim() ?? '';
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`${command} exited with ${result.status ?? result.signal}: ${stderr.slice(0, 500)}`);
  const unexpected = stderr.replace(/^cpu [\d.]+ [\d.]+$/m, '').trim();
  if (unexpected !== '') context.log(`${command} stderr: ${unexpected.slice(0, 500)}`);
  return stderr;
}
