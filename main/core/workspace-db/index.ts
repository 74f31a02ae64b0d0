import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describeIoError } from '../common/index.js';
import {
  backupDue,
  backupWorkspace,
  changeMark,
  DEFAULT_BACKUP_POLICY,
  draftCount,
  latestBackup,
  listBackups,
  type BackupInfo,
  type BackupPolicy,
} from './backup.js';
import { registerWorkspaceFunctions } from './checksum.js';
import { findDamage, workspaceDamaged, type CheckScope } from './integrity.js';
import { migrate } from './migrate.js';
import { WORKSPACE_MIGRATIONS, type Migration } from './migrations.js';

export { WORKSPACE_MIGRATIONS, type Migration } from './migrations.js';
export { migrate } from './migrate.js';
export { findDamage, formatTime, workspaceDamaged, type CheckScope } from './integrity.js';
export {
  backupDue,
  backupWorkspace,
  changeMark,
  latestBackup,
  listBackups,
  DEFAULT_BACKUP_POLICY,
  type BackupInfo,
  type BackupOutcome,
  type BackupPolicy,
} from './backup.js';

export { recoverWorkspaceDb, type RecoveryReport } from './recover.js';
export { restoreWorkspaceDb, type RestoreReport } from './restore.js';

export type WorkspaceDb = Database.Database;

export const WORKSPACE_DB_FILE = 'workspace.sqlite';

export function workspaceDbPath(workspace: string): string {
  return path.join(workspace, WORKSPACE_DB_FILE);
}

export interface OpenWorkspaceOptions {
  /** For tests; the app always uses WORKSPACE_MIGRATIONS. */
  migrations?: readonly Migration[];
  /** What is checked before the database is used (see CheckScope); 'all' unless the caller checks the rest later. */
  check?: CheckScope;
  /**
   * 'on-open': a backup in the background of this process when one is due (the command line);
   * 'none': the caller schedules backups itself (the app does, in its maintenance worker).
   */
  backups?: 'on-open' | 'none';
  backupPolicy?: BackupPolicy;
}

/**
 * Opens (creating if needed) the workspace database `<workspace>/workspace.sqlite`: the precious
 * one. It is checked before anything is written to it (a damaged file is refused with one sentence
 * and left exactly as it is), then set to WAL with synchronous=FULL and foreign keys on, and
 * migrated to the latest version.
 */
export function openWorkspaceDb(
  workspace: string,
  migrationsOrOptions: readonly Migration[] | OpenWorkspaceOptions = {},
): WorkspaceDb {
  const options: OpenWorkspaceOptions = Array.isArray(migrationsOrOptions)
    ? { migrations: migrationsOrOptions as readonly Migration[] }
    : (migrationsOrOptions as OpenWorkspaceOptions);
  const migrations = options.migrations ?? WORKSPACE_MIGRATIONS;
  const file = workspaceDbPath(workspace);
  if (fs.existsSync(file)) {
    const problem = checkReadOnly(file, options.check ?? 'all');
    if (problem) throw workspaceDamaged(file, problem, latestBackup(workspace));
  }
  let db: WorkspaceDb;
  try {
    fs.mkdirSync(workspace, { recursive: true });
    db = new Database(file);
  } catch (error) {
    throw describeIoError(error, file);
  }
  try {
    registerWorkspaceFunctions(db);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations, file);
  } catch (error) {
    db.close();
    throw error;
  }
  if (options.backups !== 'none') backUpIfDue(workspace, db, options.backupPolicy ?? DEFAULT_BACKUP_POLICY);
  return db;
}

/**
 * The damage of an existing workspace database, seen through a read-only connection: one that can
 * neither write nor checkpoint, so a damaged file stays exactly as it is.
 */
function checkReadOnly(file: string, scope: CheckScope): string | null {
  let db: WorkspaceDb;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw describeIoError(error, file);
  }
  try {
    registerWorkspaceFunctions(db);
    return findDamage(db, scope);
  } finally {
    db.close();
  }
}

export interface WorkspaceHealth {
  file: string;
  /** Null when the database is intact (or does not exist yet). */
  problem: string | null;
  /** Drafts in the database, when it is intact. */
  drafts: number | null;
  backups: BackupInfo[];
}

/** A full check of a workspace's database (quick_check of every page, every draft checksum); only reads. */
export function checkWorkspaceDb(workspace: string): WorkspaceHealth {
  const file = workspaceDbPath(workspace);
  const backups = listBackups(workspace);
  if (!fs.existsSync(file)) return { file, problem: null, drafts: 0, backups };
  const problem = checkReadOnly(file, 'all');
  if (problem) return { file, problem, drafts: null, backups };
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return { file, problem, drafts: draftCount(db), backups };
  } finally {
    db.close();
  }
}

/** Starts a backup in the background when one is due; the process waits for it before it exits. */
function backUpIfDue(workspace: string, db: WorkspaceDb, policy: BackupPolicy): void {
  if (!backupDue(workspace, changeMark(db), policy)) return;
  backupWorkspace(workspace, workspaceDbPath(workspace), policy).then(
    (outcome) => {
      if (!outcome.ok)
        process.stderr.write(
          `satchel: the backup of ${workspaceDbPath(workspace)} found it damaged (${outcome.problem}); run "satchel workspace check".\n`,
        );
    },
    (error: unknown) => {
      // A workspace removed meanwhile (a test's temporary folder) needs no backup.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || !fs.existsSync(workspace)) return;
      process.stderr.write(
        `satchel: could not back up ${workspaceDbPath(workspace)}: ${(error as Error).message}\n`,
      );
    },
  );
}
