import Database from 'better-sqlite3';
import type { Bag } from '../core/bag/index.js';
import {
  describeDatabaseError,
  describeIoError,
  describeWriteError,
  isDatabaseDamage,
} from '../core/common/index.js';
import { openWorkspaceDb, workspaceDbPath, type WorkspaceDb } from '../core/workspace-db/index.js';
import { resolveWorkspace } from '../core/workspace/index.js';

/**
 * The databases a command has opened, so that a SQLite failure surfacing later (a full disk, a
 * damaged page) can be told by its file: the bag's imported copy, read-only and rebuilt on demand,
 * and the workspace database, which holds the drafts.
 */
interface OpenedDatabase {
  file: string;
  rebuildable: boolean;
}

const opened: OpenedDatabase[] = [];

/** The workspace folder (created if needed), or one sentence saying why it cannot be. */
export function workspaceFrom(option: string | undefined): string {
  try {
    return resolveWorkspace(option);
  } catch (error) {
    const folder = (error as NodeJS.ErrnoException).path ?? option ?? 'The workspace folder';
    throw describeWriteError(error, folder);
  }
}

export function openWorkspaceDatabase(workspace: string): WorkspaceDb {
  const file = workspaceDbPath(workspace);
  try {
    const db = openWorkspaceDb(workspace);
    opened.push({ file, rebuildable: false });
    return db;
  } catch (error) {
    throw describeIoError(error, file);
  }
}

export function noteBagDatabase(bag: Bag): void {
  opened.push({ file: bag.identity.databasePath, rebuildable: true });
}

/** A SQLite error that escaped a command, as a sentence naming the database it concerns. */
export function nameDatabaseFailure(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  const culprit = suspect(isDatabaseDamage(error));
  return culprit ? describeDatabaseError(error, culprit.file, { rebuildable: culprit.rebuildable }) : error;
}

function suspect(damage: boolean): OpenedDatabase | undefined {
  if (opened.length <= 1) return opened[0];
  // Only the workspace database is written once a command runs; damage is found by looking.
  if (!damage) return opened.find((database) => !database.rebuildable);
  return opened.find((database) => !passesQuickCheck(database.file));
}

function passesQuickCheck(file: string): boolean {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return db.pragma('quick_check(1)', { simple: true }) === 'ok';
    } finally {
      db.close();
    }
  } catch {
    return false;
  }
}
