import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { CatalogError } from './errors.js';
import type { HttpClient, HttpResponse } from './http.js';
import { parseJson, uploadJobSchema } from './shapes.js';

export interface HatracCallOptions {
  signal?: AbortSignal;
}

export interface HatracObjectInfo {
  size: number;
  /** Base64 MD5 as Hatrac reports it (it always answers base64), null when unknown. */
  md5: string | null;
  sha256: string | null;
  contentType: string | null;
  /** The versioned path `/hatrac/…/obj:VERSION` from Content-Location. */
  versionedPath: string | null;
}

/** Where a chunked upload stands; keep it to resume (Hatrac's job document does not list received chunks). */
export interface UploadJobState {
  /** `/hatrac/ns/obj;upload/JOB`. */
  jobPath: string;
  chunkLength: number;
  contentLength: number;
  /** Base64 MD5 of the whole content. */
  md5: string;
  nextChunk: number;
}

export interface PutOptions extends HatracCallOptions {
  /** MD5 of the content, base64 or hex; computed when absent. */
  md5?: string;
  /** Base64 SHA-256; computed when absent. */
  sha256?: string;
  contentType?: string;
  /** Sent as `Content-Disposition: filename*=UTF-8''<name>`. */
  filename?: string;
  /** Create missing parent namespaces (default true). */
  parents?: boolean;
  /** HEAD the unversioned name first and skip the upload when its Content-MD5 matches. */
  skipIfPresent?: boolean;
  /** Files larger than this go up in chunks (default 25 MiB, as deriva-py). */
  chunkThreshold?: number;
  /** Chunk size for chunked uploads (default 25 MiB, raised to keep at most 10000 chunks). */
  chunkSize?: number;
  /** A job from an earlier, interrupted upload of the same content. */
  resume?: UploadJobState | null;
  /** Called when a job is created and after every chunk, so the caller can save it for resuming. */
  onJob?: (state: UploadJobState) => void;
  onProgress?: (sentBytes: number, totalBytes: number) => void;
}

export interface DownloadResult {
  bytes: number;
  md5Hex: string;
  sha256Hex: string;
}

const MIB = 1024 * 1024;
const DEFAULT_CHUNK = 25 * MIB;
const MAX_CHUNKS = 10_000;
const CHUNK_ALIGNMENT = 64 * 1024;

/**
 * Hatrac object store: HEAD for existence and checksums, single and chunked (resumable) uploads
 * with Content-MD5, namespaces, and resumable downloads into a `.part` file.
 */
export class HatracClient {
  constructor(private readonly http: HttpClient) {}

  /**
   * Size, checksums and versioned name of an object; null when absent, or when the name exists with no
   * content (409: an upload job was created for it and never finished, or every version was deleted).
   */
  async headObject(path: string, options: HatracCallOptions = {}): Promise<HatracObjectInfo | null> {
    const response = await this.http.request({
      method: 'HEAD',
      path: checkPath(path),
      signal: options.signal,
      allow: [404, 409],
    });
    if (response.status === 404 || response.status === 409) return null;
    const headers = response.headers;
    return {
      size: Number(headers.get('content-length') ?? 0),
      md5: headers.get('content-md5'),
      sha256: headers.get('content-sha256'),
      contentType: headers.get('content-type'),
      versionedPath: locationPath(headers.get('content-location'), this.http.origin),
    };
  }

