import crypto from 'node:crypto';
import type { Row as BagRow } from '../../../shared/bag.js';
import type { Bag, CatalogModel, FeatureTable } from '../bag/index.js';
import { highestVersion } from '../bag/index.js';
import { eq, type CatalogClient, type Row, type TableRef } from '../catalog/index.js';
import { SatchelError, groupBy } from '../common/index.js';
import type { LabelStore } from '../labels/index.js';
import type { WorkspaceDb } from '../workspace-db/index.js';
import { existingTerms, findDrift, type Drift } from './drift.js';
import { CommitJournal, STATE_ORDER, type CommitRecord, type CommitState } from './journal.js';

export type { Drift } from './drift.js';

/**
 * Commits a bag's drafts to a catalog as one provenance-tracked Execution, following deriva-ml's
 * sequence: Workflow (reused by URL), Execution (Created → Running → Pending_Upload → Uploaded, or
 * the legacy free-text statuses), Dataset_Execution with the bag's Dataset_Version, a
 * configuration.json Execution_Metadata file, then the feature rows in batches with leased RIDs.
 * Every step is recorded in the workspace journal first and is idempotent, so a commit killed at
 * any point finishes on the next run without duplicating a row.
 */
export interface CommitOptions {
  client: CatalogClient;
  db: WorkspaceDb;
  bag: Bag;
  store: LabelStore;
  author: string;
  appVersion: string;
  workflowName?: string;
  description?: string;
  signal?: AbortSignal;
  onProgress?: (progress: { step: CommitState; done: number; total: number }) => void;
}

export interface CommitResult {
  executionRid: string;
  workflowRid: string;
  /** RIDs this commit inserted (or found already inserted on resume), per table. */
  inserted: Record<string, string[]>;
  chaiseUrl: string;
  /** True when these drafts were already committed: nothing was sent. */
  alreadyCommitted: boolean;
  rows: number;
}

export class CommitDriftError extends SatchelError {
  constructor(readonly drift: Drift[]) {
    const first = drift[0]!;
    super(
      'schema-drift',
      `The catalog changed since the bag was made, so nothing was sent: ${drift.length} draft(s) cannot be committed, e.g. ${first.target}: ${first.reason}`,
    );
  }
}

const ROWS_PER_INSERT = 500;
const ML = 'deriva-ml';
const tableRef = (qualified: string): TableRef => {
  const [schema, table] = qualified.split(':') as [string, string];
  return { schema, table };
};

export async function commitDrafts(options: CommitOptions): Promise<CommitResult> {
  const { client, bag } = options;
  const journal = new CommitJournal(options.db);
  const catalog = `${client.url.origin}/ermrest/catalog/${client.url.catalog}`;
  const features = new Map(bag.model.features.map((feature) => [feature.table.qualified, feature]));
  const latest = journal.latest(catalog, bag.rid, bag.identity.snaptime);
  let commit: CommitRecord;
  if (latest && latest.state !== 'done') {
    commit = latest;
  } else {
    const pending = uncommittedDrafts(options, journal, catalog, features);
    if (pending.length === 0) {
      if (latest) return resultOf(journal, latest, client, true);
      throw new SatchelError('nothing-to-commit', `The bag ${bag.rid} has no draft labels to commit.`);
    }
    const description = options.description ?? `Labels made offline with Satchel by ${options.author}`;
    const configuration = configurationJson(options, pending, description);
    commit = journal.create(
      { catalog, bagRid: bag.rid, snaptime: bag.identity.snaptime, configuration, description },
      pending,
    );
  }
  try {
    await runSteps(options, journal, commit, features);
  } catch (error) {
    journal.fail(commit.id, (error as Error).message);
    throw error;
  }
  return resultOf(journal, journal.get(commit.id), client, false);
}

