import crypto from 'node:crypto';
import type { Row as BagRow } from '../../../shared/bag.js';
import type { Bag, CatalogModel, FeatureTable } from '../bag/index.js';
import { highestVersion } from '../bag/index.js';
import { eq, type CatalogClient, type Row, type TableRef } from '../catalog/index.js';
import { groupBy } from '../common/index.js';
import { CommitDriftError } from './errors.js';
import { existingTerms, findDrift } from './drift.js';
import {
  STEP_ORDER,
  type CommitJournal,
  type CommitRecord,
  type CommitRow,
  type CommitStep,
} from './journal.js';

/** deriva-ml inserts feature rows 500 to a request. */
export const ROWS_PER_INSERT = 500;
export const ML = 'deriva-ml';

export interface StepContext {
  client: CatalogClient;
  journal: CommitJournal;
  bag: Bag;
  features: ReadonlyMap<string, FeatureTable>;
  appVersion: string;
  workflowName: string;
  rowsPerInsert: number;
  signal?: AbortSignal;
  onProgress?: (progress: { step: CommitStep; done: number; total: number }) => void;
}

export const tableRef = (qualified: string): TableRef => {
  const [schema, table] = qualified.split(':') as [string, string];
  return { schema, table };
};

export function reached(commit: CommitRecord, step: CommitStep): boolean {
  return commit.state !== 'replaced' && STEP_ORDER.indexOf(commit.state) >= STEP_ORDER.indexOf(step);
}

/**
 * Runs the steps `start` has not reached yet. Each step is one write to the catalog (or a few that
 * are each safe to repeat until the step is recorded), and the journal records it as soon as its
 * answer arrives, so a rerun never repeats a request the catalog acknowledged.
 */
export async function runSteps(context: StepContext, start: CommitRecord): Promise<void> {
  const { client, journal, signal } = context;
  const call = { signal };
  const live = await client.schema(null, call);
  const rows = journal.rows(start.id);
  if (!reached(start, 'features') || rows.some((row) => !row.inserted)) {
    const drift = await findDrift(client, live, context.features, rows, signal);
    if (drift.length > 0) throw new CommitDriftError(drift);
  }
  const statuses = live.table(`${ML}:Execution_Status`)
    ? { running: 'Running', pending: 'Pending_Upload', done: 'Uploaded' }
    : { running: 'Running', pending: 'Pending', done: 'Completed' };
  const progress = (step: CommitStep, done = 0, total = 1) => context.onProgress?.({ step, done, total });
  let commit = start;
  const step = async (state: CommitStep, work: () => Promise<void>) => {
    if (reached(commit, state)) return;
    progress(state);
    await work();
    journal.advance(commit.id, state);
    commit = journal.get(commit.id);
  };

  await step('workflow', async () => {
    const workflowRid = await ensureWorkflow(client, live, context.workflowName, context.appVersion, signal);
    journal.remember(commit.id, { workflowRid });
    commit = journal.get(commit.id);
  });
  await step('workflow-type', () => ensureWorkflowType(client, live, commit.workflowRid!, signal));
  await step('execution', async () => {
    if (!commit.executionRid) {
      journal.remember(commit.id, { executionRid: (await client.leaseRids(1, call))[0]! });
      commit = journal.get(commit.id);
    }
    await client.insert(
      tableRef(`${ML}:Execution`),
      [
        {
          RID: commit.executionRid,
          Workflow: commit.workflowRid,
          Description: commit.description,
          Status: 'Created',
        },
      ],
      { nondefaults: ['RID'], onConflictSkip: true, idempotent: true, signal },
    );
    journal.link(commit.id, `${ML}:Execution`, commit.executionRid!);
  });
  const execution = commit.executionRid!;
  const setStatus = (status: string, detail: string) =>
    client
      .update(
        tableRef(`${ML}:Execution`),
        ['RID'],
        ['Status', 'Status_Detail'],
        [{ RID: execution, Status: status, Status_Detail: detail }],
        call,
      )
      .then(() => undefined);

  await step('running', () => setStatus(statuses.running, 'Committing labels made offline with Satchel.'));
  await step('inputs', async () => {
    const rid = await ensureDatasetExecution(client, live, context.bag, execution, signal);
    if (rid) journal.link(commit.id, `${ML}:Dataset_Execution`, rid);
  });
  const metadata = live.table(`${ML}:Execution_Metadata`);
  await step('metadata-file', async () => {
    if (!metadata) return;
    // The file is final from here on: the journal keeps the exact bytes the catalog gets.
    journal.setConfiguration(commit.id, configurationText(commit, journal.rows(commit.id)));
    commit = journal.get(commit.id);
    const file = configurationFile(commit);
    await client.hatrac.putObject(file.url, file.bytes, {
      skipIfPresent: true,
      contentType: 'application/json',
      filename: 'configuration.json',
      parents: true,
      signal,
    });
  });
  await step('metadata', async () => {
    if (!metadata) return;
    const rid = await ensureMetadataRow(
      client,
      tableRef(metadata.qualified),
      configurationFile(commit),
      signal,
    );
    journal.link(commit.id, `${ML}:Execution_Metadata`, rid);
  });
  const metadataRid = journal.links(commit.id)[`${ML}:Execution_Metadata`]?.[0];
  await step('metadata-role', async () => {
    const roleLink = live.table(`${ML}:Execution_Metadata_Execution`);
    if (!metadataRid || !roleLink) return;
    const row: Row = { Execution_Metadata: metadataRid, Execution: execution };
    if (roleLink.columnByName.has('Asset_Role')) row.Asset_Role = 'Output';
    await client.insert(tableRef(roleLink.qualified), [row], {
      onConflictSkip: true,
      idempotent: true,
      signal,
    });
  });
  await step('metadata-type', async () => {
    const typeLink = live.table(`${ML}:Execution_Metadata_Asset_Type`);
    if (
      !metadataRid ||
      !typeLink ||
      !(await existingTerms(client, live, `${ML}:Asset_Type`, ['Deriva_Config'], signal)).has('Deriva_Config')
    )
      return;
    await client.insert(
      tableRef(typeLink.qualified),
      [{ Execution_Metadata: metadataRid, Asset_Type: 'Deriva_Config' }],
      { onConflictSkip: true, idempotent: true, signal },
    );
  });
  await step('pending', () => setStatus(statuses.pending, 'Uploading feature values.'));
  await step('features', () => insertFeatureRows(context, commit.id, execution, progress));
  await step('finishing', () =>
    setStatus(statuses.done, `${journal.rows(commit.id).length} feature values committed by Satchel.`),
  );
  journal.advance(commit.id, 'done');
}

