import type { Bag, FeatureTable } from '../bag/index.js';
import { anyOf, CatalogError, eq, isCatalogError, signedInAs, type CatalogClient } from '../catalog/index.js';
import { SatchelError } from '../common/index.js';
import type { LabelStore } from '../labels/index.js';
import type { WorkspaceDb } from '../workspace-db/index.js';
import {
  CommitJournal,
  rowKey,
  type CommitRecord,
  type CommitRow,
  type CommitScope,
  type CommitStep,
  type PlannedRow,
} from './journal.js';
import { plannedConfiguration } from './configuration.js';
import { acquireCommitLock } from './lock.js';
import { currentDrafts, pendingDrafts } from './pending.js';
import {
  markFailed,
  ML,
  ROWS_PER_INSERT,
  reached,
  runSteps,
  sentCount,
  tableRef,
  type RunState,
  type StepContext,
} from './steps.js';

/**
 * Commits a bag's drafts to a catalog as one provenance-tracked Execution, following deriva-ml's
 * sequence: Workflow (reused by URL), Execution (Created → Running → Stopped → Pending_Upload →
 * Uploaded with its durations, Failed when a run stops; or the legacy free-text statuses),
 * Dataset_Execution with the bag's Dataset_Version, deriva-ml's configuration.json as an
 * Execution_Metadata file, then the feature rows in batches with leased RIDs. The author is the
 * catalog's signed-in identity. Every step is recorded in the workspace journal and is idempotent, so
 * a commit killed or cancelled at any point finishes on the next run without duplicating a row; one
 * commit lock per bag and catalog keeps two commits from running at once.
 */
export interface CommitOptions {
  client: CatalogClient;
  db: WorkspaceDb;
  bag: Bag;
  store: LabelStore;
  appVersion: string;
  workflowName?: string;
  description?: string;
  /** Feature rows per insert request; default deriva-ml's 500. Smaller for servers with tight request limits. */
  rowsPerInsert?: number;
  /** Milliseconds for Upload_Duration (default Date.now). */
  clock?: () => number;
  /** Aborting it cancels the commit at its next request; the journal keeps it resumable. */
  signal?: AbortSignal;
  onProgress?: (progress: { step: CommitStep; done: number; total: number }) => void;
}

/** A label named in a result: the target and the feature's name. */
export interface LabelRef {
  feature: string;
  target: string;
}

/** What this call did with a commit an earlier run left unfinished. */
export type EarlierCommit =
  | {
      /** It never reached the catalog, so it was closed and its labels planned again from the current drafts. */
      outcome: 'replanned';
      error: string | null;
    }
  | {
      /** It had reached the catalog, so it was finished as saved, except for what changed and was not yet sent. */
      outcome: 'resumed';
      executionRid: string;
      /** Labels not yet sent that changed since: sent with their current value. */
      updated: LabelRef[];
      /** Labels not yet sent whose draft was cleared since: left out. */
      dropped: LabelRef[];
      /** Labels that changed after their earlier value had reached the catalog: the current value follows. */
      alreadySent: LabelRef[];
    };

export interface CommitResult {
  executionRid: string;
  workflowRid: string;
  /** RIDs this commit inserted (or found already inserted on resume), per table. */
  inserted: Record<string, string[]>;
  chaiseUrl: string;
  /** True when these drafts were already committed: nothing was sent. */
  alreadyCommitted: boolean;
  rows: number;
  earlier: EarlierCommit | null;
  /** Sentences for the person committing: what became of an earlier unfinished commit. */
  notes: string[];
}