/** Drafts not already sent by an earlier finished commit of this bag to this catalog. */
function uncommittedDrafts(
  options: CommitOptions,
  journal: CommitJournal,
  catalog: string,
  features: Map<string, FeatureTable>,
) {
  const scope = { bagRid: options.bag.rid, snaptime: options.bag.identity.snaptime };
  const sent = new Set<string>();
  for (const id of journal.finishedIds(catalog, scope.bagRid, scope.snaptime)) {
    for (const row of journal.rows(id)) sent.add(JSON.stringify([row.feature, row.target, row.values]));
  }
  return options.store
    .drafts(scope)
    .filter((draft) => features.has(draft.feature))
    .map((draft) => ({ feature: draft.feature, target: draft.target, values: draft.values }))
    .filter((row) => !sent.has(JSON.stringify([row.feature, row.target, row.values])));
}

function configurationJson(options: CommitOptions, rows: { feature: string }[], description: string): string {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[row.feature] = (counts[row.feature] ?? 0) + 1;
  const report = options.bag.inspect();
  return `${JSON.stringify(
    {
      app: 'Satchel',
      app_version: options.appVersion,
      author: options.author,
      description,
      bag: {
        rid: options.bag.rid,
        version: report.version,
        snaptime: options.bag.identity.snaptime,
        format: report.format,
      },
      features: counts,
      rows: rows.length,
    },
    null,
    2,
  )}\n`;
}

function reached(commit: CommitRecord, state: CommitState): boolean {
  return STATE_ORDER.indexOf(commit.state) >= STATE_ORDER.indexOf(state);
}

async function runSteps(
  options: CommitOptions,
  journal: CommitJournal,
  start: CommitRecord,
  features: Map<string, FeatureTable>,
): Promise<void> {
  const { client, signal } = options;
  const call = { signal };
  const live = await client.schema(null, call);
  const rows = journal.rows(start.id);
  if (!reached(start, 'features') || rows.some((row) => !row.inserted)) {
    const drift = await findDrift(client, live, features, rows, signal);
    if (drift.length > 0) throw new CommitDriftError(drift);
  }
  const statuses = live.table(`${ML}:Execution_Status`)
    ? { running: 'Running', pending: 'Pending_Upload', done: 'Uploaded' }
    : { running: 'Running', pending: 'Pending', done: 'Completed' };
  const progress = (step: CommitState, done = 0, total = 1) => options.onProgress?.({ step, done, total });
  let commit = start;
  const step = async (state: CommitState, work: () => Promise<void>) => {
    if (reached(commit, state)) return;
    progress(state);
    await work();
    journal.advance(commit.id, state);
    commit = journal.get(commit.id);
  };

  await step('workflow', async () => {
    journal.advance(commit.id, commit.state, {
      workflowRid: await ensureWorkflow(
        client,
        live,
        options.workflowName ?? 'Satchel offline labeling',
        options.appVersion,
        signal,
      ),
    });
    commit = journal.get(commit.id);
  });
  await step('execution', async () => {
    const executionRid = commit.executionRid ?? (await client.leaseRids(1, call))[0]!;
    journal.advance(commit.id, commit.state, { executionRid });
    await client.insert(
      tableRef(`${ML}:Execution`),
      [
        {
          RID: executionRid,
          Workflow: commit.workflowRid,
          Description: commit.description,
          Status: 'Created',
        },
      ],
      { nondefaults: ['RID'], onConflictSkip: true, idempotent: true, signal },
    );
    journal.link(commit.id, `${ML}:Execution`, executionRid);
  });
  const execution = journal.get(commit.id).executionRid!;
  const setStatus = (status: string, detail: string) =>
    client.update(
      tableRef(`${ML}:Execution`),
      ['RID'],
      ['Status', 'Status_Detail'],
      [{ RID: execution, Status: status, Status_Detail: detail }],
      call,
    );

  await step('running', () =>
    setStatus(statuses.running, 'Committing labels made offline with Satchel.').then(() => undefined),
  );
  await step('inputs', async () => {
    const rid = await ensureDatasetExecution(client, live, options.bag, execution, signal);
    if (rid) journal.link(commit.id, `${ML}:Dataset_Execution`, rid);
  });
  await step('metadata', async () => {
    const rid = await ensureConfigurationFile(client, live, commit.configuration, execution, signal);
    if (rid) journal.link(commit.id, `${ML}:Execution_Metadata`, rid);
    await setStatus(statuses.pending, 'Uploading feature values.');
  });
  await step('features', () => insertFeatureRows(options, journal, commit.id, execution, features, progress));
  await step('finishing', async () => {
    await setStatus(statuses.done, `${rows.length} feature values committed by Satchel.`);
  });
  journal.advance(commit.id, 'done');
}

