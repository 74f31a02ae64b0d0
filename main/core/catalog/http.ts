import { CatalogError, errorForStatus } from './errors.js';
import { credentialHeaders, type Credential } from './credential.js';
import { globusRejected } from './globus.js';
import {
  DEFAULT_RETRY,
  backoffDelay,
  isTransientStatus,
  parseRetryAfter,
  sleep,
  type RetryPolicy,
} from './retry.js';
import { checkOrigin } from './url.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface HttpOptions {
  credential?: Credential | null;
  /** Longest silence allowed while waiting for the answer or for more of its bytes. Default 60 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Replaces global fetch (tests). */
  fetch?: typeof globalThis.fetch;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Path and query under the origin, already quoted, e.g. `/ermrest/catalog/1`; or a URL on the same origin. */
  path: string;
  /** Computed again for every attempt, so a retry can, say, ask for the missing byte range only. */
  headers?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Called for every attempt, so the body can be sent again. */
  body?: () => string | Uint8Array;
  /**
   * Whether repeating the request is harmless. GET, HEAD, PUT and DELETE are by default; a POST is
   * retried only when the caller made it idempotent (e.g. an insert of leased RIDs with onconflict=skip).
   */
  idempotent?: boolean;
  signal?: AbortSignal;
  /** Error statuses handed back as answers instead of thrown (e.g. 404 for a HEAD that may miss). */
  allow?: readonly number[];
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The path requested, for sentences. */
  path: string;
}

/** Handed to a streaming consumer: the response, a keep-alive for the idle timer, and the attempt's signal. */
export interface StreamContext {
  response: Response;
  touch: () => void;
  signal: AbortSignal;
  attempt: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A failure worth another attempt (transient status, network trouble, silence). */
class TransientFailure extends Error {
  constructor(
    readonly error: CatalogError,
    readonly retryAfterMs: number | null = null,
  ) {
    super(error.message);
  }
}

/**
 * HTTP to one Deriva origin over Node's fetch: credential headers (never sent to another origin on a
 * redirect), an idle timeout per attempt, bounded retries with backoff for transient failures of
 * idempotent requests, cancellation through AbortSignal, and errors as CatalogError sentences.
 */
export class HttpClient {
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof globalThis.fetch;

  constructor(
    readonly origin: string,
    private readonly options: HttpOptions = {},
  ) {
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  get credential(): Credential | null {
    return this.options.credential ?? null;
  }

  /** The same connection settings with another credential. */
  withCredential(credential: Credential | null): HttpClient {
    return new HttpClient(this.origin, { ...this.options, credential });
  }

  /** Sends a request and reads the whole answer. */
  request(request: HttpRequest): Promise<HttpResponse> {
    return this.stream(request, async ({ response, touch }) => ({
      status: response.status,
      headers: response.headers,
      body: await readBody(response, touch),
      path: describePath(request.path, this.origin),
    }));
  }

  /**
   * Sends a request and hands the successful response to `consume`. A network failure while
   * consuming (a dropped connection, silence) counts as a failed attempt and is retried like one.
   */
  async stream<T>(request: HttpRequest, consume: (context: StreamContext) => Promise<T>): Promise<T> {
    const retryable = request.idempotent ?? request.method !== 'POST';
    const attempts = retryable ? Math.max(1, this.policy.attempts) : 1;
    for (let attempt = 1; ; attempt++) {
      let failure: TransientFailure;
      try {
        return await this.attempt(request, attempt, consume);
      } catch (error) {
        if (!(error instanceof TransientFailure)) throw error;
        failure = error;
      }
      if (attempt >= attempts) throw withAttempts(failure.error, attempt);
      try {
        await sleep(backoffDelay(attempt, this.policy, failure.retryAfterMs), request.signal);
      } catch {
        throw this.cancelled(request);
      }
    }
  }

  private async attempt<T>(
    request: HttpRequest,
    attempt: number,
    consume: (context: StreamContext) => Promise<T>,
  ): Promise<T> {
    if (request.signal?.aborted) throw this.cancelled(request);
    const controller = new AbortController();
    const forward = () => controller.abort();
    request.signal?.addEventListener('abort', forward, { once: true });
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.timeoutMs);
    };
    touch();
    const path = describePath(request.path, this.origin);
    try {
      const response = await this.fetchFollowingRedirects(request, controller.signal);
      touch();
      if (response.status >= 400 && !request.allow?.includes(response.status)) {
        const text = (await readBody(response, touch, MAX_ERROR_BODY)).toString('utf8');
        const globusHost = this.options.credential?.globusHost;
        const error =
          response.status === 401 && globusHost
            ? globusRejected(globusHost, { status: 401, path })
            : errorForStatus(response.status, request.method, path, text);
        if (isTransientStatus(response.status))
          throw new TransientFailure(error, parseRetryAfter(response.headers.get('retry-after')));
        throw error;
      }
      return await consume({ response, touch, signal: controller.signal, attempt });
    } catch (error) {
      if (error instanceof TransientFailure || error instanceof CatalogError) throw error;
      if (request.signal?.aborted) throw this.cancelled(request);
      if (timedOut) {
        const seconds = Math.round(this.timeoutMs / 100) / 10;
        throw new TransientFailure(
          new CatalogError(
            'timeout',
            `The server sent nothing for ${seconds} s during ${request.method} ${path}.`,
            { path, cause: error },
          ),
        );
      }
      if (isNetworkError(error)) {
        const reason = networkReason(error);
        throw new TransientFailure(
          new CatalogError(
            'network',
            `The connection to ${this.origin} failed during ${request.method} ${path} (${reason}).`,
            { path, cause: error },
          ),
        );
      }
      throw error;
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', forward);
    }
  }

