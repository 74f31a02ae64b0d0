import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ApiResult, AssetUrlKind, Channel, EventMap, EventName } from '../../../shared/contract.js';
import { SatchelError, type ProblemKind } from '../common/index.js';
import type { AssetFile } from './api.js';
import type { HostToWorker, WorkerOptions, WorkerToHost } from './messages.js';

export type ApiHostOptions = WorkerOptions;
export type HostEventListener = (name: EventName, payload: EventMap[EventName]) => void;

/** The API of createApi, run in a worker thread: same calls, all asynchronous, never throwing. */
export interface ApiHost {
  handle(channel: string, raw: unknown): Promise<ApiResult<Channel>>;
  /** A bag file or its thumbnail; `signal` aborts a thumbnail nobody waits for any more. */
  assetFile(
    kind: AssetUrlKind,
    bagId: string,
    table: string,
    rid: string,
    signal?: AbortSignal,
  ): Promise<AssetFile | null>;
  /** Subscribes to progress events; returns the unsubscribe function. */
  onEvent(listener: HostEventListener): () => void;
  close(): Promise<void>;
}

const CLOSE_TIMEOUT_MS = 10_000;
const stoppedResult: ApiResult<Channel> = {
  ok: false,
  error: { kind: 'internal', message: 'The Satchel worker has stopped; restart Satchel.' },
};

/**
 * Starts createApi in a worker thread, so SQLite, imports, hashing and thumbnails never block the
 * caller's event loop (the Electron main process or the HTTP server). Resolves once the worker has
 * opened the workspace, or rejects with its sentence.
 */
export function startApiHost(options: ApiHostOptions): Promise<ApiHost> {
  // sharp must stay loaded on the main thread: a worker exiting would otherwise unload libvips
  // while other threads still use it (sharp docs, "worker threads").
  createRequire(import.meta.url)('sharp');
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: options });
  const pending = new Map<number, (message: WorkerToHost) => void>();
  const listeners = new Set<HostEventListener>();
  let nextId = 1;
  let stopped = false;

  const request = <T>(
    message: HostToWorker,
    onReply: (reply: WorkerToHost) => T,
    whenStopped: T,
  ): Promise<T> => {
    if (stopped) return Promise.resolve(whenStopped);
    return new Promise<T>((resolve) => {
      pending.set(message.id, (reply) => resolve(onReply(reply)));
      worker.postMessage(message);
    });
  };

  const stop = () => {
    stopped = true;
    for (const reply of pending.values()) reply({ type: 'failed', kind: null, message: 'stopped' });
    pending.clear();
  };

  return new Promise<ApiHost>((resolve, reject) => {
    let ready = false;
    worker.on('message', (message: WorkerToHost) => {
      switch (message.type) {
        case 'ready':
          ready = true;
          resolve(host);
          break;
        case 'failed':
          // The worker sends the kind of a SatchelError, so the caller still sees a user-facing error.
          if (!ready)
            reject(
              message.kind
                ? new SatchelError(message.kind as ProblemKind, message.message)
                : new Error(message.message),
            );
          break;
        case 'event':
          for (const listener of listeners) listener(message.name, message.payload);
          break;
        default: {
          const reply = pending.get(message.id);
          pending.delete(message.id);
          reply?.(message);
        }
      }
    });
    worker.on('error', (error) => {
      console.error('satchel: the API worker failed:', error);
      if (!ready) reject(error);
      stop();
    });
    worker.on('exit', () => {
      if (!ready) reject(new Error('The Satchel API worker stopped before it was ready.'));
      stop();
    });

    const host: ApiHost = {
      handle: (channel, raw) =>
        request(
          { type: 'handle', id: nextId++, channel, raw },
          (reply) => (reply.type === 'result' ? reply.result : stoppedResult),
          stoppedResult,
        ),
      assetFile: (kind, bagId, table, rid, signal) => {
        if (signal?.aborted) return Promise.resolve(null);
        const id = nextId++;
        const abort = () => {
          if (!stopped) worker.postMessage({ type: 'asset-abort', id } satisfies HostToWorker);
        };
        signal?.addEventListener('abort', abort, { once: true });
        return request(
          { type: 'asset-file', id, kind, bagId, table, rid },
          (reply) => (reply.type === 'asset-file' ? reply.file : null),
          null,
        ).finally(() => signal?.removeEventListener('abort', abort));
      },
      onEvent(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      async close() {
        if (stopped) return;
        const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
        // Let the worker finish its thumbnails and close its databases, then exit by itself.
        await request({ type: 'close', id: nextId++ }, () => undefined, undefined);
        await new Promise<void>((done) => (stopped ? done() : worker.once('exit', () => done())));
        clearTimeout(timer);
        listeners.clear();
      },
    };
  });
}
