import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describeIoError } from '../common/index.js';
import { migrate } from './migrate.js';
import { WORKSPACE_MIGRATIONS, type Migration } from './migrations.js';

export { WORKSPACE_MIGRATIONS, type Migration } from './migrations.js';
export { migrate } from './migrate.js';

export type WorkspaceDb = Database.Database;

export const WORKSPACE_DB_FILE = 'workspace.sqlite';

export function workspaceDbPath(workspace: string): string {
  return path.join(workspace, WORKSPACE_DB_FILE);
}

/**
 * Opens (creating if needed) the workspace database `<workspace>/workspace.sqlite`: the precious
 * one, so WAL with synchronous=FULL, foreign keys on, and migrated to the latest version.
 * `migrations` exists for tests; the app always uses WORKSPACE_MIGRATIONS.
 */
export function openWorkspaceDb(
  workspace: string,
  migrations: readonly Migration[] = WORKSPACE_MIGRATIONS,
): WorkspaceDb {
  const file = workspaceDbPath(workspace);
  let db: WorkspaceDb;
  try {
    fs.mkdirSync(workspace, { recursive: true });
    db = new Database(file);
  } catch (error) {
    throw describeIoError(error, file);
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations, file);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
