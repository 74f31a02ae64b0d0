import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hashFile, type HashOutcome, type HashRequest } from './hash-file.js';

/**
 * One batch of files for the hash workers. Every worker gets the whole list and claims the next file
 * from a counter they share (Atomics), so no file waits for a message round trip.
 */
export interface BatchMessage {
  requests: HashRequest[];
  /** Int32 [next request to claim]. */
  next: SharedArrayBuffer;
  /** BigInt64 [bytes read of the requests before `countedRequests`]: the progress. */
  bytes: SharedArrayBuffer;
  countedRequests: number;
}

/** A worker says it has the batch (and is claiming files), then sends every outcome it made. */
export type WorkerMessage = { kind: 'started' } | { kind: 'done'; results: [number, HashOutcome][] };

/** Claims requests of the batch until none is left and hashes them; returns [index, outcome] pairs. */
export function claimAndHash(batch: BatchMessage, hash: typeof hashFile): [number, HashOutcome][] {
  const next = new Int32Array(batch.next);
  const bytes = new BigInt64Array(batch.bytes);
  const results: [number, HashOutcome][] = [];
  for (let index = Atomics.add(next, 0, 1); index < batch.requests.length; index = Atomics.add(next, 0, 1)) {
    const counted = index < batch.countedRequests;
    const outcome = hash(batch.requests[index]!, (read) => {
      if (counted) Atomics.add(bytes, 0, BigInt(read));
    });
    results.push([index, outcome]);
  }
  return results;
}

const BUILT_WORKER = new URL('./hash-worker.js', import.meta.url);

/** The compiled hash worker beside this module, or null when this module runs from TypeScript source. */
export function builtHashWorker(): URL | null {
  return fs.existsSync(fileURLToPath(BUILT_WORKER)) ? BUILT_WORKER : null;
}

export interface HashBatch {
  /** Bytes read so far of the counted requests. */
  doneBytes(): number;
  /** The calling thread hashes what the workers have not claimed yet; then every outcome, in request order. */
  finish(onBytes?: () => void): Promise<HashOutcome[]>;
}

export const PROGRESS_EVERY_MS = 100;

/**
 * Worker threads started before there is anything to hash, so their start-up overlaps the reading of
 * the bag's listing and manifests. Without a worker script (this module run from TypeScript source, in
 * tests) the calling thread hashes everything when a batch is finished.
 */
export class HashPool {
  private readonly workers: Worker[];

  constructor(workerCount: number, script: URL | null) {
    this.workers = script ? Array.from({ length: workerCount }, () => new Worker(script)) : [];
  }

  /**
   * Starts hashing `requests` on the workers at once. The bytes of the first `countedRequests` are the
   * progress (the others are small tag files).
   */
  start(requests: HashRequest[], countedRequests = requests.length): HashBatch {
    const batch: BatchMessage = {
      requests,
      next: new SharedArrayBuffer(4),
      bytes: new SharedArrayBuffer(8),
      countedRequests,
    };
    const bytes = new BigInt64Array(batch.bytes);
    const answers = requests.length === 0 ? [] : this.workers.map((worker) => answer(worker, batch));
    const doneBytes = () => Number(Atomics.load(bytes, 0));
    return {
      doneBytes,
      finish: async (onBytes) => {
        // The calling thread joins once every worker holds the batch, so a worker never sits idle
        // while this thread does all the work.
        await Promise.all(answers.map((worker) => worker.started));
        const outcomes: HashOutcome[] = [];
        let reported = Date.now();
        for (const [index, outcome] of claimAndHash(batch, (request, onRead) =>
          hashFile(request, (read) => {
            onRead(read);
            if (onBytes && Date.now() - reported >= PROGRESS_EVERY_MS) {
              reported = Date.now();
              onBytes();
            }
          }),
        )) {
          outcomes[index] = outcome;
        }
        for (const results of await Promise.all(answers.map((worker) => worker.done))) {
          for (const [index, outcome] of results) outcomes[index] = outcome;
        }
        return outcomes;
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}

/** A worker's two answers to a batch. */
function answer(
  worker: Worker,
  batch: BatchMessage,
): { started: Promise<void>; done: Promise<[number, HashOutcome][]> } {
  let onStarted: () => void = () => {};
  const started = new Promise<void>((resolve) => (onStarted = resolve));
  const done = new Promise<[number, HashOutcome][]>((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message.kind === 'started') return onStarted();
      stopListening();
      resolve(message.results);
    };
    const onError = (error: Error) => {
      stopListening();
      reject(error);
    };
    const onExit = (code: number) =>
      onError(new Error(`The hash worker stopped unexpectedly with code ${code}.`));
    const stopListening = () => {
      onStarted();
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(batch);
  });
  // The outcome is awaited after the calling thread's share of the hashing; a failure before that
  // must not count as unhandled meanwhile.
  done.catch(() => undefined);
  return { started, done };
}
