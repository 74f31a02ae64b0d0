import crypto from 'node:crypto';
import type { Row as BagRow } from '../../../shared/bag.js';
import type { Bag, CatalogModel, FeatureTable } from '../bag/index.js';
import { highestVersion } from '../bag/index.js';
import { eq, type CatalogClient, type Row, type TableRef } from '../catalog/index.js';
import { groupBy, SatchelError } from '../common/index.js';
import type { StagedFiles } from '../regions/index.js';
import { assetDrift, commitAssets, planAssets, withAssetRids } from './assets.js';
import { CommitDriftError } from './errors.js';
import { existingTerms, findDrift } from './drift.js';
import { uploadedConfiguration } from './configuration.js';
import {
  STEP_ORDER,
  type CommitJournal,
  type CommitRecord,
  type CommitRow,
  type CommitStep,
} from './journal.js';
import { ExecutionStatus, formatDuration, lifecycleOf } from './lifecycle.js';
import { satchelWorkflow, WORKFLOW_TYPE, type WorkflowDescription } from './workflow.js';

/** deriva-ml inserts feature rows 500 to a request. */
export const ROWS_PER_INSERT = 500;
export const ML = 'deriva-ml';
/**
 * deriva-ml types configuration.json Deriva_Config and, like every file an execution outputs,
 * Output_File (execution.py `_register_init_metadata`; bag_commit.py adds the directional tag).
 */
const METADATA_TYPES = ['Deriva_Config', 'Output_File'];
const METADATA_DESCRIPTION =
  'Execution configuration (deriva-ml ExecutionConfiguration): the dataset version, workflow and description of this execution.';
const FAILED_MARK_TIMEOUT_MS = 5_000;

export interface StepContext {
  client: CatalogClient;
  journal: CommitJournal;
  bag: Bag;
  features: ReadonlyMap<string, FeatureTable>;
  appVersion: string;
  workflowName: string;
  rowsPerInsert: number;
  /** The workspace's staged files (drawings, attached files); null for a workspace without a folder. */
  staged: StagedFiles | null;
  /** Bytes per chunk of a Hatrac upload; undefined: deriva-py's 25 MiB. */
  chunkSize?: number;
  /** Milliseconds for Upload_Duration; Date.now unless a test pins it. */
  clock: () => number;
  signal?: AbortSignal;
  onProgress?: (progress: { step: CommitStep; done: number; total: number }) => void;
}

