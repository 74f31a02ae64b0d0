import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hashFile, type HashOutcome, type HashRequest } from './hash-file.js';
import type { WorkerMessage } from './hash-worker.js';

interface HashRunner {
  hash(request: HashRequest, onBytes: (bytes: number) => void): Promise<HashOutcome>;
  close(): Promise<void>;
}

const WORKER_URL = new URL('./hash-worker.js', import.meta.url);

/**
 * Hashes the requests with `concurrency` runners working through one queue and returns the outcomes
 * in request order. Runners are worker threads when the compiled worker exists next to this module;
 * when this module runs from TypeScript source (tests), they hash in this thread instead.
 */
export async function hashAll(
  requests: HashRequest[],
  concurrency: number,
  onBytes: (bytes: number) => void,
): Promise<HashOutcome[]> {
  const laneCount = Math.min(concurrency, requests.length);
  const useWorkers = fs.existsSync(fileURLToPath(WORKER_URL));
  const runners = Array.from({ length: laneCount }, () => (useWorkers ? new WorkerRunner() : inThreadRunner));
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
  private readonly worker = new Worker(WORKER_URL);

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
