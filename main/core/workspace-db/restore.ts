import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SatchelError } from '../common/index.js';
import { draftCount } from './backup.js';
import { registerWorkspaceFunctions } from './checksum.js';
import { syncFile, syncFolder } from './durable.js';
import { findDamage } from './integrity.js';

const REPLACED_FOLDER = 'replaced';

export interface RestoreReport {
  restoredFrom: string;
  drafts: number;
  /** Where the database that was in place now is (with its -wal, if it had one); null when there was none. */
  replaced: string | null;
}

/**
 * Puts `source` (a backup or a recovered database) in place of `<workspace>/workspace.sqlite`. The
 * source is copied and checked in full first; the database in place is moved, never deleted, to
 * `<workspace>/replaced/`. Satchel must not be running on this workspace meanwhile.
 */
export function restoreWorkspaceDb(source: string, databaseFile: string, now = new Date()): RestoreReport {
  const workspace = path.dirname(databaseFile);
  if (!fs.existsSync(source)) throw new SatchelError('missing-file', `${source} does not exist.`, source);
  const incoming = `${databaseFile}.restoring-${process.pid}`;
  try {
    fs.copyFileSync(source, incoming);
    const drafts = checkedDraftCount(incoming, source);
    syncFile(incoming);
    let replaced: string | null = null;
    if (fs.existsSync(databaseFile)) {
      const folder = path.join(workspace, REPLACED_FOLDER);
      fs.mkdirSync(folder, { recursive: true });
      replaced = path.join(folder, `workspace-${now.toISOString().replace(/[-:.]/g, '')}.sqlite`);
      fs.renameSync(databaseFile, replaced);
      if (fs.existsSync(`${databaseFile}-wal`)) fs.renameSync(`${databaseFile}-wal`, `${replaced}-wal`);
      fs.rmSync(`${databaseFile}-shm`, { force: true });
    }
    fs.renameSync(incoming, databaseFile);
    syncFolder(workspace);
    return { restoredFrom: source, drafts, replaced };
  } finally {
    fs.rmSync(incoming, { force: true });
  }
}

/** The draft count of a database about to be restored, after a full check; refuses a damaged one. */
function checkedDraftCount(copy: string, source: string): number {
  let db: Database.Database;
  try {
    db = new Database(copy, { fileMustExist: true });
  } catch {
    throw new SatchelError('workspace-damaged', `${source} cannot be opened as a database.`, source);
  }
  try {
    registerWorkspaceFunctions(db);
    const problem = findDamage(db, 'all');
    if (problem)
      throw new SatchelError(
        'workspace-damaged',
        `${source} cannot be restored: it is damaged (${problem}); choose another backup.`,
        source,
      );
    try {
      return draftCount(db);
    } catch {
      throw new SatchelError('workspace-damaged', `${source} is not a Satchel workspace database.`, source);
    }
  } finally {
    db.close();
  }
}
