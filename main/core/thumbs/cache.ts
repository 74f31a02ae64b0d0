import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { isThumbnailFormat, sniffImageFormat, THUMBNAIL_FORMATS } from './formats.js';
import { PriorityQueue, type Priority } from './queue.js';

/** Longest side of a thumbnail, in pixels. */
export const THUMBNAIL_SIZE = 256;
/** Part of every cache key: bump it when the encoding changes so old thumbnails are not reused. */
const FORMAT_VERSION = 'webp-q80-v1';
/** 10 240 × 10 240: large scans still get thumbnails (shrink-on-load keeps memory low), bombs do not. */
export const MAX_INPUT_PIXELS = 10_240 * 10_240;
/** Two images at once use both cores of a small machine; more libvips threads per image do not help. */
const CONCURRENCY = 2;
const KEY_MEMO_LIMIT = 50_000;

export type Thumbnail = { ok: true; path: string; contentType: 'image/webp' } | { ok: false; reason: string };

/** What a cache has done so far: image headers read alone (to word a refusal) and thumbnails decoded. */
export interface ThumbnailWork {
  headers: number;
  decodes: number;
}

interface Request {
  promise: Promise<Thumbnail>;
  priority: Priority;
  /** Callers still waiting for it; one that gave no signal waits for good. */
  waiters: number;
  promote?: () => void;
  withdraw?: () => void;
}

/**
 * 256-px WebP thumbnails made with sharp from the original image, kept content-addressed at
 * `<workspace>/thumbs/<ab>/<sha256>.webp` (key: sha256 of the source bytes, the size and the format
 * version), so a file met again under another name or in another bag costs nothing. Only the decoders
 * of THUMBNAIL_FORMATS run, and images above MAX_INPUT_PIXELS are refused with a reason.
 */
export class ThumbnailCache {
  readonly directory: string;
  /** Counted so tests can tell a refusal from the header alone, or a reuse, from a decode. */
  readonly work: ThumbnailWork = { headers: 0, decodes: 0 };
  private readonly queue = new PriorityQueue(CONCURRENCY);
  private readonly requests = new Map<string, Request>();
  /** Content keys by path + size + mtime + inode, so a cache hit does not rehash the source. */
  private readonly keys = new Map<string, string>();

  constructor(workspace: string) {
    this.directory = path.join(workspace, 'thumbs');
  }

  /**
   * The thumbnail of `source`, made at most once however many callers ask at the same time. A caller
   * whose `signal` aborts (a tile scrolled out of view) gets a reason at once, and once no caller
   * waits for it a thumbnail not started yet leaves the queue.
   */
  get(source: string, options: { priority?: Priority; signal?: AbortSignal } = {}): Promise<Thumbnail> {
    const { signal } = options;
    if (signal?.aborted) return Promise.resolve(notWanted(source));
    const priority = options.priority ?? 'visible';
    let request = this.requests.get(source);
    if (request) {
      if (priority === 'visible' && request.priority === 'prefetch') {
        request.priority = 'visible';
        request.promote?.();
      }
    } else {
      const created: Request = { priority, waiters: 0, promise: Promise.resolve(notWanted(source)) };
      created.promise = this.produce(source, created).finally(() => {
        if (this.requests.get(source) === created) this.requests.delete(source);
      });
      this.requests.set(source, created);
      request = created;
    }
    request.waiters++;
    if (!signal) return request.promise;
    const waited = request;
    return new Promise((resolve) => {
      const onAbort = () => {
        resolve(notWanted(source));
        if (--waited.waiters > 0 || !waited.withdraw) return;
        waited.withdraw();
        if (this.requests.get(source) === waited) this.requests.delete(source);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void waited.promise.then((result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      });
    });
  }

  /** Resolves when no thumbnail is being made or waiting. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Drops the thumbnails still waiting (their requests get a reason) and lets the running ones finish. */
  close(): Promise<void> {
    this.queue.cancelWaiting();
    return this.queue.idle();
  }

  /**
   * Removes the least recently used thumbnails until the cache holds at most `maxBytes`.
   * Use is tracked in the access time, which get() sets on every hit.
   */
  async prune(maxBytes: number): Promise<{ removed: number; bytes: number }> {
    const files: { file: string; size: number; used: number }[] = [];
    for (const shard of await listDirectory(this.directory)) {
      const shardDir = path.join(this.directory, shard);
      for (const name of await listDirectory(shardDir)) {
        if (!name.endsWith('.webp')) continue;
        const file = path.join(shardDir, name);
        const stat = await fs.promises.stat(file).catch(() => null);
        if (stat?.isFile()) files.push({ file, size: stat.size, used: Math.max(stat.atimeMs, stat.mtimeMs) });
      }
    }
    let bytes = files.reduce((sum, entry) => sum + entry.size, 0);
    let removed = 0;
    files.sort((a, b) => a.used - b.used);
    for (const entry of files) {
      if (bytes <= maxBytes) break;
      await fs.promises.rm(entry.file, { force: true });
      bytes -= entry.size;
      removed++;
    }
    return { removed, bytes };
  }

  private async produce(source: string, request: Request): Promise<Thumbnail> {
    const name = path.basename(source);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(source);
    } catch {
      return { ok: false, reason: `${name} does not exist.` };
    }
    if (!stat.isFile()) return { ok: false, reason: `${name} is not a file.` };
    const memo = `${source}\0${stat.size}\0${stat.mtimeMs}\0${stat.ino}`;
    const known = this.keys.get(memo);
    if (known !== undefined && (await touch(this.target(known)))) return made(this.target(known));
    // The file is read once: its bytes give the key and are what sharp decodes.
    let bytes: Buffer;
    try {
      bytes = await fs.promises.readFile(source);
    } catch {
      return { ok: false, reason: `${name} could not be read.` };
    }
    if (!isThumbnailFormat(sniffImageFormat(bytes.subarray(0, 32))))
      return { ok: false, reason: unsupported(name) };
    const key = contentKey(bytes);
    if (this.keys.size >= KEY_MEMO_LIMIT) this.keys.clear();
    this.keys.set(memo, key);
    const target = this.target(key);
    if (await touch(target)) return made(target);
    // Everyone who asked has gone while the file was read.
    if (request.waiters === 0) return notWanted(source);
    const job = this.queue.add(request.priority, () => encodeThumbnail(bytes, name, target, this.work));
    request.promote = job.promote;
    request.withdraw = job.withdraw;
    let failure: string | null;
    try {
      failure = await job.result;
    } catch {
      if (request.waiters === 0) return notWanted(source);
      return { ok: false, reason: `The thumbnail of ${name} was not made: Satchel is closing.` };
    }
    return failure ? { ok: false, reason: failure } : made(target);
  }

