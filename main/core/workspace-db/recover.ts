import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  DRAFT_COLUMNS,
  draftChecksum,
  REGION_DRAFT_COLUMNS,
  registerWorkspaceFunctions,
} from './checksum.js';
import { findDamage } from './integrity.js';
import { migrate } from './migrate.js';
import { WORKSPACE_MIGRATIONS } from './migrations.js';
import { scanDraftRows } from './page-scan.js';

/**
 * Copies what can still be read from a damaged workspace database into a new one beside it, in
 * `<workspace>/recovered/`; the damaged file is only read (from a private copy). Rows are read
 * through SQLite from both ends of every table, so one broken page costs only the rows behind it;
 * drafts are also read straight from the file's pages, and a draft counts only when its checksum
 * matches. The new database is checked in full before it is kept.
 */

const RECOVERED_FOLDER = 'recovered';

export interface RecoveryReport {
  /** The new database. */
  file: string;
  /** Drafts recovered, and how many the damaged file says were written (null when that is unreadable). */
  drafts: { recovered: number; written: number | null };
  /** Rows copied per table. */
  rows: Record<string, number>;
  /** Tables of which nothing could be read. */
  unreadable: string[];
}

/** Tables in copy order (parents before children); the tallies are rebuilt by their triggers. */
const TABLES = [
  'recent_bags',
  'label_features',
  'label_actions',
  'label_history',
  'label_drafts',
  'region_actions',
  'region_history',
  'region_drafts',
  'commits',
  'commit_rows',
  'commit_links',
  'commit_files',
] as const;

/** The columns each checksummed draft table's checksum covers. */
const CHECKSUMMED: Record<string, readonly string[]> = {
  label_drafts: DRAFT_COLUMNS,
  region_drafts: REGION_DRAFT_COLUMNS,
};