  /**
   * Stores bytes or a file at `path` and returns the new versioned path (`…:VERSION`). Large (and
   * empty) files use the chunked job protocol, like deriva-py.
   */
  async putObject(
    path: string,
    content: Uint8Array | { file: string },
    options: PutOptions = {},
  ): Promise<string> {
    checkPath(path);
    const size = content instanceof Uint8Array ? content.length : (await fsp.stat(content.file)).size;
    const hashes = options.md5 && options.sha256 ? null : await hashContent(content);
    const md5 = toBase64Digest(options.md5 ?? hashes!.md5, 'md5');
    const sha256 = options.sha256 ?? hashes?.sha256;
    if (options.skipIfPresent) {
      const existing = await this.headObject(path, options);
      if (existing?.md5 && toBase64Digest(existing.md5, 'md5') === md5) return existing.versionedPath ?? path;
    }
    const threshold = options.chunkThreshold ?? DEFAULT_CHUNK;
    if (!(content instanceof Uint8Array) && (size > threshold || size === 0)) {
      return this.uploadChunked(path, content.file, size, { ...options, md5, sha256 });
    }
    const bytes = content instanceof Uint8Array ? content : await fsp.readFile(content.file);
    const response = await this.http.request({
      method: 'PUT',
      path: withParents(path, options.parents),
      headers: objectHeaders(options.contentType, md5, sha256, options.filename),
      body: () => bytes,
      signal: options.signal,
    });
    options.onProgress?.(size, size);
    return this.createdPath(response);
  }

  /** Creates a namespace; an existing one is not an error. */
  async createNamespace(
    path: string,
    options: HatracCallOptions & { parents?: boolean } = {},
  ): Promise<'created' | 'exists'> {
    const response = await this.http.request({
      method: 'PUT',
      path: withParents(checkPath(path), options.parents),
      headers: { 'content-type': 'application/x-hatrac-namespace' },
      signal: options.signal,
      allow: [409],
    });
    if (response.status !== 409) return 'created';
    const existing = await this.http.request({ method: 'HEAD', path, signal: options.signal, allow: [404] });
    if (existing.status === 404)
      throw new CatalogError(
        'conflict',
        `Hatrac refused to create the namespace ${path} (409): its parent is not a namespace.`,
        { status: 409, path },
      );
    return 'exists';
  }

  async createUploadJob(
    path: string,
    spec: {
      contentLength: number;
      chunkLength: number;
      md5: string;
      sha256?: string;
      contentType?: string;
      filename?: string;
      parents?: boolean;
    },
    options: HatracCallOptions = {},
  ): Promise<UploadJobState> {
    const md5 = toBase64Digest(spec.md5, 'md5');
    const document = {
      'chunk-length': spec.chunkLength,
      'content-length': spec.contentLength,
      'content-type': spec.contentType ?? 'application/octet-stream',
      'content-md5': md5,
      ...(spec.sha256 ? { 'content-sha256': spec.sha256 } : {}),
      ...(spec.filename ? { 'content-disposition': contentDisposition(spec.filename) } : {}),
    };
    const body = JSON.stringify(document);
    const response = await this.http.request({
      method: 'POST',
      path: withParents(`${checkPath(path)};upload`, spec.parents),
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: () => body,
      signal: options.signal,
    });
    return {
      jobPath: this.createdPath(response),
      chunkLength: spec.chunkLength,
      contentLength: spec.contentLength,
      md5,
      nextChunk: 0,
    };
  }

