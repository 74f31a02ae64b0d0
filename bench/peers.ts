/** The external tools the Satchel figures are compared with: the sqlite3 CLI and coreutils md5sum/sha256sum. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { csvRowCount, syntheticBag, timed, type BenchContext } from './context.js';

export const SQLITE3_CLI = '/usr/bin/sqlite3';

export interface Sqlite3Import {
  dbPath: string;
  seconds: number;
  rows: number;
}

/** Table name in the peer database: `<schema>_<table>` with anything but [A-Za-z0-9_] replaced. */
export function peerTableName(schema: string, table: string): string {
  return `${schema}_${table}`.replace(/[^A-Za-z0-9_]/g, '_');
}

export function sqlite3Available(): boolean {
  return fs.existsSync(SQLITE3_CLI);
}

/**
 * Imports every CSV of the synthetic bag with one `sqlite3 db ".mode csv" ".import file table" …` run
 * (tables created from the header rows). Null when the CLI is missing.
 */
export function sqlite3Import(context: BenchContext): Promise<Sqlite3Import | null> {
  return context.shared('sqlite3-import', async () => {
    if (!sqlite3Available()) {
      context.log(`${SQLITE3_CLI} not found: no sqlite3 peer`);
      return null;
    }
    const bag = await syntheticBag(context);
    const dbPath = path.join(context.workDir, 'sqlite3-peer.db');
    const imports = bag.tables.map(
      (table) => `.import "${path.join(bag.bagDir, table.path)}" ${peerTableName(table.schema, table.table)}`,
    );
    context.log(`sqlite3 CLI: importing ${bag.tables.length} CSVs`);
    const [, seconds] = await timed(() => runTool(SQLITE3_CLI, [dbPath, '.mode csv', ...imports], context));
    const rows = csvRowCount(bag);
    checkImportedRows(dbPath, bag.tables, rows);
    context.log(`sqlite3 CLI: ${rows} rows in ${seconds.toFixed(2)} s`);
    return { dbPath, seconds, rows };
  });
}

function checkImportedRows(
  dbPath: string,
  tables: readonly { schema: string; table: string }[],
  expected: number,
): void {
  const db = new Database(dbPath, { readonly: true });
  try {
    const count = (name: string): number =>
      Number(db.prepare(`SELECT count(*) AS n FROM "${name}"`).pluck().get());
    const imported = tables.reduce((sum, table) => sum + count(peerTableName(table.schema, table.table)), 0);
    if (imported !== expected)
      throw new Error(`sqlite3 .import loaded ${imported} rows, expected ${expected}`);
  } finally {
    db.close();
  }
}

/**
 * Seconds for `md5sum` then `sha256sum` over `files` (summed), with the file list passed through
 * `xargs -0 -a <list>` so no argv limit applies.
 */
export function coreutilsHashSeconds(
  files: readonly string[],
  context: BenchContext,
): { md5: number; sha256: number } {
  const listFile = path.join(context.workDir, 'payload-files.list');
  fs.writeFileSync(listFile, files.join('\0') + '\0');
  const seconds = (tool: string): number => {
    const started = performance.now();
    runTool('xargs', ['-0', '-a', listFile, tool], context);
    return (performance.now() - started) / 1000;
  };
  return { md5: seconds('md5sum'), sha256: seconds('sha256sum') };
}

/** Runs a tool to completion (output discarded), bounded by the module timeout; throws on failure. */
function runTool(command: string, args: string[], context: BenchContext): void {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: context.scale.moduleTimeoutMs,
    maxBuffer: 16 << 20,
  });
  const stderr = result.stderr?.toString().trim() ?? '';
  if (result.error) throw new Error(`${command}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`${command} exited with ${result.status ?? result.signal}: ${stderr.slice(0, 500)}`);
  if (stderr !== '') context.log(`${command} stderr: ${stderr.slice(0, 500)}`);
}