/** Reuses the Workflow with Satchel's URL for this name, or inserts it (with type Feature_Creation when known). */
async function ensureWorkflow(
  client: CatalogClient,
  live: CatalogModel,
  name: string,
  appVersion: string,
  signal?: AbortSignal,
): Promise<string> {
  const url = `urn:satchel:workflow:${encodeURIComponent(name)}`;
  const workflow = tableRef(`${ML}:Workflow`);
  const found = await client.entities({ table: workflow, path: [eq('URL', url)] }, { signal });
  if (found[0]?.RID) return String(found[0].RID);
  const checksum = crypto.createHash('sha256').update(url).digest('hex');
  const row: Row = {
    Name: name,
    Description: 'Feature values labeled offline in Satchel and committed from a dataset bag.',
    URL: url,
    Checksum: checksum,
  };
  if (live.table(`${ML}:Workflow`)?.columnByName.has('Version')) row.Version = appVersion;
  const inserted = await client.insert(workflow, [row], { signal });
  const rid = String(inserted[0]!.RID);
  const typeLink = live.table(`${ML}:Workflow_Workflow_Type`);
  if (
    typeLink &&
    (await existingTerms(client, live, `${ML}:Workflow_Type`, ['Feature_Creation'], signal)).has(
      'Feature_Creation',
    )
  ) {
    await client.insert(
      tableRef(typeLink.qualified),
      [{ Workflow: rid, Workflow_Type: 'Feature_Creation' }],
      { onConflictSkip: true, idempotent: true, signal },
    );
  }
  return rid;
}

/** The input edge: Dataset_Execution with the bag's Dataset_Version where the catalog has that column. */
async function ensureDatasetExecution(
  client: CatalogClient,
  live: CatalogModel,
  bag: Bag,
  execution: string,
  signal?: AbortSignal,
): Promise<string | null> {
  const link = live.table(`${ML}:Dataset_Execution`);
  if (!link) return null;
  const row: Row = { Dataset: bag.rid, Execution: execution };
  if (link.columnByName.has('Dataset_Version')) row.Dataset_Version = datasetVersionRid(bag);
  const ref = tableRef(link.qualified);
  await client.insert(ref, [row], { onConflictSkip: true, idempotent: true, signal });
  const found = await client.entities(
    { table: ref, path: [eq('Dataset', bag.rid), eq('Execution', execution)] },
    { signal },
  );
  return found[0]?.RID ? String(found[0].RID) : null;
}

function datasetVersionRid(bag: Bag): string | null {
  const rows = bag.rows(`${ML}:Dataset_Version`, {
    filters: [{ column: 'Dataset', equals: bag.rid }],
    limit: 5000,
  }).rows;
  const version = highestVersion(rows.map((row: BagRow) => String(row.Version ?? '')).filter(Boolean));
  const row = rows.find((candidate: BagRow) => candidate.Version === version);
  return row ? String(row.RID) : null;
}