  async uploadChunk(
    job: UploadJobState,
    index: number,
    bytes: Uint8Array,
    options: HatracCallOptions = {},
  ): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: `${job.jobPath}/${index}`,
      headers: { 'content-type': 'application/octet-stream' },
      body: () => bytes,
      signal: options.signal,
    });
  }

  /** Completes a job; the answer is the new versioned path (whose version equals the job id). */
  async finalizeUpload(job: UploadJobState, options: HatracCallOptions = {}): Promise<string> {
    const response = await this.http.request({ method: 'POST', path: job.jobPath, signal: options.signal });
    return this.createdPath(response);
  }

  async cancelUpload(job: UploadJobState, options: HatracCallOptions = {}): Promise<void> {
    await this.http.request({ method: 'DELETE', path: job.jobPath, signal: options.signal, allow: [404] });
  }

  /**
   * Downloads an object into `partFile`, continuing from the bytes already there with a Range
   * request (a dropped connection is retried the same way). Returns the size and checksums of the
   * whole file; renaming it into place is the caller's decision.
   */
  async downloadToPart(
    path: string,
    partFile: string,
    options: HatracCallOptions & { onBytes?: (bytes: number) => void } = {},
    restarted = false,
  ): Promise<DownloadResult> {
    const result = await this.http.stream(
      {
        method: 'GET',
        path,
        headers: (): Record<string, string> => {
          const have = fileSize(partFile);
          return have > 0 ? { range: `bytes=${have}-` } : {};
        },
        signal: options.signal,
        allow: [416],
      },
      async ({ response, touch }): Promise<DownloadResult | null> => {
        if (response.status === 416) {
          await response.body?.cancel();
          return null;
        }
        const offset = response.status === 206 ? rangeStart(response.headers.get('content-range')) : 0;
        if (offset === null || offset > fileSize(partFile)) {
          await response.body?.cancel();
          return null;
        }
        const md5 = crypto.createHash('md5');
        const sha256 = crypto.createHash('sha256');
        await hashPrefix(partFile, offset, [md5, sha256]);
        const handle = await fsp.open(partFile, offset > 0 ? 'r+' : 'w');
        let position = offset;
        try {
          await handle.truncate(offset);
          if (response.body) {
            const reader = response.body.getReader();
            for (;;) {
              const { done, value } = await reader.read();
              if (done) break;
              touch();
              await handle.write(value, 0, value.length, position);
              md5.update(value);
              sha256.update(value);
              position += value.length;
              options.onBytes?.(value.length);
            }
          }
        } finally {
          await handle.close();
        }
        return { bytes: position, md5Hex: md5.digest('hex'), sha256Hex: sha256.digest('hex') };
      },
    );
    if (result) return result;
    // 416 or an unusable range: the bytes on disk cannot be continued; start over once.
    if (restarted)
      throw new CatalogError(
        'bad-response',
        `Hatrac answered GET ${path} with an unusable byte range twice.`,
        { path },
      );
    await fsp.rm(partFile, { force: true });
    return this.downloadToPart(path, partFile, options, true);
  }

  private async uploadChunked(
    path: string,
    file: string,
    size: number,
    options: PutOptions & { md5: string },
  ): Promise<string> {
    const chunkLength = chunkLengthFor(size, options.chunkSize);
    let job = await this.resumableJob(options.resume, size, options.md5, options.signal);
    if (!job) {
      job = await this.createUploadJob(
        path,
        {
          contentLength: size,
          chunkLength,
          md5: options.md5,
          sha256: options.sha256,
          contentType: options.contentType,
          filename: options.filename,
          parents: options.parents ?? true,
        },
        options,
      );
      options.onJob?.(job);
    }
    const chunks = Math.ceil(size / job.chunkLength);
    const handle = await fsp.open(file, 'r');
    try {
      for (let index = job.nextChunk; index < chunks; index++) {
        const start = index * job.chunkLength;
        const length = Math.min(job.chunkLength, size - start);
        const buffer = Buffer.alloc(length);
        await handle.read(buffer, 0, length, start);
        await this.uploadChunk(job, index, buffer, options);
        job = { ...job, nextChunk: index + 1 };
        options.onJob?.(job);
        options.onProgress?.(Math.min(size, start + length), size);
      }
    } finally {
      await handle.close();
    }
    return this.finalizeUpload(job, options);
  }

  /** The earlier job when it still exists on the server and is for the same content. */
  private async resumableJob(
    resume: UploadJobState | null | undefined,
    size: number,
    md5: string,
    signal: AbortSignal | undefined,
  ): Promise<UploadJobState | null> {
    if (!resume || resume.contentLength !== size || toBase64Digest(resume.md5, 'md5') !== md5) return null;
    const response = await this.http.request({
      method: 'GET',
      path: resume.jobPath,
      headers: { accept: 'application/json' },
      allow: [404, 409],
      signal,
    });
    if (response.status !== 200) return null;
    const job = parseJson(response, uploadJobSchema, 'GET', 'a Hatrac upload job');
    return job['chunk-length'] === resume.chunkLength && job['content-length'] === size ? resume : null;
  }

  /** The path a 201 answer names: the Location header, else the first line of the body. */
  private createdPath(response: HttpResponse): string {
    const location =
      locationPath(response.headers.get('location'), this.http.origin) ??
      locationPath(response.body.toString('utf8').split('\n')[0]!.trim(), this.http.origin);
    if (!location)
      throw new CatalogError('bad-response', `The answer to ${response.path} names no new object or job.`, {
        path: response.path,
      });
    return location;
  }
}

