import path from 'node:path';
import { SatchelError } from '../core/common/index.js';
import {
  backupWorkspace,
  checkWorkspaceDb,
  formatTime,
  latestBackup,
  recoverWorkspaceDb,
  restoreWorkspaceDb,
  workspaceDbPath,
  type RecoveryReport,
} from '../core/workspace-db/index.js';
import { EXIT_PROBLEMS, parse } from './args.js';
import { workspaceFrom } from './databases.js';
import { printJson } from './output.js';

/**
 * `satchel workspace check|backup|restore`: the health of the workspace database. `check` reads
 * every page and every draft checksum; on damage it recovers what can be read into a new database
 * and names the latest backup. `restore` puts a backup (or a recovered database) in its place,
 * keeping the one it replaces.
 */
export async function workspaceCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, { from: { type: 'string' } });
  if (positionals.length > 0)
    throw new SatchelError('bad-argument', `"satchel workspace ${action}" takes no ${positionals[0]}.`);
  const workspace = workspaceFrom(values.workspace);
  const json = values.json === true;
  switch (action) {
    case 'check':
      return check(workspace, json);
    case 'backup':
      return backup(workspace, json);
    case 'restore':
      return restore(workspace, values.from, json);
    default:
      throw new SatchelError(
        'bad-argument',
        'Use "satchel workspace check", "satchel workspace backup" or "satchel workspace restore [--from FILE]".',
      );
  }
}

function check(workspace: string, json: boolean): number {
  const health = checkWorkspaceDb(workspace);
  const newest = health.backups[0] ?? null;
  if (health.problem === null) {
    if (json) printJson({ ok: true, file: health.file, drafts: health.drafts, backups: health.backups });
    else
      process.stdout.write(
        `${health.file} is intact: ${health.drafts} drafts; ${health.backups.length} backups${newest ? `, the latest of ${formatTime(newest.takenAt)}` : ''}.\n`,
      );
    return 0;
  }
  const recovered = recoverWorkspaceDb(health.file, workspace);
  const offered = latestBackup(workspace);
  if (json) printJson({ ok: false, file: health.file, problem: health.problem, recovered, backup: offered });
  else {
    process.stdout.write(
      `${health.file} is damaged (${health.problem}); Satchel does not write to it and keeps it as it is.\n` +
        `${describeRecovery(recovered)}\n` +
        (offered
          ? `The latest backup is ${offered.file} (${formatTime(offered.takenAt)}, ${offered.drafts} drafts).\n`
          : 'There is no backup of this workspace.\n') +
        'Put one in place with: satchel workspace restore --from FILE\n',
    );
  }
  return EXIT_PROBLEMS;
}

function describeRecovery(report: RecoveryReport): string {
  const written = report.drafts.written === null ? '' : ` of the ${report.drafts.written} written`;
  const lost =
    report.unreadable.length > 0 ? `; nothing could be read of ${report.unreadable.join(', ')}` : '';
  return (
    `Recovered into ${report.file}: ${report.drafts.recovered} drafts${written}, ` +
    `${report.rows.label_history ?? 0} history rows, ${report.rows.commits ?? 0} commits, ` +
    `${report.rows.recent_bags ?? 0} recent bags${lost}.`
  );
}

async function backup(workspace: string, json: boolean): Promise<number> {
  const file = workspaceDbPath(workspace);
  const health = checkWorkspaceDb(workspace);
  if (health.problem !== null)
    throw new SatchelError(
      'workspace-damaged',
      `${file} is damaged (${health.problem}), so it is not backed up; run "satchel workspace check".`,
      file,
    );
  const outcome = await backupWorkspace(workspace, file);
  if (!outcome.ok)
    throw new SatchelError(
      'workspace-damaged',
      `${file} is damaged (${outcome.problem}), so it is not backed up; run "satchel workspace check".`,
      file,
    );
  if (json) printJson({ file: outcome.backup.file, takenAt: outcome.backup.takenAt, drafts: outcome.drafts });
  else process.stdout.write(`Backed up ${file} to ${outcome.backup.file} (${outcome.drafts} drafts).\n`);
  return 0;
}

function restore(workspace: string, from: string | undefined, json: boolean): number {
  const file = workspaceDbPath(workspace);
  const source = from === undefined ? latestBackup(workspace)?.file : path.resolve(from);
  if (!source)
    throw new SatchelError(
      'missing-file',
      `${workspace} has no backup to restore; name one with --from FILE.`,
    );
  const report = restoreWorkspaceDb(source, file);
  if (json) printJson(report);
  else
    process.stdout.write(
      `Restored ${file} from ${report.restoredFrom} (${report.drafts} drafts)` +
        (report.replaced ? `; the database it replaced is kept as ${report.replaced}.\n` : '.\n'),
    );
  return 0;
}
