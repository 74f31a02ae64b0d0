import { parentPort } from 'node:worker_threads';
import { hashFile, type HashOutcome, type HashRequest } from './hash-file.js';

/** Messages a hash worker sends back for one request: any number of progress ticks, then one result. */
export type WorkerMessage = { kind: 'progress'; bytes: number } | { kind: 'done'; outcome: HashOutcome };

const port = parentPort;
if (port !== null) {
  port.on('message', (request: HashRequest) => {
    const report = (message: WorkerMessage) => port.postMessage(message);
    void hashFile(request, (bytes) => report({ kind: 'progress', bytes })).then((outcome) =>
      report({ kind: 'done', outcome }),
    );
  });
}
