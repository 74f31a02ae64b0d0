import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { readFetchFile, type FetchEntry } from '../bag/fetch.js';
import { SatchelError } from '../common/index.js';
import { CatalogError, type CatalogClient } from '../catalog/index.js';

export interface MaterializeProgress {
  doneFiles: number;
  totalFiles: number;
  doneBytes: number;
  totalBytes: number;
}

export interface MaterializeOptions {
  /** Files fetched at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: MaterializeProgress) => void;
}

export interface MaterializeResult {
  files: number;
  bytes: number;
  downloaded: number;
  /** Files already present with the right checksum. */
  skipped: number;
}

/**
 * Fetches every fetch.txt entry of a bag into place, `concurrency` at a time. Each file goes to
 * `<file>.part` (continued with a Range request after an interruption) and is renamed only once its
 * MD5 matches manifest-md5.txt; files already present with the right MD5 are kept. Cancelling leaves
 * the finished files and the partial `.part` files, so running again resumes.
 */
export async function materializeBag(
  client: CatalogClient,
  bagDir: string,
  options: MaterializeOptions = {},
): Promise<MaterializeResult> {
  const entries = readFetchFile(bagDir);
  const expected = readMd5Manifest(bagDir);
  const progress: MaterializeProgress = {
    doneFiles: 0,
    totalFiles: entries.length,
    doneBytes: 0,
    totalBytes: entries.reduce((sum, entry) => sum + (entry.length ?? 0), 0),
  };
  const report = () =>
    options.onProgress?.({ ...progress, doneBytes: Math.min(progress.doneBytes, progress.totalBytes) });
  report();
  const result: MaterializeResult = {
    files: entries.length,
    bytes: progress.totalBytes,
    downloaded: 0,
    skipped: 0,
  };
  const stop = new AbortController();
  const onCancel = () => stop.abort();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  let failure: unknown = null;
  const queue = [...entries];
  const worker = async () => {
    while (!stop.signal.aborted) {
      const entry = queue.shift();
      if (!entry) return;
      try {
        const fetched = await materializeOne(
          client,
          bagDir,
          entry,
          expected.get(entry.path) ?? null,
          stop.signal,
          (bytes) => {
            progress.doneBytes += bytes;
            report();
          },
        );
        if (fetched) result.downloaded += 1;
        else result.skipped += 1;
        progress.doneFiles += 1;
        report();
      } catch (error) {
        if (!stop.signal.aborted) {
          failure = error;
          stop.abort();
        }
      }
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, entries.length || 1)) }, worker),
    );
  } finally {
    options.signal?.removeEventListener('abort', onCancel);
  }
  if (failure) throw failure;
  if (options.signal?.aborted) {
    throw new CatalogError(
      'cancelled',
      `Fetching the files of ${path.basename(bagDir)} was cancelled after ${progress.doneFiles} of ${progress.totalFiles}; run the download again to resume.`,
    );
  }
  return result;
}

/** Brings one file into place; returns false when it was already there with the right checksum. */
async function materializeOne(
  client: CatalogClient,
  bagDir: string,
  entry: FetchEntry,
  md5: string | null,
  signal: AbortSignal,
  onBytes: (bytes: number) => void,
): Promise<boolean> {
  const target = path.join(bagDir, ...entry.path.split('/'));
  if (await alreadyPresent(target, entry, md5)) {
    onBytes(entry.length ?? 0);
    return false;
  }
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const part = `${target}.part`;
  onBytes(await sizeOf(part));
  const got = await client.hatrac.downloadToPart(entry.url, part, { signal, onBytes });
  const mismatch =
    md5 !== null && got.md5Hex !== md5
      ? `has MD5 ${got.md5Hex}, but manifest-md5.txt says ${md5}`
      : entry.length !== null && got.bytes !== entry.length
        ? `has ${got.bytes} bytes, but fetch.txt says ${entry.length}`
        : null;
  if (mismatch) {
    await fsp.rm(part, { force: true });
    throw new SatchelError(
      'checksum-mismatch',
      `${entry.path} as downloaded from ${entry.url} ${mismatch}.`,
      entry.path,
    );
  }
  await fsp.rename(part, target);
  return true;
}

async function alreadyPresent(target: string, entry: FetchEntry, md5: string | null): Promise<boolean> {
  let size: number;
  try {
    size = (await fsp.stat(target)).size;
  } catch {
    return false;
  }
  if ((entry.length === null || size === entry.length) && (md5 === null || (await md5Of(target)) === md5))
    return true;
  await fsp.rm(target, { force: true });
  return false;
}

async function md5Of(file: string): Promise<string> {
  const hash = crypto.createHash('md5');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

/** manifest-md5.txt as path → lower-case hex (BagIt's %25/%0D/%0A path escapes undone). */
export function readMd5Manifest(bagDir: string): Map<string, string> {
  const entries = new Map<string, string>();
  let text: string;
  try {
    text = fs.readFileSync(path.join(bagDir, 'manifest-md5.txt'), 'utf8');
  } catch {
    return entries;
  }
  for (const line of text.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{32})\s+(.+)$/.exec(line);
    if (!match) continue;
    const relative = match[2]!.replace(/%(0A|0D|25)/gi, (escape) =>
      String.fromCharCode(parseInt(escape.slice(1), 16)),
    );
    entries.set(relative, match[1]!.toLowerCase());
  }
  return entries;
}