/** configuration.json as an Execution_Metadata asset (Hatrac + row + links), each found before made. */
async function ensureConfigurationFile(
  client: CatalogClient,
  live: CatalogModel,
  configuration: string,
  execution: string,
  signal?: AbortSignal,
): Promise<string | null> {
  const metadata = live.table(`${ML}:Execution_Metadata`);
  if (!metadata) return null;
  const bytes = Buffer.from(configuration);
  const md5 = crypto.createHash('md5').update(bytes).digest('hex');
  const url = `/hatrac/Execution_Metadata/${md5}.configuration.json`;
  await client.hatrac.putObject(url, bytes, {
    skipIfPresent: true,
    contentType: 'application/json',
    filename: 'configuration.json',
    parents: true,
    signal,
  });
  const ref = tableRef(metadata.qualified);
  let rid = (await client.entities({ table: ref, path: [eq('URL', url)] }, { signal }))[0]?.RID;
  if (!rid) {
    const inserted = await client.insert(
      ref,
      [
        {
          URL: url,
          Filename: 'configuration.json',
          Length: bytes.length,
          MD5: md5,
          Description: 'Satchel commit configuration',
        },
      ],
      { onConflictSkip: true, idempotent: true, signal },
    );
    rid =
      inserted[0]?.RID ?? (await client.entities({ table: ref, path: [eq('URL', url)] }, { signal }))[0]?.RID;
  }
  const metadataRid = String(rid);
  const roleLink = live.table(`${ML}:Execution_Metadata_Execution`);
  if (roleLink) {
    const row: Row = { Execution_Metadata: metadataRid, Execution: execution };
    if (roleLink.columnByName.has('Asset_Role')) row.Asset_Role = 'Output';
    await client.insert(tableRef(roleLink.qualified), [row], {
      onConflictSkip: true,
      idempotent: true,
      signal,
    });
  }
  const typeLink = live.table(`${ML}:Execution_Metadata_Asset_Type`);
  if (
    typeLink &&
    (await existingTerms(client, live, `${ML}:Asset_Type`, ['Deriva_Config'], signal)).has('Deriva_Config')
  ) {
    await client.insert(
      tableRef(typeLink.qualified),
      [{ Execution_Metadata: metadataRid, Asset_Type: 'Deriva_Config' }],
      { onConflictSkip: true, idempotent: true, signal },
    );
  }
  return metadataRid;
}

/** Leases a RID per row (stored before sending), then inserts the rows not yet acknowledged. */
async function insertFeatureRows(
  options: CommitOptions,
  journal: CommitJournal,
  commitId: number,
  execution: string,
  features: Map<string, FeatureTable>,
  progress: (step: CommitState, done: number, total: number) => void,
): Promise<void> {
  const { client, signal } = options;
  let rows = journal.rows(commitId);
  const unleased = rows.filter((row) => !row.rid);
  if (unleased.length > 0) {
    const rids = await client.leaseRids(unleased.length, { signal });
    journal.assignRids(
      commitId,
      unleased.map((row, index) => ({ feature: row.feature, target: row.target, rid: rids[index]! })),
    );
    rows = journal.rows(commitId);
  }
  const total = rows.length;
  let done = rows.filter((row) => row.inserted).length;
  for (const [featureName, featureRows] of groupBy(
    rows.filter((row) => !row.inserted),
    (row) => row.feature,
  )) {
    const feature = features.get(featureName)!;
    for (let start = 0; start < featureRows.length; start += ROWS_PER_INSERT) {
      const batch = featureRows.slice(start, start + ROWS_PER_INSERT);
      const body = batch.map((row) => ({
        RID: row.rid,
        Execution: execution,
        [feature.targetColumn]: row.target,
        Feature_Name: feature.name,
        ...row.values,
      }));
      await client.insert(tableRef(feature.table.qualified), body, {
        nondefaults: ['RID'],
        onConflictSkip: true,
        idempotent: true,
        signal,
      });
      journal.markInserted(commitId, batch);
      done += batch.length;
      progress('features', done, total);
    }
  }
}

function resultOf(
  journal: CommitJournal,
  commit: CommitRecord,
  client: CatalogClient,
  alreadyCommitted: boolean,
): CommitResult {
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
  };
}