  private async fetchFollowingRedirects(request: HttpRequest, signal: AbortSignal): Promise<Response> {
    let url = new URL(request.path, this.origin);
    let method: HttpMethod = request.method;
    let body = request.body;
    const extra = typeof request.headers === 'function' ? await request.headers() : (request.headers ?? {});
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      // Credentials go to the catalog's own origin only, never to a host a redirect names.
      const secrets = url.origin === this.origin ? credentialHeaders(this.options.credential) : {};
      const response = await this.fetchImpl(url, {
        method,
        headers: { ...extra, ...secrets },
        body: body?.(),
        redirect: 'manual',
        signal,
      });
      const location = response.headers.get('location');
      if (!REDIRECTS.has(response.status) || !location) return response;
      await response.body?.cancel();
      url = new URL(location, url);
      checkOrigin(url);
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
      }
    }
    throw new CatalogError(
      'network',
      `${request.method} ${describePath(request.path, this.origin)} was redirected more than ${MAX_REDIRECTS} times.`,
    );
  }

  private cancelled(request: HttpRequest): CatalogError {
    const path = describePath(request.path, this.origin);
    return new CatalogError('cancelled', `${request.method} ${path} was cancelled.`, { path });
  }
}

/** Reads a response body chunk by chunk, keeping the idle timer alive; stops after `limit` bytes. */
export async function readBody(
  response: Response,
  touch: () => void,
  limit = Number.POSITIVE_INFINITY,
): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    touch();
    chunks.push(value);
    size += value.length;
    if (size >= limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks);
}

function withAttempts(error: CatalogError, attempts: number): CatalogError {
  if (attempts <= 1) return error;
  const message = error.message.replace(/\.$/, ` (gave up after ${attempts} attempts).`);
  return new CatalogError(error.kind, message, {
    status: error.status,
    path: error.path,
    detail: error.detail,
    conflict: error.conflict,
    cause: error.cause,
  });
}

/** undici reports refused, reset and dropped connections as TypeError ("fetch failed", "terminated"). */
function isNetworkError(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    /^(ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|UND_ERR)/.test(code)
  );
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const code = (cause as { code?: unknown } | undefined)?.code ?? (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const message = (cause instanceof Error ? cause.message : (error as Error).message) || 'no detail';
  return message.replace(/\.$/, '');
}

function describePath(pathOrUrl: string, origin: string): string {
  const url = new URL(pathOrUrl, origin);
  return `${url.pathname}${url.search}`;
}
