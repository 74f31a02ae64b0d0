import { parentPort, workerData } from 'node:worker_threads';
import { runJob, toJobError } from './maintenance-jobs.js';
import type { MaintenanceReply, MaintenanceRequest } from './maintenance.js';

/** The maintenance worker thread behind startMaintenance: runs jobs, reports progress and outcomes. */

const port = parentPort;
if (!port) throw new Error('main/core/api/maintenance-worker.js runs only as a worker thread.');
const { workspace } = workerData as { workspace: string };
const send = (reply: MaintenanceReply) => port.postMessage(reply);

port.on('message', (request: MaintenanceRequest) => {
  runJob(request.job, workspace, (progress) => send({ type: 'progress', id: request.id, progress })).then(
    (value) => send({ type: 'done', id: request.id, value }),
    (error: unknown) => send({ type: 'failed', id: request.id, error: toJobError(error) }),
  );
});