/** Finds the Workflow with Satchel's URL for this name, or inserts it. */
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
  const row: Row = {
    Name: name,
    Description: 'Feature values labeled offline in Satchel and committed from a dataset bag.',
    URL: url,
    Checksum: crypto.createHash('sha256').update(url).digest('hex'),
  };
  if (live.table(`${ML}:Workflow`)?.columnByName.has('Version')) row.Version = appVersion;
  return String((await client.insert(workflow, [row], { signal }))[0]!.RID);
}

/** Types the workflow Feature_Creation where the catalog has that term and it is not typed so yet. */
async function ensureWorkflowType(
  client: CatalogClient,
  live: CatalogModel,
  workflowRid: string,
  signal?: AbortSignal,
): Promise<void> {
  const typeLink = live.table(`${ML}:Workflow_Workflow_Type`);
  if (
    !typeLink ||
    !(await existingTerms(client, live, `${ML}:Workflow_Type`, ['Feature_Creation'], signal)).has(
      'Feature_Creation',
    )
  )
    return;
  const typed = await client.entities(
    {
      table: tableRef(typeLink.qualified),
      path: [eq('Workflow', workflowRid), eq('Workflow_Type', 'Feature_Creation')],
    },
    { signal },
  );
  if (typed.length > 0) return;
  await client.insert(
    tableRef(typeLink.qualified),
    [{ Workflow: workflowRid, Workflow_Type: 'Feature_Creation' }],
    { onConflictSkip: true, idempotent: true, signal },
  );
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

/**
 * configuration.json as uploaded: the plan frozen in the journal (author, description, bag), the rows
 * this execution sends per feature, and the workflow and execution it belongs to, so every Execution
 * has its own file and its own Execution_Metadata row.
 */
export function configurationText(commit: CommitRecord, rows: CommitRow[]): string {
  const features: Record<string, number> = {};
  for (const row of rows) features[row.feature] = (features[row.feature] ?? 0) + 1;
  const plan = JSON.parse(commit.configuration) as Record<string, unknown>;
  return `${JSON.stringify(
    { ...plan, features, rows: rows.length, workflow: commit.workflowRid, execution: commit.executionRid },
    null,
    2,
  )}\n`;
}

/** The uploaded configuration.json of a commit and its Hatrac path (named by its MD5, as deriva-ml names assets). */
function configurationFile(commit: CommitRecord): { bytes: Buffer; md5: string; url: string } {
  const bytes = Buffer.from(commit.configuration);
  const md5 = crypto.createHash('md5').update(bytes).digest('hex');
  return { bytes, md5, url: `/hatrac/Execution_Metadata/${md5}.configuration.json` };
}

/** The Execution_Metadata row of this file (its URL is a key), found before made. */
async function ensureMetadataRow(
  client: CatalogClient,
  table: TableRef,
  file: { bytes: Buffer; md5: string; url: string },
  signal?: AbortSignal,
): Promise<string> {
  const find = async () =>
    (await client.entities({ table, path: [eq('URL', file.url)] }, { signal }))[0]?.RID;
  const existing = await find();
  if (existing) return String(existing);
  const [inserted] = await client.insert(
    table,
    [
      {
        URL: file.url,
        Filename: 'configuration.json',
        Length: file.bytes.length,
        MD5: file.md5,
        Description: 'Satchel commit configuration',
      },
    ],
    { onConflictSkip: true, idempotent: true, signal },
  );
  return String(inserted?.RID ?? (await find()));
}

/** Leases a RID per row (stored before sending), then inserts the rows not yet acknowledged. */
async function insertFeatureRows(
  context: StepContext,
  commitId: number,
  execution: string,
  progress: (step: CommitStep, done: number, total: number) => void,
): Promise<void> {
  const { client, journal, signal } = context;
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
    const feature = context.features.get(featureName)!;
    for (let start = 0; start < featureRows.length; start += context.rowsPerInsert) {
      const batch = featureRows.slice(start, start + context.rowsPerInsert);
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