function checkPath(path: string): string {
  const pathname = /^https?:\/\//i.test(path) ? new URL(path).pathname : path;
  if (!pathname.startsWith('/hatrac/'))
    throw new CatalogError('bad-url', `"${path}" is not a Hatrac path (/hatrac/…).`);
  return path;
}

function withParents(path: string, parents: boolean | undefined): string {
  return parents === false ? path : `${path}?parents=true`;
}

function objectHeaders(
  contentType: string | undefined,
  md5: string,
  sha256: string | undefined,
  filename: string | undefined,
): Record<string, string> {
  return {
    'content-type': contentType ?? 'application/octet-stream',
    'content-md5': md5,
    ...(sha256 ? { 'content-sha256': sha256 } : {}),
    ...(filename ? { 'content-disposition': contentDisposition(filename) } : {}),
  };
}

function contentDisposition(filename: string): string {
  return `filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** A hex or base64 digest as base64 (Hatrac accepts hex but always answers base64). */
export function toBase64Digest(digest: string, algorithm: 'md5' | 'sha256'): string {
  const hexLength = algorithm === 'md5' ? 32 : 64;
  if (digest.length === hexLength && /^[0-9a-fA-F]+$/.test(digest))
    return Buffer.from(digest, 'hex').toString('base64');
  return digest;
}

/** The base64 digest as lower-case hex. */
export function base64ToHex(digest: string): string {
  return Buffer.from(digest, 'base64').toString('hex');
}

async function hashContent(content: Uint8Array | { file: string }): Promise<{ md5: string; sha256: string }> {
  const md5 = crypto.createHash('md5');
  const sha256 = crypto.createHash('sha256');
  if (content instanceof Uint8Array) {
    md5.update(content);
    sha256.update(content);
  } else {
    for await (const chunk of fs.createReadStream(content.file)) {
      md5.update(chunk as Buffer);
      sha256.update(chunk as Buffer);
    }
  }
  return { md5: md5.digest('base64'), sha256: sha256.digest('base64') };
}

async function hashPrefix(file: string, length: number, hashes: crypto.Hash[]): Promise<void> {
  if (length <= 0) return;
  for await (const chunk of fs.createReadStream(file, { start: 0, end: length - 1 })) {
    for (const hash of hashes) hash.update(chunk as Buffer);
  }
}

/**
 * deriva-py's transfer shape: 25 MiB chunks (or the size asked for), raised (64 KiB aligned) only when
 * there would be more than 10000 of them.
 */
export function chunkLengthFor(size: number, requested: number = DEFAULT_CHUNK): number {
  const chunk = Math.max(1, requested);
  if (Math.ceil(size / chunk) <= MAX_CHUNKS) return chunk;
  return Math.ceil(size / MAX_CHUNKS / CHUNK_ALIGNMENT) * CHUNK_ALIGNMENT;
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function rangeStart(contentRange: string | null): number | null {
  const match = /^bytes\s+(\d+)-/i.exec(contentRange ?? '');
  return match ? Number(match[1]) : null;
}

/** A Location / Content-Location value (absolute or not) as a path, or null. */
function locationPath(value: string | null, origin: string): string | null {
  if (!value) return null;
  const url = new URL(value, origin);
  return `${url.pathname}${url.search}`;
}
