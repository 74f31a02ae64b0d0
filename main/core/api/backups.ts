import {
  backupDue,
  changeMark,
  type BackupOutcome,
  type BackupPolicy,
  type WorkspaceDb,
} from '../workspace-db/index.js';

export interface BackupScheduleOptions {
  workspace: string;
  db: WorkspaceDb;
  policy: BackupPolicy;
  /** Makes one backup (in the maintenance worker). */
  run(policy: BackupPolicy): Promise<BackupOutcome>;
  /** The copy failed its full check: the workspace database itself is damaged. */
  onDamage(problem: string): void;
}

/**
 * The app's rolling backups: one when the workspace opens and then every `policy.intervalMs` while
 * drafts or commits change, never two at once. Each backup's full check (every page, every draft
 * checksum) is also the full check of the workspace that opening skips for speed.
 */
export function scheduleBackups(options: BackupScheduleOptions): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped || !backupDue(options.workspace, changeMark(options.db), options.policy)) return;
    running = options
      .run(options.policy)
      .then(
        (outcome) => {
          if (!outcome.ok) options.onDamage(outcome.problem);
        },
        (error: unknown) => {
          if (!stopped) console.error(`satchel: the workspace backup failed: ${(error as Error).message}`);
        },
      )
      .finally(() => (running = null));
  };
  tick();
  const timer = setInterval(tick, options.policy.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
