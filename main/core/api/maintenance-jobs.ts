import { openBag, type OpenProgress } from '../bag/index.js';
import { isSatchelError, type ProblemKind } from '../common/index.js';
import {
  backupWorkspace,
  workspaceDbPath,
  type BackupOutcome,
  type BackupPolicy,
} from '../workspace-db/index.js';

/** The long jobs that must never hold up labeling: importing a bag, backing up the workspace. */
export type MaintenanceJob =
  { type: 'prepare-bag'; input: string } | { type: 'backup'; policy: BackupPolicy };

/** An error as it crosses threads: a SatchelError keeps its kind and path. */
export interface JobError {
  kind: ProblemKind | null;
  message: string;
  path?: string;
}

export async function runJob(
  job: MaintenanceJob,
  workspace: string,
  onProgress: (progress: OpenProgress) => void,
): Promise<BackupOutcome | null> {
  switch (job.type) {
    case 'prepare-bag': {
      // Extracts a zip and imports the CSVs once; the labeling thread then opens the result at once.
      const bag = await openBag(job.input, { workspace, onProgress });
      bag.close();
      return null;
    }
    case 'backup':
      return backupWorkspace(workspace, workspaceDbPath(workspace), job.policy);
  }
}

export function toJobError(error: unknown): JobError {
  if (isSatchelError(error)) return { kind: error.kind, message: error.message, path: error.path };
  return { kind: null, message: error instanceof Error ? error.message : String(error) };
}