  private target(key: string): string {
    return path.join(this.directory, key.slice(0, 2), `${key}.webp`);
  }
}

function notWanted(source: string): Thumbnail {
  return { ok: false, reason: `The thumbnail of ${path.basename(source)} is no longer wanted.` };
}

function made(target: string): Thumbnail {
  return { ok: true, path: target, contentType: 'image/webp' };
}

function contentKey(bytes: Buffer): string {
  return crypto
    .createHash('sha256')
    .update(bytes)
    .update(`\0${THUMBNAIL_SIZE}\0${FORMAT_VERSION}`)
    .digest('hex');
}

/**
 * Writes the thumbnail through a temporary file; returns a reason when the source is refused. No
 * separate look at the header: libvips refuses an image over the pixel limit from its header, before
 * decoding a pixel, and only then is the header read again to say how large it is.
 */
async function encodeThumbnail(
  bytes: Buffer,
  name: string,
  target: string,
  work: ThumbnailWork,
): Promise<string | null> {
  try {
    const webp = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
      .autoOrient()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80, effort: 2 })
      .toBuffer();
    work.decodes++;
    await fs.promises.mkdir(path.dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
    try {
      await fs.promises.writeFile(temporary, webp);
      await fs.promises.rename(temporary, target);
    } finally {
      await fs.promises.rm(temporary, { force: true });
    }
    return null;
  } catch (error) {
    const detail = ((error as Error).message ?? String(error)).split('\n')[0]!.replace(/\.$/, '');
    return (await tooLarge(bytes, name, work)) ?? `${name} could not be decoded as an image (${detail}).`;
  }
}

/** The reason an image is refused for its size, read from its header; null when it is not too large. */
async function tooLarge(bytes: Buffer, name: string, work: ThumbnailWork): Promise<string | null> {
  work.headers++;
  const { width = 0, height = 0 } = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(() => ({ width: 0, height: 0 }));
  if (width * height <= MAX_INPUT_PIXELS) return null;
  const megapixels = Math.round((width * height) / 1e6);
  return `${name} is ${width}×${height} pixels (${megapixels} megapixels), more than the ${Math.round(MAX_INPUT_PIXELS / 1e6)} megapixels Satchel decodes for a thumbnail.`;
}

function unsupported(name: string): string {
  const formats = THUMBNAIL_FORMATS.map((format) => format.toUpperCase()).join(', ');
  return `${name} is not an image Satchel makes thumbnails of (${formats}).`;
}

/** Marks a cached thumbnail as used (access time only: the modification time stays its creation). */
async function touch(file: string): Promise<boolean> {
  try {
    const stat = await fs.promises.stat(file);
    await fs.promises.utimes(file, new Date(), stat.mtimeMs / 1000);
    return true;
  } catch {
    return false;
  }
}

async function listDirectory(dir: string): Promise<string[]> {
  try {
    return await fs.promises.readdir(dir);
  } catch {
    return [];
  }
}
