import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { CatalogClient, eq, isCatalogError } from '../../main/core/catalog/index.js';
import { commitDrafts, CommitDriftError } from '../../main/core/commit/index.js';
import { LabelingSession, LabelStore } from '../../main/core/labels/index.js';
import { openWorkspaceDb, type WorkspaceDb } from '../../main/core/workspace-db/index.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { seedCatalogFromBag } from '../support/catalog-seed.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { buildMiniBag } from '../support/mini-bag.js';

const scratch = temporaryDirectory();
let bag: Bag;
let standIn: StandIn;
let db: WorkspaceDb;
let labeling: LabelingSession;
let workspaceCount = 0;

const cookie = (user: string) => ({ kind: 'cookie' as const, value: standIn.login(user) });
const catalogUrl = () => `${standIn.origin}/ermrest/catalog/1`;
const adminClient = () =>
  new CatalogClient(catalogUrl(), {
    credential: cookie('testadmin'),
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
  });

beforeAll(async () => {
  const bagDir = buildMiniBag(path.join(scratch.dir, 'bags'), {
    images: 12,
    labels: (index) => (index < 4 ? 'Cat' : undefined),
  });
  bag = await openBag(bagDir, { workspace: path.join(scratch.dir, 'bag-workspace') });
});
afterAll(() => {
  bag.close();
  scratch.cleanup();
});

beforeEach(async () => {
  standIn = await startStandIn({ seed: (server) => void seedCatalogFromBag(server, bag) });
  db = openWorkspaceDb(path.join(scratch.dir, `workspace-${++workspaceCount}`));
  labeling = new LabelingSession(bag, new LabelStore(db), 'Image/Label');
  labeling.store.set(
    labeling.scope,
    labeling.shape,
    ['I0', 'I1', 'I2'],
    { Label: 'Dog', Score: 0.75 },
    'ann',
  );
  labeling.store.set(labeling.scope, labeling.shape, ['I5'], { Label: 'Bird' }, 'ann');
});
afterEach(async () => {
  db.close();
  await standIn.close();
});

function commit(client = adminClient(), signal?: AbortSignal) {
  return commitDrafts({ client, db, bag, store: labeling.store, author: 'ann', appVersion: '0.1.0', signal });
}

async function featureRows(client: CatalogClient, execution: string) {
  return client.entities({
    table: { schema: 'lab', table: 'Execution_Image_Label' },
    path: [eq('Execution', execution)],
  });
}

