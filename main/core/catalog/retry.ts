/**
 * When and how long to wait before repeating a request. Only transient failures are retried: the
 * gateway/availability 5xx family and network trouble. A 4xx is the server's considered answer and
 * is never repeated.
 */
export interface RetryPolicy {
  /** Total attempts, the first one included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Source of jitter in [0, 1); replaceable for tests. */
  random: () => number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  random: Math.random,
};

/** The statuses deriva-py retries (deriva-protocol.md §2.3). 501 and friends are permanent. */
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

export function isTransientStatus(status: number): boolean {
  return TRANSIENT_STATUSES.has(status);
}

/**
 * Exponential backoff with "equal jitter": half of the capped exponential delay is fixed, half is
 * random, so parallel clients spread out yet every retry still waits. `retry` counts from 1.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, retryAfterMs: number | null = null): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = exponential / 2 + (exponential / 2) * policy.random();
  const floor = retryAfterMs === null ? 0 : Math.min(retryAfterMs, policy.maxDelayMs);
  return Math.round(Math.max(jittered, floor));
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const when = Date.parse(value);
  return Number.isNaN(when) ? null : Math.max(0, when - now);
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
