import fs from 'node:fs';
import path from 'node:path';

/** Every user-facing failure has a kind (stable, for tests and the UI) and one readable sentence. */
export type ProblemKind =
  | 'not-a-bag'
  | 'missing-bagit'
  | 'bad-bagit'
  | 'bad-bag-info'
  | 'missing-schema'
  | 'bad-schema'
  | 'csv-header'
  | 'csv-syntax'
  | 'bad-encoding'
  | 'bad-value'
  | 'duplicate-rid'
  | 'checksum-mismatch'
  | 'missing-file'
  | 'unexpected-file'
  | 'oxum-mismatch'
  | 'bad-manifest'
  | 'bad-fetch'
  | 'unsafe-path'
  | 'zip-bomb'
  | 'bad-zip'
  | 'empty-bag'
  | 'unknown-table'
  | 'unknown-column'
  | 'unknown-dataset'
  | 'unknown-feature'
  | 'bad-argument'
  | 'io-error'
  | 'schema-drift'
  | 'nothing-to-commit'
  | 'commit-running'
  | 'workspace-damaged';

export class SatchelError extends Error {
  constructor(
    readonly kind: ProblemKind,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'SatchelError';
  }
}

export function isSatchelError(error: unknown): error is SatchelError {
  return error instanceof SatchelError;
}

/**
 * Turns a Node fs error or a SQLite error into a sentence naming the file; anything else passes
 * through unchanged.
 */
export function describeIoError(error: unknown, file: string): SatchelError | unknown {
  if (error instanceof SatchelError) return error;
  const code = errorCode(error);
  if (code?.startsWith('SQLITE_')) return describeDatabaseError(error, file);
  switch (code) {
    case 'ENOENT':
      return new SatchelError('missing-file', `${file} does not exist.`, file);
    case 'EACCES':
    case 'EPERM':
      return new SatchelError('io-error', `${file} cannot be read: permission denied.`, file);
    case 'EISDIR':
      return new SatchelError('io-error', `${file} is a directory, not a file.`, file);
    case 'ENOSPC':
      return noSpace(file);
    case 'EROFS':
      return new SatchelError('io-error', `${file} cannot be written: ${READ_ONLY}.`, file);
    default:
      return error;
  }
}

/**
 * For a failure to create or write `file` (in the workspace): asks the file system why it cannot be
 * written, since a recursive mkdir on a read-only disk reports a missing folder.
 */
export function describeWriteError(error: unknown, file: string): SatchelError | unknown {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const reason = whyNotWritable(file);
    if (reason !== null) return new SatchelError('io-error', `${file} cannot be written: ${reason}.`, file);
  }
  return describeIoError(error, file);
}

/** Runs `work`, which creates or writes things in `folder`, naming the folder if that fails. */
export function namingWriteFailures<T>(folder: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw describeWriteError(error, folder);
  }
}

/**
 * True when SQLite says the file itself is damaged: broken pages (SQLITE_CORRUPT*), no database header
 * (SQLITE_NOTADB), or a header whose schema format no SQLite writes ("unsupported file format").
 */
export function isDatabaseDamage(error: unknown): boolean {
  const code = errorCode(error);
  if (code === undefined) return false;
  return (
    code === 'SQLITE_NOTADB' ||
    code.startsWith('SQLITE_CORRUPT') ||
    (code === 'SQLITE_ERROR' && /^unsupported file format/.test((error as Error).message))
  );
}

/**
 * Turns an error SQLite raised about the database `file` into a sentence; anything else passes
 * through unchanged. A `rebuildable` database (an imported bag) says how to get it back.
 */
export function describeDatabaseError(
  error: unknown,
  file: string,
  options: { rebuildable?: boolean } = {},
): SatchelError | unknown {
  const code = errorCode(error);
  if (!code?.startsWith('SQLITE_')) return error;
  const message = (error as Error).message;
  const damaged = (what: string) =>
    new SatchelError(
      'io-error',
      `${file} is damaged${what}${options.rebuildable ? '; Satchel imports the bag again once it is deleted' : ''}.`,
      file,
    );
  if (code === 'SQLITE_FULL') return noSpace(file);
  if (code.startsWith('SQLITE_IOERR')) {
    if (availableBytes(file) < ALMOST_FULL_BYTES) return noSpace(file);
    return new SatchelError(
      'io-error',
      `${file} could not be read or written: the disk reported an input/output error.`,
      file,
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) {
    if (isDirectory(file))
      return new SatchelError('io-error', `${file} cannot be opened: it is a folder.`, file);
    const reason = whyNotWritable(file);
    const problem = reason === null ? `cannot be opened (${message})` : `cannot be written: ${reason}`;
    return new SatchelError('io-error', `${file} ${problem}.`, file);
  }
  if (code === 'SQLITE_NOTADB') return damaged(': it is not a SQLite database');
  if (isDatabaseDamage(error)) return damaged(` (${message})`);
  return error;
}

const READ_ONLY = 'the file system holding it is read-only';
/** SQLite reports a full disk as an I/O error when it cannot grow its shared-memory file. */
const ALMOST_FULL_BYTES = 1024 * 1024;

function noSpace(file: string): SatchelError {
  return new SatchelError('io-error', `No space left on the disk while writing ${file}.`, file);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The nearest folder of `target` (or itself) that exists. */
function nearestExisting(target: string): string {
  let current = target;
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

function whyNotWritable(target: string): string | null {
  try {
    fs.accessSync(nearestExisting(target), fs.constants.W_OK);
    return null;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EROFS') return READ_ONLY;
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
    return null;
  }
}

function availableBytes(target: string): number {
  try {
    const stats = fs.statfsSync(nearestExisting(target));
    return stats.bavail * stats.bsize;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

function isDirectory(target: string): boolean {
  try {
    return fs.statSync(target).isDirectory();
  } catch {
    return false;
  }
}