/** What a run has learned about its Execution row, kept for the caller that marks a failed run. */
export interface RunState {
  status: ExecutionStatus | null;
  /** When this run's upload phase began (Pending_Upload), for Upload_Duration. */
  uploadStart: number | null;
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
 * answer arrives, so a rerun never repeats a request the catalog acknowledged. A rerun first reads
 * the Execution's status, so a run that had failed walks Failed → Pending_Upload, as deriva-ml retries.
 */
export async function runSteps(context: StepContext, start: CommitRecord, run: RunState): Promise<void> {
  const { client, journal, signal } = context;
  const call = { signal };
  const live = await client.schema(null, call);
  const lifecycle = lifecycleOf(live);
  const { statuses } = lifecycle;
  if (reached(start, 'execution'))
    run.status = await ExecutionStatus.read(client, lifecycle, start.executionRid!, signal);
  const rows = journal.rows(start.id);
  if (!reached(start, 'features') || rows.some((row) => !row.inserted)) {
    const drift = [
      ...(await findDrift(client, live, context.features, rows, signal)),
      ...assetDrift(live, context.features, rows),
    ];
    if (drift.length > 0) throw new CommitDriftError(drift);
  }
  planAssets(context, start.id);
  const progress = (step: CommitStep, done = 0, total = 1) => context.onProgress?.({ step, done, total });
  let commit = start;
  const step = async (state: CommitStep, work: () => Promise<void>) => {
    if (reached(commit, state)) return;
    progress(state);
    await work();
    journal.advance(commit.id, state);
    commit = journal.get(commit.id);
  };
  const workflow = satchelWorkflow(context.workflowName, context.appVersion);

  await step('workflow', async () => {
    const workflowRid = await ensureWorkflow(client, live, workflow, signal);
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
          Status: statuses.created,
        },
      ],
      { nondefaults: ['RID'], onConflictSkip: true, idempotent: true, signal },
    );
    journal.link(commit.id, `${ML}:Execution`, commit.executionRid!);
  });
  const execution = commit.executionRid!;
  const status = (run.status ??= new ExecutionStatus(client, lifecycle, execution, statuses.created));
  const executionDuration = () => labelingDuration(journal, commit.id);
  const uploadDuration = () =>
    run.uploadStart === null ? null : formatDuration(context.clock() - run.uploadStart);
  if (status.current === statuses.pending) run.uploadStart = context.clock();
  if (status.current === statuses.failed) {
    await status.move(
      statuses.pending,
      `Uploading again after an interrupted attempt; ${sentCount(journal, commit.id)} feature values had been sent.`,
      { execution: executionDuration() },
      signal,
    );
    run.uploadStart = context.clock();
  }

  await step('running', async () => {
    if (status.current === statuses.created)
      await status.move(statuses.running, 'Committing labels made offline with Satchel.', {}, signal);
  });
  await step('inputs', async () => {
    const rid = await ensureDatasetExecution(client, live, context.bag, execution, signal);
    if (rid) journal.link(commit.id, `${ML}:Dataset_Execution`, rid);
  });
  const metadata = live.table(`${ML}:Execution_Metadata`);
  await step('metadata-file', async () => {
    if (!metadata) return;
    // The file is final from here on: the journal keeps the exact bytes the catalog gets.
    journal.setConfiguration(
      commit.id,
      uploadedConfiguration(commit.configuration, {
        workflow,
        workflowRid: commit.workflowRid!,
        workflowTypes: await workflowTypes(client, live, commit.workflowRid!, signal),
        executionRid: execution,
        rows: journal.rows(commit.id),
      }),
    );
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
    if (!metadataRid || !typeLink) return;
    const types = await existingTerms(client, live, `${ML}:Asset_Type`, METADATA_TYPES, signal);
    const rows = METADATA_TYPES.filter((type) => types.has(type)).map((type) => ({
      Execution_Metadata: metadataRid,
      Asset_Type: type,
    }));
    if (rows.length > 0)
      await client.insert(tableRef(typeLink.qualified), rows, {
        onConflictSkip: true,
        idempotent: true,
        signal,
      });
  });
  await step('stopped', async () => {
    if (statuses.stopped && status.current === statuses.running)
      await status.move(
        statuses.stopped,
        `Labeling done: ${journal.rowCounts(commit.id).total} feature values to upload.`,
        { execution: executionDuration() },
        signal,
      );
  });
  const files = journal.files(commit.id).length;
  await step('pending', async () => {
    if (status.current === statuses.pending) return;
    await status.move(
      statuses.pending,
      files > 0 ? `Uploading ${files} files and the feature values.` : 'Uploading feature values.',
      { execution: executionDuration() },
      signal,
    );
    run.uploadStart = context.clock();
  });
  await step('assets', () => commitAssets(context, commit.id, execution, progress));
  await step('features', () => insertFeatureRows(context, commit.id, execution, progress));
  await step('finishing', () =>
    status.move(
      statuses.uploaded,
      `${journal.rowCounts(commit.id).total} feature values committed by Satchel.`,
      { execution: executionDuration(), upload: uploadDuration() },
      signal,
    ),
  );
  journal.advance(commit.id, 'done');
}

/**
 * Marks the Execution Failed with the reason in Status_Detail, as deriva-ml does when a commit stops
 * (asset_upload.py, `commit_output_assets`), where its state machine allows it (from Running or
 * Pending_Upload); a later run walks it back through Pending_Upload. Best effort: the catalog may be
 * the very thing that is unreachable, so this never throws and gives up after 5 seconds.
 */
