import { parentPort, workerData } from 'node:worker_threads';
import { isSatchelError } from '../common/index.js';
import { createApi, type Api } from './api.js';
import type { HostToWorker, WorkerOptions, WorkerToHost } from './messages.js';

/** The worker thread behind startApiHost: one createApi, driven by messages. */

const port = parentPort;
if (!port) throw new Error('main/core/api/worker.js runs only as a worker thread (see startApiHost).');

const send = (message: WorkerToHost) => port.postMessage(message);

let api: Api;
try {
  api = createApi({
    ...(workerData as WorkerOptions),
    emit: (name, payload) => send({ type: 'event', name, payload }),
  });
  send({ type: 'ready' });
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  send({ type: 'failed', kind: isSatchelError(error) ? error.kind : null, message });
  port.close();
}

/** Asset-file requests under way, so the host can abort one. */
const assetRequests = new Map<number, AbortController>();

port.on('message', (message: HostToWorker) => {
  switch (message.type) {
    case 'handle':
      void api
        .handle(message.channel, message.raw)
        .then((result) => send({ type: 'result', id: message.id, result }));
      break;
    case 'asset-file': {
      const controller = new AbortController();
      assetRequests.set(message.id, controller);
      void api
        .assetFile(message.kind, message.bagId, message.table, message.rid, controller.signal)
        .catch(() => null)
        .then((file) => {
          assetRequests.delete(message.id);
          send({ type: 'asset-file', id: message.id, file });
        });
      break;
    }
    case 'asset-abort':
      assetRequests.get(message.id)?.abort();
      break;
    case 'close':
      void api.close().finally(() => {
        send({ type: 'closed', id: message.id });
        port.close();
      });
      break;
  }
});