describe('committing drafts as an execution', () => {
  it('creates the workflow, execution, input edge, metadata and feature rows, and reads back as deriva-ml would', async () => {
    const client = adminClient();
    const result = await commit(client);
    expect(result.alreadyCommitted).toBe(false);
    expect(result.inserted['lab:Execution_Image_Label']).toHaveLength(4);
    expect(result.chaiseUrl).toBe(
      `${standIn.origin}/chaise/record/#1/deriva-ml:Execution/RID=${result.executionRid}`,
    );
    const [execution] = await client.entities({
      table: { schema: 'deriva-ml', table: 'Execution' },
      path: [eq('RID', result.executionRid)],
    });
    // The mini catalog has no Execution_Status vocabulary: the legacy free-text statuses apply.
    expect(execution).toMatchObject({ Workflow: result.workflowRid, Status: 'Completed' });
    const rows = await featureRows(client, result.executionRid);
    expect(rows.map((row) => [row.Image, row.Label, row.Score, row.Feature_Name]).sort()).toEqual([
      ['I0', 'Dog', 0.75, 'Label'],
      ['I1', 'Dog', 0.75, 'Label'],
      ['I2', 'Dog', 0.75, 'Label'],
      ['I5', 'Bird', null, 'Label'],
    ]);
    // Newest wins: the new execution's rows are newer than the bag's E1 labels of I0..I2.
    const all = await client.entities({
      table: { schema: 'lab', table: 'Execution_Image_Label' },
      path: [eq('Image', 'I0')],
    });
    const newest = all.reduce((best, row) => (String(row.RCT) > String(best.RCT) ? row : best));
    expect(newest.Label).toBe('Dog');
    const inputs = await client.entities({
      table: { schema: 'deriva-ml', table: 'Dataset_Execution' },
      path: [eq('Execution', result.executionRid)],
    });
    expect(inputs.map((row) => row.Dataset)).toEqual([bag.rid]);
  });

  it('a second run sends nothing and answers the same RIDs', async () => {
    const first = await commit();
    const requestsBefore = standIn.requests.length;
    const second = await commit();
    expect(second).toEqual({ ...first, alreadyCommitted: true });
    expect(standIn.requests.slice(requestsBefore).filter((request) => request.method !== 'GET')).toEqual([]);
  });

  it('new labels after a commit go into a new execution, without resending the old ones', async () => {
    const first = await commit();
    labeling.store.set(labeling.scope, labeling.shape, ['I7'], { Label: 'Cat' }, 'ann');
    const second = await commit();
    expect(second.executionRid).not.toBe(first.executionRid);
    expect(second.inserted['lab:Execution_Image_Label']).toHaveLength(1);
    expect(second.workflowRid).toBe(first.workflowRid);
  });

  it('retries 5xx answers and finishes', async () => {
    standIn.failNext({
      method: 'POST',
      pathPrefix: '/ermrest/catalog/1/entity/lab:Execution_Image_Label',
      status: 503,
      times: 2,
    });
    const result = await commit();
    expect((await featureRows(adminClient(), result.executionRid)).length).toBe(4);
  });

  it('a connection cut mid-upload keeps the journal; running again finishes with one copy of each row', async () => {
    standIn.failNext({
      method: 'POST',
      pathPrefix: '/ermrest/catalog/1/entity/lab:Execution_Image_Label',
      dropConnection: true,
      dropAfterBytes: 20,
      times: 10,
    });
    await expect(commit()).rejects.toSatisfy(isCatalogError);
    expect(labeling.store.drafts(labeling.scope)).toHaveLength(4);
    standIn.clearFailures();
    const result = await commit();
    expect((await featureRows(adminClient(), result.executionRid)).length).toBe(4);
    const executions = await adminClient().entities({
      table: { schema: 'deriva-ml', table: 'Execution' },
      path: [eq('Workflow', result.workflowRid)],
    });
    expect(executions).toHaveLength(1);
  });

  it('401 without a login: nothing lost, sign in and resume', async () => {
    const error = await commit(new CatalogClient(catalogUrl())).catch((caught: unknown) => caught);
    expect(isCatalogError(error) && error.kind).toBe('auth-required');
    expect(labeling.store.drafts(labeling.scope)).toHaveLength(4);
    expect((await commit()).inserted['lab:Execution_Image_Label']).toHaveLength(4);
  });

  it('403 for a user who may only read', async () => {
    const error = await commit(new CatalogClient(catalogUrl(), { credential: cookie('testuser') })).catch(
      (caught: unknown) => caught,
    );
    expect(isCatalogError(error) && error.kind).toBe('forbidden');
    expect(labeling.store.drafts(labeling.scope)).toHaveLength(4);
  });

  it('409 foreign key (the bag dataset is gone from the catalog) stops the commit; drafts stay', async () => {
    const client = adminClient();
    await client.deleteEntity({ schema: 'lab', table: 'Dataset_Image' }, [eq('Dataset', bag.rid)]);
    await client.deleteEntity({ schema: 'deriva-ml', table: 'Dataset_Dataset' }, [eq('Dataset', bag.rid)]);
    await client.deleteEntity({ schema: 'deriva-ml', table: 'Dataset_Dataset_Type' }, [
      eq('Dataset', bag.rid),
    ]);
    await client.deleteEntity({ schema: 'deriva-ml', table: 'Dataset_Version' }, [eq('Dataset', bag.rid)]);
    await client.deleteEntity({ schema: 'deriva-ml', table: 'Dataset' }, [eq('RID', bag.rid)]);
    const error = await commit().catch((caught: unknown) => caught);
    expect(isCatalogError(error) && [error.kind, error.conflict]).toEqual(['conflict', 'foreign-key']);
    expect(labeling.store.drafts(labeling.scope)).toHaveLength(4);
  });

  it('409 duplicate from the catalog is reported as such', async () => {
    const client = adminClient();
    const [existing] = await client.entities({
      table: { schema: 'lab', table: 'Label' },
      path: [eq('Name', 'Cat')],
    });
    const error = await client
      .insert({ schema: 'lab', table: 'Label' }, [
        { ID: 'x:new', URI: '/id/new', Name: existing!.Name!, Description: 'again' },
      ])
      .catch((caught: unknown) => caught);
    expect(isCatalogError(error) && [error.kind, error.conflict]).toEqual(['conflict', 'duplicate']);
  });

  it('schema drift (a vocabulary term gone) is reported per draft and nothing is sent', async () => {
    const client = adminClient();
    await client.deleteEntity({ schema: 'lab', table: 'Label' }, [eq('Name', 'Bird')]);
    const before = standIn.requests.length;
    const error = await commit(client).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CommitDriftError);
    expect((error as CommitDriftError).drift).toEqual([
      {
        feature: 'lab:Execution_Image_Label',
        target: 'I5',
        reason: 'lab:Label no longer has the term Bird.',
      },
    ]);
    expect(standIn.requests.slice(before).filter((request) => request.method !== 'GET')).toEqual([]);
    expect(labeling.store.drafts(labeling.scope)).toHaveLength(4);
  });
});