export async function markFailed(
  context: StepContext,
  commit: CommitRecord,
  run: RunState,
  detail: string,
): Promise<void> {
  const { status } = run;
  if (!status) return;
  const { statuses } = status.lifecycle;
  if (status.current === statuses.created || !status.lifecycle.allows(status.current, statuses.failed))
    return;
  try {
    await status.move(
      statuses.failed,
      detail,
      {
        execution: labelingDuration(context.journal, commit.id),
        upload:
          status.current === statuses.pending && run.uploadStart !== null
            ? formatDuration(context.clock() - run.uploadStart)
            : null,
      },
      AbortSignal.timeout(FAILED_MARK_TIMEOUT_MS),
    );
  } catch {
    // The failure itself is what the caller reports.
  }
}

/** How many of a commit's feature values the catalog acknowledged: "N of M". */
export function sentCount(journal: CommitJournal, commitId: number): string {
  const { total, inserted } = journal.rowCounts(commitId);
  return `${inserted} of ${total}`;
}

/** Execution_Duration: the labeling behind a commit's rows, from their first to their last change. */
function labelingDuration(journal: CommitJournal, commitId: number): string | null {
  const span = journal.labelingSpan(commitId);
  return span ? formatDuration(Date.parse(span.last) - Date.parse(span.first)) : null;
}

/** Reuses the Workflow with this URL (its Checksum derives from it), or inserts it. */
async function ensureWorkflow(
  client: CatalogClient,
  live: CatalogModel,
  workflow: WorkflowDescription,
  signal?: AbortSignal,
): Promise<string> {
  const table = tableRef(`${ML}:Workflow`);
  const found = await client.entities({ table, path: [eq('URL', workflow.url)] }, { signal });
  if (found[0]?.RID) return String(found[0].RID);
  const row: Row = {
    Name: workflow.name,
    Description: workflow.description,
    URL: workflow.url,
    Checksum: workflow.checksum,
  };
  if (live.table(`${ML}:Workflow`)?.columnByName.has('Version')) row.Version = workflow.version;
  return String((await client.insert(table, [row], { signal }))[0]!.RID);
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
    !(await existingTerms(client, live, `${ML}:Workflow_Type`, [WORKFLOW_TYPE], signal)).has(WORKFLOW_TYPE)
  )
    return;
  if ((await workflowTypes(client, live, workflowRid, signal)).includes(WORKFLOW_TYPE)) return;
  await client.insert(
    tableRef(typeLink.qualified),
    [{ Workflow: workflowRid, Workflow_Type: WORKFLOW_TYPE }],
    { onConflictSkip: true, idempotent: true, signal },
  );
}

/** The Workflow_Type terms the catalog links to the workflow. */
async function workflowTypes(
  client: CatalogClient,
  live: CatalogModel,
  workflowRid: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const typeLink = live.table(`${ML}:Workflow_Workflow_Type`);
  if (!typeLink) return [];
  const rows = await client.attributes(
    { table: tableRef(typeLink.qualified), path: [eq('Workflow', workflowRid)], columns: ['Workflow_Type'] },
    { signal },
  );
  return rows.map((row) => String(row.Workflow_Type)).sort();
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
        Description: METADATA_DESCRIPTION,
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
  const unsent = rows.filter((row) => !row.inserted);
  // Rows refreshed after the files were committed name new files: those are committed first.
  if (unsent.some((row) => withAssetRids(context, journal.files(commitId), row) === null))
    await commitAssets(context, commitId, execution, progress);
  const files = journal.files(commitId);
  const valuesOf = (row: CommitRow) => {
    const values = withAssetRids(context, files, row);
    if (!values)
      throw new SatchelError(
        'missing-file',
        `A file of ${row.target} was not committed, so its ${context.features.get(row.feature)!.name} row was not sent; committing again finishes it.`,
      );
    return values;
  };
  const total = rows.length;
  let done = rows.length - unsent.length;
  for (const [featureName, featureRows] of groupBy(unsent, (row) => row.feature)) {
    const feature = context.features.get(featureName)!;
    for (let start = 0; start < featureRows.length; start += context.rowsPerInsert) {
      const batch = featureRows.slice(start, start + context.rowsPerInsert);
      const body = batch.map((row) => ({
        RID: row.rid,
        Execution: execution,
        [feature.targetColumn]: row.target,
        Feature_Name: feature.name,
        ...valuesOf(row),
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