export async function commitDrafts(options: CommitOptions): Promise<CommitResult> {
  const { client, bag, db } = options;
  const journal = new CommitJournal(db);
  const scope: CommitScope = {
    catalog: `${client.url.origin}/ermrest/catalog/${client.url.catalog}`,
    bagRid: bag.rid,
    snaptime: bag.identity.snaptime,
  };
  const features = new Map(bag.model.features.map((feature) => [feature.table.qualified, feature]));
  const context: StepContext = {
    client,
    journal,
    bag,
    features,
    appVersion: options.appVersion,
    workflowName: options.workflowName ?? 'Satchel offline labeling',
    rowsPerInsert: options.rowsPerInsert ?? ROWS_PER_INSERT,
    clock: options.clock ?? Date.now,
    signal: options.signal,
    onProgress: options.onProgress,
  };
  const drafts = () => currentDrafts(db, options.store, scope, features);
  const lock = acquireCommitLock(db, scope);
  try {
    let earlier: EarlierCommit | null = null;
    const unfinished = journal.latest(scope);
    if (unfinished && unfinished.state !== 'done' && unfinished.state !== 'replaced') {
      if (await reachedCatalog(client, unfinished, options.signal)) {
        earlier = {
          outcome: 'resumed',
          executionRid: unfinished.executionRid!,
          ...(await refreshUnsent(context, unfinished, drafts())),
        };
        await run(context, unfinished);
      } else {
        journal.replace(unfinished.id);
        earlier = { outcome: 'replanned', error: unfinished.error };
      }
    }
    const pending = pendingDrafts(drafts(), journal, scope);
    if (pending.length === 0) {
      if (earlier?.outcome === 'resumed')
        return resultOf(context, journal.get(unfinished!.id), false, earlier);
      const done = journal.latestDone(scope);
      if (done) return resultOf(context, done, true, earlier);
      throw new SatchelError('nothing-to-commit', `The bag ${bag.rid} has no draft labels to commit.`);
    }
    const author = await authorOf(client, options.signal);
    const description = options.description ?? `Labels made offline with Satchel by ${author}`;
    const report = bag.inspect();
    const configuration = plannedConfiguration({
      bag: {
        rid: bag.rid,
        version: report.version,
        snaptime: bag.identity.snaptime,
        format: report.format,
        materialized: report.materialized,
      },
      description,
      author,
      appVersion: options.appVersion,
    });
    const commit = journal.create({ ...scope, configuration, description }, pending);
    await run(context, commit);
    return resultOf(context, journal.get(commit.id), false, earlier);
  } catch (error) {
    if (isCatalogError(error) && error.kind === 'cancelled')
      throw new CatalogError(
        'cancelled',
        'The commit was cancelled; nothing is lost, and committing again finishes it.',
        { cause: error },
      );
    throw error;
  } finally {
    lock.release();
  }
}

/** One run of a commit's remaining steps; when it stops, the journal and the Execution say why. */
async function run(context: StepContext, commit: CommitRecord): Promise<void> {
  const state: RunState = { status: null, uploadStart: null };
  try {
    await runSteps(context, commit, state);
  } catch (error) {
    const message = (error as Error).message;
    context.journal.fail(commit.id, message);
    const sent = `${sentCount(context.journal, commit.id)} feature values`;
    await markFailed(
      context,
      commit,
      state,
      isCatalogError(error) && error.kind === 'cancelled'
        ? `Cancelled in Satchel after ${sent} were sent; committing again from Satchel sends the rest.`
        : `${message.replace(/\.$/, '')}; ${sent} were sent. Committing again from Satchel resumes this execution.`,
    );
    throw error;
  }
}

/** Who the catalog knows the committer as (GET /authn/session); a commit names its author, so it needs a sign-in. */
async function authorOf(client: CatalogClient, signal?: AbortSignal): Promise<string> {
  const author = await signedInAs(client.http, { signal });
  if (author === null)
    throw new CatalogError(
      'auth-required',
      `Sign in to ${new URL(client.url.origin).host} to commit: the catalog does not know who you are, and an execution names its author.`,
      { status: 404, path: '/authn/session' },
    );
  return author;
}

/**
 * Whether an unfinished commit left anything of its own in the catalog: its Execution row. (The
 * Workflow it may have made is shared by every commit with that name.)
 */
async function reachedCatalog(
  client: CatalogClient,
  commit: CommitRecord,
  signal?: AbortSignal,
): Promise<boolean> {
  if (reached(commit, 'execution')) return true;
  if (!commit.executionRid) return false;
  const found = await client.entities(
    { table: tableRef(`${ML}:Execution`), path: [eq('RID', commit.executionRid)] },
    { signal },
  );
  return found.length > 0;
}

/**
 * Before a commit is resumed: unsent rows whose draft changed take its current value, and rows whose
 * draft was cleared leave the commit. A row with a leased RID may have reached the catalog with its
 * answer lost; the catalog is asked, and such rows count as sent (their drafts go in the next commit).
 */