export function recoverWorkspaceDb(damagedFile: string, workspace: string, now = new Date()): RecoveryReport {
  const folder = path.join(workspace, RECOVERED_FOLDER);
  fs.mkdirSync(folder, { recursive: true });
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  const scratch = fs.mkdtempSync(path.join(folder, `.reading-${stamp}-`));
  const partial = path.join(folder, `workspace-${stamp}.sqlite.partial-${process.pid}`);
  try {
    const source = privateCopy(damagedFile, scratch);
    const target = new Database(partial);
    let report: Omit<RecoveryReport, 'file'>;
    try {
      registerWorkspaceFunctions(target);
      target.pragma('foreign_keys = OFF');
      migrate(target, WORKSPACE_MIGRATIONS, partial);
      report = copyReadableRows(source, target);
      const problem = findDamage(target, 'all');
      if (problem) throw new Error(`the recovered database failed its own check (${problem})`);
    } finally {
      target.close();
    }
    const file = path.join(folder, `workspace-${stamp}.sqlite`);
    fs.renameSync(partial, file);
    return { file, ...report };
  } finally {
    fs.rmSync(partial, { force: true });
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The damaged file and its WAL, copied, with the WAL folded in when SQLite still can. */
function privateCopy(damagedFile: string, scratch: string): string {
  const copy = path.join(scratch, 'workspace.sqlite');
  fs.copyFileSync(damagedFile, copy);
  if (fs.existsSync(`${damagedFile}-wal`)) fs.copyFileSync(`${damagedFile}-wal`, `${copy}-wal`);
  try {
    const db = new Database(copy);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  } catch {
    // A file too damaged to checkpoint is read as it is.
  }
  return copy;
}

function copyReadableRows(sourceFile: string, target: Database.Database): Omit<RecoveryReport, 'file'> {
  const rows: Record<string, number> = {};
  const unreadable: string[] = [];
  let written: number | null = null;
  let source: Database.Database | null = null;
  try {
    source = new Database(sourceFile, { readonly: true });
    written = readWrittenDraftCount(source);
  } catch {
    source = null;
  }
  for (const table of TABLES) {
    const columns = copyableColumns(target, source, table);
    const read =
      source && columns.length > 0 ? readBothEnds(source, table, columns, keyColumns(target, table)) : null;
    if (read === null) {
      unreadable.push(table);
      rows[table] = 0;
      continue;
    }
    const checksummed = CHECKSUMMED[table];
    const accepted = checksummed ? read.filter((row) => draftIntact(checksummed, columns, row)) : read;
    rows[table] = insertRows(target, table, columns, accepted);
  }
  source?.close();
  const scanned = scanDraftRows(fs.readFileSync(sourceFile)).map((row) => row.slice(0, DRAFT_COLUMNS.length));
  const fromPages = insertRows(target, 'label_drafts', [...DRAFT_COLUMNS], newestFirst(scanned));
  rows.label_drafts = (rows.label_drafts ?? 0) + fromPages;
  removeOrphans(target, rows);
  return {
    drafts: { recovered: rows.label_drafts, written },
    rows,
    unreadable: unreadable.filter((table) => rows[table] === 0),
  };
}

function readWrittenDraftCount(source: Database.Database): number | null {
  try {
    return source.prepare('SELECT coalesce(sum(drafts), 0) FROM label_tallies').pluck().get() as number;
  } catch {
    return null;
  }
}

/** Columns of `table` the new database stores (generated ones are recomputed) that the old one has. */
function copyableColumns(
  target: Database.Database,
  source: Database.Database | null,
  table: string,
): string[] {
  const wanted = (target.pragma(`table_xinfo("${table}")`) as { name: string; hidden: number }[])
    .filter((column) => column.hidden === 0)
    .map((column) => column.name);
  if (!source) return [];
  try {
    const present = new Set(
      (source.pragma(`table_xinfo("${table}")`) as { name: string }[]).map((column) => column.name),
    );
    const extra = table in CHECKSUMMED && present.has('checksum') ? ['checksum'] : [];
    return [...wanted.filter((column) => present.has(column)), ...extra];
  } catch {
    return [];
  }
}

function keyColumns(target: Database.Database, table: string): string[] {
  return (target.pragma(`table_info("${table}")`) as { name: string; pk: number }[])
    .filter((column) => column.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((column) => column.name);
}

/**
 * Rows read in key order until SQLite meets the damage, then in reverse key order until it meets it
 * again: what lies between two broken pages is lost here, the rest is kept. Null when nothing reads.
 */
function readBothEnds(
  source: Database.Database,
  table: string,
  columns: string[],
  keys: string[],
): unknown[][] | null {
  const list = columns.map((column) => `"${column}"`).join(', ');
  const order = (direction: 'ASC' | 'DESC') => keys.map((key) => `"${key}" ${direction}`).join(', ');
  const rows = new Map<string, unknown[]>();
  let completed = false;
  for (const direction of ['ASC', 'DESC'] as const) {
    try {
      const statement = source.prepare(`SELECT ${list} FROM "${table}" ORDER BY ${order(direction)}`).raw();
      for (const row of statement.iterate() as Iterable<unknown[]>) {
        const key = JSON.stringify(keys.map((name) => row[columns.indexOf(name)]));
        if (direction === 'DESC' && rows.has(key)) break;
        rows.set(key, row);
      }
      completed = true;
    } catch {
      // Whatever stops SQLite here (usually SQLITE_CORRUPT) ends this direction, not the recovery.
    }
    if (completed && direction === 'ASC') break;
  }
  return completed || rows.size > 0 ? [...rows.values()] : null;
}

function draftIntact(covered: readonly string[], columns: string[], row: unknown[]): boolean {
  const checksum = columns.indexOf('checksum');
  if (checksum < 0) return true;
  const values = covered.map((name) => row[columns.indexOf(name)]);
  return (
    values.every((value) => typeof value === 'string' || typeof value === 'number') &&
    draftChecksum(values) === row[checksum]
  );
}

/** Rows found on pages, the newest version of a draft first (a freed page may hold an older one). */
function newestFirst(rows: unknown[][]): unknown[][] {
  const updatedAt = DRAFT_COLUMNS.indexOf('updated_at');
  return [...rows].sort((a, b) => String(b[updatedAt]).localeCompare(String(a[updatedAt])));
}

/** Inserts the rows that are new by key; returns how many were. */
function insertRows(target: Database.Database, table: string, columns: string[], rows: unknown[][]): number {
  const stored = columns.filter((column) => !(table in CHECKSUMMED && column === 'checksum'));
  const insert = target.prepare(
    `INSERT OR IGNORE INTO "${table}" (${stored.map((column) => `"${column}"`).join(', ')}) VALUES (${stored.map(() => '?').join(', ')})`,
  );
  const positions = stored.map((column) => columns.indexOf(column));
  return target.transaction(() => {
    let inserted = 0;
    for (const row of rows) {
      try {
        inserted += insert.run(...positions.map((position) => row[position])).changes;
      } catch {
        // A row that breaks a constraint (a damaged value) is left out.
      }
    }
    return inserted;
  })();
}

/** History without its action and commit rows without their commit are of no use on their own. */
function removeOrphans(target: Database.Database, rows: Record<string, number>): void {
  const orphans: [string, string][] = [
    ['label_history', 'action_id NOT IN (SELECT id FROM label_actions)'],
    ['region_history', 'action_id NOT IN (SELECT id FROM region_actions)'],
    ['commit_rows', 'commit_id NOT IN (SELECT id FROM commits)'],
    ['commit_links', 'commit_id NOT IN (SELECT id FROM commits)'],
    ['commit_files', 'commit_id NOT IN (SELECT id FROM commits)'],
  ];
  for (const [table, condition] of orphans) {
    const removed = target.prepare(`DELETE FROM "${table}" WHERE ${condition}`).run().changes;
    rows[table] = (rows[table] ?? 0) - removed;
  }
}
