import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describeIoError, SatchelError, writeFileAtomic } from '../common/index.js';
import type { WorkspaceDb } from '../workspace-db/index.js';
import type { CommitScope } from './journal.js';

export interface CommitLock {
  release(): void;
}

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/** Scopes locked by in-memory workspaces (tests), which have no folder for a lock file. */
const lockedInMemory = new Set<string>();

/**
 * One commit at a time per bag and catalog. The lock is an exclusive SQLite lock on a small file in
 * the workspace's `locks` folder, held for the whole commit: the operating system drops it when the
 * holder dies, so a killed commit never blocks the next one. A second commit, in this process or
 * another, is refused at once with the holder's process named.
 */
export function acquireCommitLock(db: WorkspaceDb, scope: CommitScope): CommitLock {
  const key = crypto
    .createHash('sha256')
    .update(JSON.stringify([scope.catalog, scope.bagRid, scope.snaptime]))
    .digest('hex')
    .slice(0, 24);
  if (db.memory) {
    if (lockedInMemory.has(key))
      throw commitRunning(scope, { pid: process.pid, host: os.hostname(), since: '' });
    lockedInMemory.add(key);
    return { release: () => void lockedInMemory.delete(key) };
  }
  const folder = path.join(path.dirname(db.name), 'locks');
  const file = path.join(folder, `commit-${key}.lock`);
  let lock: Database.Database;
  try {
    fs.mkdirSync(folder, { recursive: true });
    lock = new Database(file, { timeout: 0 });
  } catch (error) {
    throw describeIoError(error, file);
  }
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw commitRunning(scope, holderOf(file));
    throw describeIoError(error, file);
  }
  const holder: Holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() };
  writeFileAtomic(`${file}.holder`, `${JSON.stringify(holder)}\n`);
  return {
    release() {
      try {
        lock.exec('ROLLBACK');
      } finally {
        lock.close();
      }
    },
  };
}

function holderOf(file: string): Holder | null {
  try {
    const holder = JSON.parse(fs.readFileSync(`${file}.holder`, 'utf8')) as Partial<Holder>;
    return typeof holder.pid === 'number'
      ? { pid: holder.pid, host: String(holder.host ?? ''), since: String(holder.since ?? '') }
      : null;
  } catch {
    return null;
  }
}

function commitRunning(scope: CommitScope, holder: Holder | null): SatchelError {
  const who = holder
    ? `process ${holder.pid}${holder.host && holder.host !== os.hostname() ? ` on ${holder.host}` : ''}${holder.since ? `, since ${holder.since}` : ''}`
    : 'a process that left no name';
  return new SatchelError(
    'commit-running',
    `Another commit of bag ${scope.bagRid} to ${scope.catalog} is running (${who}); nothing was sent. Wait for it to finish, then commit again.`,
  );
}
