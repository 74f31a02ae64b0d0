import fsp from 'node:fs/promises';
import path from 'node:path';
import { readFetchFile, type FetchEntry } from '../bag/fetch.js';
import { SatchelError } from '../common/index.js';
import { CatalogError, type HatracClient } from '../catalog/index.js';
import type { AssetStore } from './asset-store.js';
import { LocalCopies, md5Of, placeCopy, readMd5Manifest } from './local-copies.js';

export interface MaterializeProgress {
  doneFiles: number;
  totalFiles: number;
  /** Bytes in place so far, whether found, reused or fetched. */
  doneBytes: number;
  totalBytes: number;
  /** Files linked or copied from elsewhere on disk. */
  reusedFiles: number;
  /** Files that came over the network, and their bytes. */
  fetchedFiles: number;
  fetchedBytes: number;
}

export interface MaterializeOptions {
  /** Files fetched at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: MaterializeProgress) => void;
  /** Files already on disk that may stand in for fetch.txt entries (other bags, the workspace store). */
  copies?: LocalCopies;
  /** The workspace store: every file placed is linked into it. */
  store?: AssetStore | null;
  /** How to say "run again" in the cancellation sentence (default: "run the download again"). */
  resumeHint?: string;
}

export interface MaterializeResult {
  files: number;
  bytes: number;
  /** Files fetched over the network. */
  downloaded: number;
  /** Files already present with the right checksum. */
  skipped: number;
  /** Files linked or copied from another bag or the workspace store after their MD5 was checked. */
  reused: number;
  /** Bytes that came over the network. */
  fetchedBytes: number;
}

/**
 * Brings every fetch.txt entry of a bag into place, `concurrency` at a time. A file already present
 * with the right MD5 is kept; one whose bytes are elsewhere on disk (another bag, the workspace
 * store) is linked or copied once its MD5 is checked; only the rest is fetched, into `<file>.part`
 * (continued with a Range request after an interruption) and renamed once its MD5 matches
 * manifest-md5.txt. Cancelling leaves the finished files and the `.part` files, so running again resumes.
 */
export async function materializeBag(
  hatrac: HatracClient,
  bagDir: string,
  options: MaterializeOptions = {},
): Promise<MaterializeResult> {
  const entries = readFetchFile(bagDir);
  const expected = readMd5Manifest(bagDir);
  const copies = options.copies ?? LocalCopies.none();
  const progress: MaterializeProgress = {
    doneFiles: 0,
    totalFiles: entries.length,
    doneBytes: 0,
    totalBytes: entries.reduce((sum, entry) => sum + (entry.length ?? 0), 0),
    reusedFiles: 0,
    fetchedFiles: 0,
    fetchedBytes: 0,
  };
  const report = () =>
    options.onProgress?.({ ...progress, doneBytes: Math.min(progress.doneBytes, progress.totalBytes) });
  report();
  const result: MaterializeResult = {
    files: entries.length,
    bytes: progress.totalBytes,
    downloaded: 0,
    skipped: 0,
    reused: 0,
    fetchedBytes: 0,
  };
  const stop = new AbortController();
  const onCancel = () => stop.abort();
  options.signal?.addEventListener('abort', onCancel, { once: true });
  let failure: unknown = null;
  const queue = [...entries];
  // The first entry of each checksum; later entries with the same bytes wait for it and link to it.
  const firstOfChecksum = new Map<string, Promise<string | null>>();
  const worker = async () => {
    while (!stop.signal.aborted) {
      const entry = queue.shift();
      if (!entry) return;
      const md5 = expected.get(entry.path) ?? null;
      const earlier = md5 === null ? undefined : firstOfChecksum.get(md5);
      let placed: (file: string | null) => void = () => {};
      if (md5 !== null && !earlier)
        firstOfChecksum.set(md5, new Promise<string | null>((resolve) => (placed = resolve)));
      const target = path.join(bagDir, ...entry.path.split('/'));
      try {
        const how = await materializeOne(
          hatrac,
          bagDir,
          entry,
          md5,
          copies,
          earlier,
          stop.signal,
          (bytes) => {
            progress.doneBytes += bytes;
            report();
          },
        );
        placed(target);
        if (how.kind === 'present') result.skipped += 1;
        else if (how.kind === 'reused') {
          result.reused += 1;
          progress.reusedFiles += 1;
        } else {
          result.downloaded += 1;
          result.fetchedBytes += how.bytes;
          progress.fetchedFiles += 1;
          progress.fetchedBytes += how.bytes;
        }
        if (md5 && how.kind !== 'present') options.store?.keep(target, md5);
        progress.doneFiles += 1;
        report();
      } catch (error) {
        placed(null);
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
      `Fetching the files of ${path.basename(bagDir)} was cancelled after ${progress.doneFiles} of ${progress.totalFiles}; ${options.resumeHint ?? 'run the download again'} to resume.`,
    );
  }
  return result;
}

type Placement = { kind: 'present' } | { kind: 'reused' } | { kind: 'fetched'; bytes: number };

/** Brings one file into place: found there already, reused from a checked local copy, or fetched. */
async function materializeOne(
  hatrac: HatracClient,
  bagDir: string,
  entry: FetchEntry,
  md5: string | null,
  copies: LocalCopies,
  earlier: Promise<string | null> | undefined,
  signal: AbortSignal,
  onBytes: (bytes: number) => void,
): Promise<Placement> {
  const target = path.join(bagDir, ...entry.path.split('/'));
  if (await alreadyPresent(target, entry, md5)) {
    onBytes(entry.length ?? 0);
    return { kind: 'present' };
  }
  // The same bytes listed earlier in this bag, checked when they were placed.
  const sibling = earlier ? await earlier : null;
  const local = sibling ?? (md5 === null ? null : await copies.find(md5, entry.length));
  if (local) {
    await placeCopy(local, target);
    onBytes(entry.length ?? 0);
    return { kind: 'reused' };
  }
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const part = `${target}.part`;
  onBytes(await sizeOf(part));
  let fetched = 0;
  const got = await hatrac.downloadToPart(entry.url, part, {
    signal,
    onBytes: (bytes) => {
      fetched += bytes;
      onBytes(bytes);
    },
  });
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
  return { kind: 'fetched', bytes: fetched };
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

async function sizeOf(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}