async function refreshUnsent(
  context: StepContext,
  commit: CommitRecord,
  drafts: Map<string, PlannedRow>,
): Promise<{ updated: LabelRef[]; dropped: LabelRef[]; alreadySent: LabelRef[] }> {
  const { journal } = context;
  const changed: { row: CommitRow; draft: PlannedRow }[] = [];
  const cleared: CommitRow[] = [];
  for (const row of journal.rows(commit.id).filter((candidate) => !candidate.inserted)) {
    const draft = drafts.get(rowKey(row));
    if (!draft) cleared.push(row);
    else if (
      row.historyId === null
        ? JSON.stringify(draft.values) !== JSON.stringify(row.values)
        : draft.historyId !== row.historyId
    )
      changed.push({ row, draft });
  }
  const present = await presentRids(context, [...changed.map((entry) => entry.row), ...cleared]);
  const sent = (row: CommitRow) => row.rid !== null && present.has(row.rid);
  journal.markInserted(commit.id, [...changed.map((entry) => entry.row), ...cleared].filter(sent));
  const updated = changed.filter((entry) => !sent(entry.row)).map((entry) => entry.draft);
  const dropped = cleared.filter((row) => !sent(row));
  journal.refreshRows(commit.id, updated, dropped);
  const ref = (row: { feature: string; target: string }) => labelRef(context.features, row);
  return {
    updated: updated.map(ref),
    dropped: dropped.map(ref),
    alreadySent: [...changed.map((entry) => entry.row), ...cleared].filter(sent).map(ref),
  };
}

/** Which of the rows' leased RIDs exist in their feature tables (one query per 200 RIDs). */
async function presentRids(context: StepContext, rows: CommitRow[]): Promise<Set<string>> {
  const present = new Set<string>();
  const leased = rows.filter((row) => row.rid !== null);
  for (const feature of new Set(leased.map((row) => row.feature))) {
    const rids = leased.filter((row) => row.feature === feature).map((row) => row.rid!);
    for (let start = 0; start < rids.length; start += 200) {
      const found = await context.client.attributes(
        {
          table: tableRef(feature),
          path: [anyOf('RID', rids.slice(start, start + 200))],
          columns: ['RID'],
        },
        { signal: context.signal },
      );
      for (const row of found) present.add(String(row.RID));
    }
  }
  return present;
}

function labelRef(
  features: ReadonlyMap<string, FeatureTable>,
  row: { feature: string; target: string },
): LabelRef {
  return { feature: features.get(row.feature)?.name ?? row.feature, target: row.target };
}

function resultOf(
  context: StepContext,
  commit: CommitRecord,
  alreadyCommitted: boolean,
  earlier: EarlierCommit | null,
): CommitResult {
  const { journal, client } = context;
  const rows = journal.rows(commit.id);
  const inserted = journal.links(commit.id);
  for (const row of rows) if (row.rid && row.inserted) (inserted[row.feature] ??= []).push(row.rid);
  const executionRid = commit.executionRid ?? '';
  return {
    executionRid,
    workflowRid: commit.workflowRid ?? '',
    inserted,
    chaiseUrl: `${client.url.origin}/chaise/record/#${client.url.catalog}/${ML}:Execution/RID=${executionRid}`,
    alreadyCommitted,
    rows: rows.length,
    earlier,
    notes: notesOf(earlier, executionRid, alreadyCommitted),
  };
}

function notesOf(earlier: EarlierCommit | null, executionRid: string, alreadyCommitted: boolean): string[] {
  if (!earlier) return [];
  const list = (labels: LabelRef[]) =>
    `${labels
      .slice(0, 5)
      .map((label) => `${label.target} (${label.feature})`)
      .join(', ')}${labels.length > 5 ? ` and ${labels.length - 5} more` : ''}`;
  if (earlier.outcome === 'replanned') {
    const why = earlier.error ? ` (${earlier.error.replace(/\.$/, '')})` : '';
    return [
      alreadyCommitted
        ? `An earlier attempt${why} never reached the catalog; its labels are no longer drafts, so nothing was sent.`
        : `An earlier attempt${why} never reached the catalog, so it was planned again from the current labels, author and description.`,
    ];
  }
  const notes = [`Finished the interrupted commit of Execution ${earlier.executionRid} as it was saved.`];
  if (earlier.updated.length > 0)
    notes.push(
      `${earlier.updated.length} label(s) changed before they were sent went with their current value: ${list(earlier.updated)}.`,
    );
  if (earlier.dropped.length > 0)
    notes.push(
      `${earlier.dropped.length} label(s) cleared before they were sent were left out: ${list(earlier.dropped)}.`,
    );
  if (earlier.alreadySent.length > 0)
    notes.push(
      `${earlier.alreadySent.length} label(s) had reached the catalog before they changed: ${list(earlier.alreadySent)}.`,
    );
  if (executionRid !== earlier.executionRid)
    notes.push(`Labels changed or added since went into a new Execution ${executionRid}.`);
  return notes;
}
