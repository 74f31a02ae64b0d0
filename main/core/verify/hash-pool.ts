import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hashFile, type HashOutcome, type HashRequest } from './hash-file.js';
import type { WorkerMessage } from './hash-worker.js';

interface HashRunner {
  hash(request: HashRequest, onBytes: (bytes: number) => void): Promise<HashOutcome>;
  close(): Promise<void>;
}

const BUILT_WORKER = new URL('./hash-worker.js', import.meta.url);

/** The compiled hash worker beside this module, or null when this module runs from TypeScript source. */
export function builtHashWorker(): URL | null {
  return fs.existsSync(fileURLToPath(BUILT_WORKER)) ? BUILT_WORKER : null;
}

/**
 * Hashes the requests with `concurrency` runners working through one queue and returns the outcomes
 * in request order. Runners are worker threads running `worker` (a compiled hash-worker.js); without
 * one (this module run from TypeScript source, in tests) they hash in this thread instead.
 */
export async function hashAll(
  requests: HashRequest[],
  concurrency: number,
  onBytes: (bytes: number) => void,
  worker: URL | null,
): Promise<HashOutcome[]> {
  const laneCount = Math.min(concurrency, requests.length);
  const runners = Array.from({ length: laneCount }, () =>
    worker ? new WorkerRunner(worker) : inThreadRunner,
  );
  const outcomes: HashOutcome[] = [];
  let next = 0;
  const drain = async (runner: HashRunner) => {
    for (let index = next++; index < requests.length; index = next++) {
      outcomes[index] = await runner.hash(requests[index] as HashRequest, onBytes);
    }
  };
  try {
    await Promise.all(runners.map(drain));
  } finally {
    await Promise.all(runners.map((runner) => runner.close()));
  }
  return outcomes;
}

const inThreadRunner: HashRunner = {
  hash: hashFile,
  close: async () => {},
};

class WorkerRunner implements HashRunner {
  private readonly worker: Worker;

  constructor(script: URL) {
    this.worker = new Worker(script);
  }

  hash(request: HashRequest, onBytes: (bytes: number) => void): Promise<HashOutcome> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: WorkerMessage) => {
        if (message.kind === 'progress') return onBytes(message.bytes);
        stopListening();
        resolve(message.outcome);
      };
      const onError = (error: Error) => {
        stopListening();
        reject(error);
      };
      const onExit = (code: number) =>
        onError(new Error(`The hash worker stopped unexpectedly with code ${code}.`));
      const stopListening = () => {
        this.worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      this.worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      this.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
