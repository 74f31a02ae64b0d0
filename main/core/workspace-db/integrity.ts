import type Database from 'better-sqlite3';
import { isDatabaseDamage, SatchelError } from '../common/index.js';
import { DRAFT_CHECKSUM_FUNCTION, DRAFT_COLUMNS } from './checksum.js';

/**
 * What is checked when a workspace database opens, before anything is written to it:
 * - 'all': `PRAGMA quick_check` over the whole file;
 * - 'drafts': quick_check of every table but the label history (the largest table, needed only for
 *   undo, and checked in full with every backup), so opening stays fast on 100k drafts.
 * Both then recompute every draft's checksum and compare the drafts per bag, snapshot and feature
 * with label_tallies.
 */
export type CheckScope = 'all' | 'drafts';

const HISTORY_TABLE = 'label_history';

/**
 * The first sign of damage, as a short phrase, or null when the database is intact. Only reads.
 * `db` must have the workspace functions registered (registerWorkspaceFunctions).
 */
export function findDamage(db: Database.Database, scope: CheckScope): string | null {
  try {
    return quickCheck(db, scope) ?? draftProblem(db);
  } catch (error) {
    if (isDatabaseDamage(error)) return firstLine((error as Error).message);
    throw error;
  }
}

function quickCheck(db: Database.Database, scope: CheckScope): string | null {
  if (scope === 'all') return problemOf(db.pragma('quick_check(3)', { simple: false }));
  const tables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name != ? ORDER BY name")
    .pluck()
    .all(HISTORY_TABLE) as string[];
  for (const table of ['sqlite_schema', ...tables]) {
    const problem = problemOf(db.pragma(`quick_check('${table.replaceAll("'", "''")}')`, { simple: false }));
    if (problem) return problem;
  }
  return null;
}

function problemOf(rows: unknown): string | null {
  const messages = (rows as { quick_check: string }[]).map((row) => row.quick_check);
  if (messages.length === 1 && messages[0] === 'ok') return null;
  // quick_check heads its findings with "*** in database main ***"; the first finding says more.
  const findings = messages
    .flatMap((message) => message.split('\n'))
    .filter((line) => !line.startsWith('***'));
  return firstLine(findings[0] ?? 'quick_check found damage');
}

interface ScopeCount {
  bag_rid: string;
  snaptime: string;
  feature: string;
  drafts: number;
  checksums: number;
}

/** Draft rows that fail their checksum, or scopes whose drafts differ from what was written (label_tallies). */
function draftProblem(db: Database.Database): string | null {
  const hasTallies = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'label_tallies'")
    .get();
  if (!hasTallies) return null;
  const columns = DRAFT_COLUMNS.map((column) => `"${column}"`).join(', ');
  const found = db
    .prepare(
      `SELECT bag_rid, snaptime, feature, count(*) AS drafts, sum(checksum) AS checksums,
         sum(checksum IS NOT ${DRAFT_CHECKSUM_FUNCTION}(${columns})) AS mismatched
       FROM label_drafts GROUP BY bag_rid, snaptime, feature`,
    )
    .all() as (ScopeCount & { mismatched: number })[];
  const broken = found.find((scope) => scope.mismatched > 0);
  if (broken)
    return `${broken.mismatched} of the ${broken.drafts} drafts of ${broken.feature} in bag ${broken.bag_rid} do not match their checksum`;
  const written = db
    .prepare('SELECT bag_rid, snaptime, feature, drafts, checksums FROM label_tallies WHERE drafts != 0')
    .all() as ScopeCount[];
  const key = (scope: ScopeCount) => JSON.stringify([scope.bag_rid, scope.snaptime, scope.feature]);
  const readable = new Map(found.map((scope) => [key(scope), scope]));
  for (const tally of written) {
    const scope = readable.get(key(tally));
    readable.delete(key(tally));
    const count = scope?.drafts ?? 0;
    if (count !== tally.drafts)
      return `${count} drafts of ${tally.feature} in bag ${tally.bag_rid} can be read, but ${tally.drafts} were written`;
    if (scope?.checksums !== tally.checksums)
      return `the drafts of ${tally.feature} in bag ${tally.bag_rid} differ from the ones written`;
  }
  const unexpected = [...readable.values()][0];
  if (unexpected)
    return `${unexpected.drafts} drafts of ${unexpected.feature} in bag ${unexpected.bag_rid} were never written there`;
  return null;
}

function firstLine(text: string): string {
  const line = (text.split('\n')[0] ?? '').trim().replace(/\.$/, '');
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

/** The latest automatic backup, as the damage sentence offers it. */
export interface OfferedBackup {
  file: string;
  takenAt: Date;
  drafts: number;
}

/**
 * The one sentence for a damaged workspace: names the file and the damage, says nothing was written
 * and what to do next, offering the latest backup when there is one.
 */
export function workspaceDamaged(file: string, problem: string, backup: OfferedBackup | null): SatchelError {
  const restore = backup
    ? `, or "satchel workspace restore" to go back to the backup of ${formatTime(backup.takenAt)} (${backup.drafts} drafts)`
    : '';
  return new SatchelError(
    'workspace-damaged',
    `${file} is damaged (${problem}); Satchel stopped before writing to it and kept it as it is: run "satchel workspace check" to recover what can be read${restore}.`,
    file,
  );
}

export function formatTime(time: Date): string {
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
