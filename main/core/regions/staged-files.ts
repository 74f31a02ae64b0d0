import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CellValue } from '../../../shared/bag.js';
import {
  describeIoError,
  describeWriteError,
  formatBytes,
  formatCount,
  SatchelError,
} from '../common/index.js';
import { RegionContentStore, syncDirectory } from './content-store.js';

/**
 * Files waiting in the workspace to become assets of a commit: region drawings (`regions/`, written by
 * the region store) and files attached to an asset column with `satchel label --file` (`files/`), both
 * content-addressed by sha256. A draft names such a file in its asset column with a reference,
 * `satchel:<store>/<sha256>/<file name>`, where deriva-ml's FeatureRecord holds a local path; the commit
 * uploads it and puts the new asset's RID in its place. A RID never contains `:` or `/`, so a reference
 * is never mistaken for one.
 */

export type StagedStore = 'regions' | 'files';

export interface StagedFile {
  store: StagedStore;
  sha256: string;
  /** The asset's Filename, and the end of its Hatrac name. */
  filename: string;
}

/**
 * The largest file `satchel label --file` attaches: an annotation file (a mask, a drawing, a report)
 * is far smaller, and the workspace keeps a copy until it is committed. Larger files (a model, a
 * whole-slide image) belong in deriva-ml's own upload.
 */
export const MAX_ATTACHED_FILE_BYTES = 1024 ** 3;

const REFERENCE = /^satchel:(regions|files)\/([0-9a-f]{64})\/([^/]+)$/;

export function stagedFileReference(file: StagedFile): string {
  return `satchel:${file.store}/${file.sha256}/${file.filename}`;
}

/** The staged file a draft's asset column names, or null when it holds anything else (such as a RID). */
export function parseStagedFileReference(value: CellValue | undefined): StagedFile | null {
  if (typeof value !== 'string') return null;
  const match = REFERENCE.exec(value);
  return match ? { store: match[1] as StagedStore, sha256: match[2]!, filename: match[3]! } : null;
}

export class StagedFiles {
  readonly regions: RegionContentStore;
  readonly filesDirectory: string;

  constructor(workspace: string) {
    this.regions = new RegionContentStore(workspace);
    this.filesDirectory = path.join(workspace, 'files');
  }

  pathOf(file: StagedFile): string {
    return file.store === 'regions'
      ? this.regions.pathOf(file.sha256)
      : path.join(this.filesDirectory, file.sha256.slice(0, 2), file.sha256);
  }

  /**
   * Copies a file into the store (once: the same bytes are kept under one name) after checking that
   * it is a readable file of at most MAX_ATTACHED_FILE_BYTES; a file that is not is one sentence
   * naming it. The copy is written whole (temporary sibling, fsync, rename) before any draft names it.
   */
  attach(source: string): StagedFile {
    const fd = openAttachment(source);
    const temporary = path.join(this.filesDirectory, `.attaching-${process.pid}-${crypto.randomUUID()}`);
    let sha256: string;
    try {
      try {
        fs.mkdirSync(this.filesDirectory, { recursive: true });
      } catch (error) {
        throw describeWriteError(error, this.filesDirectory);
      }
      sha256 = copyHashing(fd, source, temporary);
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw error;
    } finally {
      fs.closeSync(fd);
    }
    const file: StagedFile = { store: 'files', sha256, filename: path.basename(source) };
    const target = this.pathOf(file);
    try {
      if (fs.existsSync(target)) fs.rmSync(temporary);
      else {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.renameSync(temporary, target);
        syncDirectory(path.dirname(target));
      }
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      throw describeWriteError(error, target);
    }
    return file;
  }
}

/** Opens a file to attach, or says in one sentence why it cannot be attached. */
function openAttachment(source: string): number {
  const refuse = (problem: string, kind: 'bad-argument' | 'missing-file' = 'bad-argument') =>
    new SatchelError(kind, `${source} cannot be attached: ${problem}.`, source);
  const unusable = (error: unknown) => {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return refuse('it does not exist', 'missing-file');
    if (code === 'EACCES' || code === 'EPERM') return refuse('it cannot be read (permission denied)');
    return describeIoError(error, source);
  };
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch (error) {
    throw unusable(error);
  }
  if (stat.isDirectory()) throw refuse('it is a folder, not a file');
  if (!stat.isFile()) throw refuse('it is not a regular file');
  if (stat.size > MAX_ATTACHED_FILE_BYTES)
    throw refuse(
      `it has ${formatCount(stat.size)} bytes, more than the ${formatBytes(MAX_ATTACHED_FILE_BYTES)} Satchel attaches`,
    );
  try {
    return fs.openSync(source, 'r');
  } catch (error) {
    throw unusable(error);
  }
}

/** Copies the open file into `target` (fsynced), returning the sha256 of what was copied. */
function copyHashing(fd: number, source: string, target: string): string {
  const hash = crypto.createHash('sha256');
  const out = fs.openSync(target, 'w');
  const buffer = Buffer.alloc(1024 * 1024);
  let copied = 0;
  try {
    for (;;) {
      let read: number;
      try {
        read = fs.readSync(fd, buffer, 0, buffer.length, null);
      } catch (error) {
        throw describeIoError(error, source);
      }
      if (read === 0) break;
      copied += read;
      if (copied > MAX_ATTACHED_FILE_BYTES)
        throw new SatchelError(
          'bad-argument',
          `${source} cannot be attached: it grew past the ${formatBytes(MAX_ATTACHED_FILE_BYTES)} Satchel attaches while it was copied.`,
          source,
        );
      hash.update(buffer.subarray(0, read));
      fs.writeSync(out, buffer, 0, read);
    }
    fs.fsyncSync(out);
  } finally {
    fs.closeSync(out);
  }
  return hash.digest('hex');
}
