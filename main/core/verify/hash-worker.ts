import { parentPort } from 'node:worker_threads';
import { hashFile } from './hash-file.js';
import { claimAndHash, type BatchMessage, type WorkerMessage } from './hash-pool.js';

const port = parentPort;
if (port !== null) {
  port.on('message', (batch: BatchMessage) => {
    const report = (message: WorkerMessage) => port.postMessage(message);
    report({ kind: 'started' });
    report({ kind: 'done', results: claimAndHash(batch, hashFile) });
  });
}
