import fs from 'node:fs';
import path from 'node:path';
import { SatchelError } from './errors.js';

/**
 * Checks a path taken from inside a bag (fetch.txt, a manifest, a CSV Filename, a zip entry) and
 * returns it normalised with forward slashes. Absolute paths, drive letters, backslashes and `..`
 * segments are refused: such a path could point outside the bag.
 */
/** Already normal and safe: segments of ordinary characters, none empty, none starting with a dot. */
const PLAIN_PATH = /^[A-Za-z0-9_-][\w.-]*(?:\/[A-Za-z0-9_-][\w.-]*)*$/;

export function safeRelativePath(raw: string, origin: string): string {
  if (PLAIN_PATH.test(raw)) return raw;
  const problem = (why: string) =>
    new SatchelError('unsafe-path', `${origin} names the path "${raw}", which ${why}.`, raw);
  if (raw.length === 0) throw problem('is empty');
  if (raw.includes('\0')) throw problem('contains a NUL byte');
  if (raw.includes('\\')) throw problem('contains a backslash');
  if (raw.startsWith('/') || /^[a-zA-Z]:/.test(raw)) throw problem('is absolute');
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment === '..')) throw problem('climbs out with ".."');
  if (segments.length === 0) throw problem('is empty');
  return segments.join('/');
}

/**
 * Resolves `relative` under `root` and proves the real location (symlinks followed) is still inside
 * root. Returns null when the file does not exist; throws for anything that escapes.
 */
export function resolveInside(root: string, relative: string, origin: string): string | null {
  const safe = safeRelativePath(relative, origin);
  const realRoot = fs.realpathSync(root);
  const candidate = path.join(realRoot, ...safe.split('/'));
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      // A dangling symlink is still a symlink: refuse it rather than report it missing.
      if (isSymlink(candidate)) throw symlinkProblem(relative, origin);
      return null;
    }
    throw error;
  }
  if (real !== candidate) throw symlinkProblem(relative, origin);
  return real;
}

function symlinkProblem(relative: string, origin: string): SatchelError {
  return new SatchelError(
    'unsafe-path',
    `${origin} names "${relative}", which is a symbolic link; Satchel never follows links inside a bag.`,
    relative,
  );
}

function isSymlink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Writes a file atomically: a temporary sibling is written and fsynced, then renamed over the target. */
export function writeFileAtomic(target: string, content: string | Uint8Array): void {
  const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
  const fd = fs.openSync(temporary, 'w');
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, target);
}
