import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeIoError, writeFileAtomic } from '../common/index.js';

/**
 * Region files until they are committed, content-addressed like the thumbnails:
 * `<workspace>/regions/<ab>/<sha256>.json`. A file is written whole (temporary sibling, fsync, rename)
 * before any draft names it, so a crash leaves at worst an unreferenced file, never a half-written one.
 */
export class RegionContentStore {
  readonly directory: string;

  constructor(workspace: string) {
    this.directory = path.join(workspace, 'regions');
  }

  static hashOf(bytes: string | Uint8Array): string {
    return crypto.createHash('sha256').update(bytes).digest('hex');
  }

  pathOf(sha256: string): string {
    return path.join(this.directory, sha256.slice(0, 2), `${sha256}.json`);
  }

  /** Stores `text` (once: the same bytes are already there under the same name) and returns its sha256. */
  put(text: string): string {
    const sha256 = RegionContentStore.hashOf(text);
    const file = this.pathOf(sha256);
    if (fs.existsSync(file)) return sha256;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomic(file, text);
      syncDirectory(path.dirname(file));
    } catch (error) {
      throw describeIoError(error, file);
    }
    return sha256;
  }

  read(sha256: string): Buffer {
    const file = this.pathOf(sha256);
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw describeIoError(error, file);
    }
  }
}

/** Makes the rename that put a file in place durable too (POSIX; Windows cannot open a folder). */
function syncDirectory(directory: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(directory, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Where folders cannot be synced, the file's own fsync is all there is.
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
