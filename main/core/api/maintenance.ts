import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { OpenProgress } from '../bag/index.js';
import { SatchelError } from '../common/index.js';
import type { BackupOutcome, BackupPolicy } from '../workspace-db/index.js';
import { runJob, type JobError, type MaintenanceJob } from './maintenance-jobs.js';

export interface MaintenanceRequest {
  id: number;
  job: MaintenanceJob;
}

export type MaintenanceReply =
  | { type: 'progress'; id: number; progress: OpenProgress }
  | { type: 'done'; id: number; value: BackupOutcome | null }
  | { type: 'failed'; id: number; error: JobError };

/**
 * Imports and backups, off the thread that serves labeling: a worker thread of their own, so a
 * 190 MB CSV importing never delays `labels:set`. The API thread then opens the imported bag
 * database, which takes a fraction of a second.
 */
export interface Maintenance {
  /** Extracts (a zip) and imports a bag into the workspace; resolves once its database exists. */
  prepareBag(input: string, onProgress: (progress: OpenProgress) => void): Promise<void>;
  backup(policy: BackupPolicy): Promise<BackupOutcome>;
  close(): Promise<void>;
}

const WORKER_URL = new URL('./maintenance-worker.js', import.meta.url);

/**
 * A worker thread when the compiled worker exists next to this module; when this module runs from
 * TypeScript source (tests), the jobs run in this thread instead.
 */
export function startMaintenance(workspace: string): Maintenance {
  return fs.existsSync(fileURLToPath(WORKER_URL))
    ? workerMaintenance(workspace)
    : inThreadMaintenance(workspace);
}

function inThreadMaintenance(workspace: string): Maintenance {
  return {
    async prepareBag(input, onProgress) {
      await runJob({ type: 'prepare-bag', input }, workspace, onProgress);
    },
    async backup(policy) {
      return (await runJob({ type: 'backup', policy }, workspace, () => {})) as BackupOutcome;
    },
    async close() {},
  };
}

interface Pending {
  onProgress(progress: OpenProgress): void;
  resolve(value: BackupOutcome | null): void;
  reject(error: Error): void;
}

function workerMaintenance(workspace: string): Maintenance {
  let worker: Worker | null = null;
  const pending = new Map<number, Pending>();
  let nextId = 1;

  const failAll = (error: Error) => {
    for (const job of pending.values()) job.reject(error);
    pending.clear();
    worker = null;
  };

  /** Started on first use: a session that opens no bag and makes no backup never pays for it. */
  const started = (): Worker => {
    if (worker) return worker;
    const created = new Worker(WORKER_URL, { workerData: { workspace } });
    created.on('message', (reply: MaintenanceReply) => {
      const job = pending.get(reply.id);
      if (!job) return;
      if (reply.type === 'progress') return job.onProgress(reply.progress);
      pending.delete(reply.id);
      if (reply.type === 'done') job.resolve(reply.value);
      else job.reject(fromJobError(reply.error));
    });
    created.on('error', (error) => failAll(error));
    created.on('exit', (code) =>
      failAll(new Error(`The Satchel maintenance worker stopped unexpectedly (code ${code}).`)),
    );
    // Imports and backups in flight do not keep a closing process alive: close() ends them.
    created.unref();
    worker = created;
    return created;
  };

  const run = (job: MaintenanceJob, onProgress: (progress: OpenProgress) => void) =>
    new Promise<BackupOutcome | null>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { onProgress, resolve, reject });
      started().postMessage({ id, job } satisfies MaintenanceRequest);
    });

  return {
    async prepareBag(input, onProgress) {
      await run({ type: 'prepare-bag', input }, onProgress);
    },
    async backup(policy) {
      return (await run({ type: 'backup', policy }, () => {})) as BackupOutcome;
    },
    async close() {
      const running = worker;
      worker = null;
      if (running) await running.terminate();
      failAll(new Error('Satchel is closing.'));
    },
  };
}

function fromJobError(error: JobError): Error {
  return error.kind ? new SatchelError(error.kind, error.message, error.path) : new Error(error.message);
}
