import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { partialName } from '../common/index.js';

/** Identifies one version of a zip file: the same path rewritten later gets a new key. */
export function extractionKey(realZipPath: string): string {
  const stats = fs.statSync(realZipPath);
  return crypto
    .createHash('sha256')
    .update(`${realZipPath}\0${stats.size}\0${stats.mtimeMs}`)
    .digest('hex')
    .slice(0, 24);
}

/**
 * A key folder only ever appears by renaming a finished extraction into place, so its single
 * subfolder is a complete bag. Anything else there was tampered with and is thrown away.
 */
export function findCompletedBag(keyDir: string): string | null {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(keyDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const [only] = entries;
  if (entries.length === 1 && only?.isDirectory()) return path.join(keyDir, only.name);
  fs.rmSync(keyDir, { recursive: true, force: true });
  return null;
}

export function createPartialDir(extractedRoot: string, key: string): string {
  const partial = path.join(extractedRoot, partialName(key));
  fs.mkdirSync(partial);
  return partial;
}

/**
 * Renames the finished partial folder into place and returns the bag folder. When another
 * extraction of the same zip won the race, its result is used and this copy is dropped.
 */
export function publishExtraction(partial: string, keyDir: string, topFolder: string): string {
  try {
    fs.renameSync(partial, keyDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    fs.rmSync(partial, { recursive: true, force: true });
    const winner = findCompletedBag(keyDir);
    if (winner === null) throw error;
    return winner;
  }
  return path.join(keyDir, topFolder);
}
