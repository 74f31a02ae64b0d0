import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { registerWorkspaceFunctions } from './checksum.js';
import { syncFile, syncFolder } from './durable.js';
import { findDamage, type OfferedBackup } from './integrity.js';

/**
 * Rolling backups of workspace.sqlite in `<workspace>/backups/`, made with SQLite's online backup
 * API from a connection of their own (labeling goes on meanwhile), checked in full (quick_check and
 * every draft checksum) before they count, written under a temporary name, synced and renamed, so a
 * backup file is always whole. The newest `keep` are kept.
 */

export interface BackupPolicy {
  /** At most one automatic backup per interval, and only when drafts or commits changed. */
  intervalMs: number;
  /** How many backups are kept; older ones are deleted once a new one is complete. */
  keep: number;
}

export const DEFAULT_BACKUP_POLICY: BackupPolicy = { intervalMs: 10 * 60_000, keep: 10 };
const BACKUP_FOLDER = 'backups';

export interface BackupInfo {
  file: string;
  takenAt: Date;
  /** What the workspace's drafts and commits looked like (see changeMark). */
  mark: string;
}

export type BackupOutcome =
  | { ok: true; backup: BackupInfo; drafts: number }
  /** The copy failed its check: the workspace itself is damaged (`problem` says how). */
  | { ok: false; problem: string };

/** `workspace-20261207T101500123Z-1a2b3c4d.sqlite`: the time it was taken and the change mark. */
const BACKUP_NAME = /^workspace-(\d{8}T\d{9}Z)-([0-9a-f]{8})\.sqlite$/;
const PARTIAL = /\.partial-(\d+)$/;
/** The mark of a workspace without a single draft action or commit: nothing worth a backup. */
const NOTHING_YET = changeMarkOf('0', '');

function backupFolder(workspace: string): string {
  return path.join(workspace, BACKUP_FOLDER);
}

/** The backups of a workspace, newest first. */
export function listBackups(workspace: string): BackupInfo[] {
  const folder = backupFolder(workspace);
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  return names
    .flatMap((name) => {
      const match = BACKUP_NAME.exec(name);
      return match
        ? [{ file: path.join(folder, name), takenAt: parseStamp(match[1]!), mark: match[2]! }]
        : [];
    })
    .sort((a, b) => b.takenAt.getTime() - a.takenAt.getTime() || b.file.localeCompare(a.file));
}

/** The newest backup with its draft count, as a damage report offers it; null when there is none. */
export function latestBackup(workspace: string): OfferedBackup | null {
  for (const backup of listBackups(workspace)) {
    try {
      const db = new Database(backup.file, { readonly: true, fileMustExist: true });
      try {
        return { file: backup.file, takenAt: backup.takenAt, drafts: draftCount(db) };
      } finally {
        db.close();
      }
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * A short fingerprint of what a backup protects: the newest label action (every draft change, undo
 * and redo makes one) and the newest commit journal change.
 */
export function changeMark(db: Database.Database): string {
  const tables = new Set(
    db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[],
  );
  const action = tables.has('label_actions')
    ? (db.prepare('SELECT coalesce(max(id), 0) FROM label_actions').pluck().get() as number)
    : 0;
  const commit = tables.has('commits')
    ? (db.prepare("SELECT coalesce(max(updated_at), '') FROM commits").pluck().get() as string)
    : '';
  return changeMarkOf(String(action), commit);
}

function changeMarkOf(action: string, commit: string): string {
  return crypto.createHash('sha256').update(`${action}\u0000${commit}`).digest('hex').slice(0, 8);
}

export function draftCount(db: Database.Database): number {
  return db.prepare('SELECT count(*) FROM label_drafts').pluck().get() as number;
}

/** An automatic backup is due when there is something to protect that the newest backup lacks, at most once per interval. */
export function backupDue(workspace: string, mark: string, policy: BackupPolicy, now = new Date()): boolean {
  if (mark === NOTHING_YET) return false;
  const newest = listBackups(workspace)[0];
  if (!newest) return true;
  return newest.mark !== mark && now.getTime() - newest.takenAt.getTime() >= policy.intervalMs;
}

/** Backs up `<workspace>/workspace.sqlite` now, checks the copy, and keeps the newest `policy.keep`. */
export async function backupWorkspace(
  workspace: string,
  databaseFile: string,
  policy: BackupPolicy = DEFAULT_BACKUP_POLICY,
  now = new Date(),
): Promise<BackupOutcome> {
  const folder = backupFolder(workspace);
  fs.mkdirSync(folder, { recursive: true });
  removeAbandonedPartials(folder);
  const partial = path.join(folder, `workspace-${stampOf(now)}.sqlite.partial-${process.pid}`);
  try {
    const source = new Database(databaseFile, { readonly: true, fileMustExist: true });
    try {
      await source.backup(partial);
    } finally {
      source.close();
    }
    const copy = new Database(partial);
    let mark: string;
    let drafts: number;
    try {
      // A standalone file: no -wal beside it, so it can be opened read-only, copied or mailed.
      copy.pragma('journal_mode = DELETE');
      registerWorkspaceFunctions(copy);
      const problem = findDamage(copy, 'all');
      if (problem) return { ok: false, problem };
      mark = changeMark(copy);
      drafts = draftCount(copy);
    } finally {
      copy.close();
    }
    const file = path.join(folder, `workspace-${stampOf(now)}-${mark}.sqlite`);
    syncFile(partial);
    fs.renameSync(partial, file);
    syncFolder(folder);
    for (const old of listBackups(workspace).slice(policy.keep)) fs.rmSync(old.file, { force: true });
    return { ok: true, backup: { file, takenAt: now, mark }, drafts };
  } finally {
    fs.rmSync(partial, { force: true });
  }
}

/** Partial files of backups whose process is gone (killed mid-backup). */
function removeAbandonedPartials(folder: string): void {
  for (const name of fs.readdirSync(folder)) {
    const pid = PARTIAL.exec(name)?.[1];
    if (pid && !processAlive(Number(pid))) fs.rmSync(path.join(folder, name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function stampOf(time: Date): string {
  return time.toISOString().replace(/[-:.]/g, '');
}

function parseStamp(stamp: string): Date {
  const [, y, mo, d, h, mi, s, ms] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(stamp)!;
  return new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
}
