// Committing drafts of the sample world's bag to the stand-in serving the same world, in process:
// what each commit sends, in which order, what it leaves in the catalog, and how it resumes.
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { eq, isCatalogError, type CatalogClient } from '../../main/core/catalog/index.js';
import {
  commitDrafts,
  CommitDriftError,
  formatDuration,
  ROWS_PER_INSERT,
  type CommitOptions,
  type CommitResult,
} from '../../main/core/commit/index.js';
import { isSatchelError } from '../../main/core/common/index.js';
import { LabelStore } from '../../main/core/labels/index.js';
import { openWorkspaceDb, type WorkspaceDb } from '../../main/core/workspace-db/index.js';
import type { StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import {
  clientAs,
  featureBatches,
  historyOf,
  imagesAt100,
  label,
  labelers,
  repeatedAcknowledged,
  rowsOf,
  startWorldStandIn,
  subjectsAt100,
  type Labelers,
} from '../support/commit-world.js';
import { readExecutionConfiguration } from '../support/execution-configuration.js';
import { temporaryDirectory } from '../support/fixtures.js';

const bags = generatedBags();
const facts = bags.facts;
const domain = facts.schemas.domain;
const DIGIT = `${domain}:Execution_Image_Digit`;
const QUALITY = `${domain}:Execution_Image_Quality`;
const HAND = `${domain}:Subject_Handedness`;
const WORKFLOW_URL = 'urn:satchel:workflow:Satchel%20offline%20labeling@0.1.0';
const HEAD_WALK = ['Created', 'Running', 'Stopped', 'Pending_Upload', 'Uploaded'];
/** When the labels of a test were made: the store's clock, moved by the test. */
const LABELING_STARTS = Date.parse('2026-03-02T09:00:00.000Z');
const images = imagesAt100(facts);
const subjects = subjectsAt100(facts);
const scratch = temporaryDirectory('satchel-commit-');
let bag: Bag;
let standIn: StandIn;
let db: WorkspaceDb;
let store: LabelStore;
let on: Labelers;
let admin: CatalogClient;
let workspaceCount = 0;
let labeledAt = LABELING_STARTS;

beforeAll(async () => {
  bag = await openBag(bags.formatB, { workspace: path.join(scratch.dir, 'bag-workspace') });
});
afterAll(() => {
  bag.close();
  scratch.cleanup();
});
beforeEach(async () => {
  standIn = await startWorldStandIn();
  db = openWorkspaceDb(path.join(scratch.dir, `workspace-${++workspaceCount}`));
  labeledAt = LABELING_STARTS;
  store = new LabelStore(db, () => new Date(labeledAt).toISOString());
  on = labelers(bag, store);
  admin = clientAs(standIn, 'testadmin');
});
afterEach(async () => {
  db.close();
  await standIn.close();
});

function commit(options: Partial<CommitOptions> = {}): Promise<CommitResult> {
  return commitDrafts({ client: admin, db, bag, store, appVersion: '0.1.0', ...options });
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => new Error('expected a failure'),
    (error: unknown) => error,
  );
const writesSince = (start: number) =>
  standIn.requests.slice(start).filter((request) => request.method !== 'GET' && request.method !== 'HEAD');
const executionsOfSatchel = async () => {
  const [workflow] = await rowsOf(admin, 'deriva-ml:Workflow', ['URL', WORKFLOW_URL]);
  return workflow ? rowsOf(admin, 'deriva-ml:Execution', ['Workflow', String(workflow.RID)]) : [];
};
/** Feature rows of one execution as [target, values...] sorted by target. */
const valuesOf = async (table: string, execution: string, columns: string[]) =>
  (await rowsOf(admin, table, ['Execution', execution]))
    .map((row) => [row[table === HAND ? 'Subject' : 'Image'], ...columns.map((column) => row[column])])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
const draftCount = () => store.drafts({ bagRid: bag.rid, snaptime: bag.identity.snaptime }).length;

describe('committing drafts of the sample world as an execution', () => {
  it('creates workflow, execution, input edge, configuration.json and feature rows; the status walks Created → Running → Stopped → Pending_Upload → Uploaded with deriva-ml durations', async () => {
    // Labeled from 09:00:00.000 to 10:02:03.250; the upload takes 1 min 23.456 s on the commit's clock.
    label(on.digit, images.slice(0, 3), { Digit: '7', Confidence: 0.5 });
    labeledAt = LABELING_STARTS + 20 * 60_000;
    label(on.digit, [images[5]!], { Digit: '1' });
    labeledAt = LABELING_STARTS + 3_723_250;
    label(on.quality, [images[0]!], { Image_Quality: 'Blurry', Stroke_Width: 'Bold' });
    label(on.hand, [subjects[0]!], { Handedness: 'Left' });
    let clock = 1_000_000;
    const result = await commit({
      clock: () => clock,
      onProgress: ({ step }) => {
        if (step === 'finishing') clock += 83_456;
      },
    });
    const execution = result.executionRid;
    expect(result).toMatchObject({ alreadyCommitted: false, rows: 6, earlier: null, notes: [] });
    expect(result.chaiseUrl).toBe(`${standIn.origin}/chaise/record/#1/deriva-ml:Execution/RID=${execution}`);
    expect(
      Object.fromEntries(Object.entries(result.inserted).map(([table, rids]) => [table, rids.length])),
    ).toEqual({
      'deriva-ml:Execution': 1,
      'deriva-ml:Dataset_Execution': 1,
      'deriva-ml:Execution_Metadata': 1,
      [DIGIT]: 4,
      [QUALITY]: 1,
      [HAND]: 1,
    });

    // The workflow as deriva-ml describes a tool that is not a git checkout: URL naming the build, a sha256 checksum.
    const [workflow] = await rowsOf(admin, 'deriva-ml:Workflow', ['URL', WORKFLOW_URL]);
    expect(workflow).toMatchObject({
      RID: result.workflowRid,
      Name: 'Satchel offline labeling',
      Description: 'Feature values labeled offline in Satchel and committed from a dataset bag.',
      Checksum: `sha256:${crypto.createHash('sha256').update(WORKFLOW_URL).digest('hex')}`,
      Version: '0.1.0',
    });
    expect(
      (await rowsOf(admin, 'deriva-ml:Workflow_Workflow_Type', ['Workflow', result.workflowRid])).map(
        (row) => row.Workflow_Type,
      ),
    ).toEqual(['Feature_Creation']);
    const [row] = await rowsOf(admin, 'deriva-ml:Execution', ['RID', execution]);
    expect(row).toMatchObject({
      Workflow: result.workflowRid,
      Description: 'Labels made offline with Satchel by testadmin',
      Status: 'Uploaded',
      Status_Detail: '6 feature values committed by Satchel.',
      Execution_Duration: '1.0H 2.0min 3.25sec',
      Upload_Duration: '0.0H 1.0min 23.456sec',
      Download_Duration: null,
      RCB: 'testadmin',
    });
    const history = (column: string) => historyOf(standIn, 'deriva-ml:Execution', execution, column);
    expect(history('Status')).toEqual(HEAD_WALK);
    expect(history('Status_Detail')).toEqual([
      null,
      'Committing labels made offline with Satchel.',
      'Labeling done: 6 feature values to upload.',
      'Uploading feature values.',
      '6 feature values committed by Satchel.',
    ]);
    expect(history('Execution_Duration')).toEqual([
      null,
      null,
      '1.0H 2.0min 3.25sec',
      '1.0H 2.0min 3.25sec',
      '1.0H 2.0min 3.25sec',
    ]);
    expect(history('Upload_Duration')).toEqual([null, null, null, null, '0.0H 1.0min 23.456sec']);
    expect(
      (await rowsOf(admin, 'deriva-ml:Dataset_Execution', ['Execution', execution])).map((edge) => [
        edge.RID,
        edge.Dataset,
        edge.Dataset_Version,
      ]),
    ).toEqual([
      [result.inserted['deriva-ml:Dataset_Execution']![0], facts.rid, facts.versions['1.0.0'].complete],
    ]);

    expect(await valuesOf(DIGIT, execution, ['Digit', 'Confidence', 'Feature_Name'])).toEqual(
      [
        [images[0], '7', 0.5, 'Digit'],
        [images[1], '7', 0.5, 'Digit'],
        [images[2], '7', 0.5, 'Digit'],
        [images[5], '1', null, 'Digit'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(await valuesOf(QUALITY, execution, ['Image_Quality', 'Stroke_Width'])).toEqual([
      [images[0], 'Blurry', 'Bold'],
    ]);
    expect(await valuesOf(HAND, execution, ['Handedness', 'Feature_Name'])).toEqual([
      [subjects[0], 'Left', 'Handedness'],
    ]);

    // configuration.json: deriva-ml's ExecutionConfiguration, plus Satchel's own facts under `satchel`.
    const metadataRid = result.inserted['deriva-ml:Execution_Metadata']![0]!;
    const expected = `${JSON.stringify(
      {
        datasets: [
          {
            rid: facts.rid,
            version: { major: 1, minor: 0, patch: 0 },
            materialize: true,
            description: 'The dataset bag the labels were made on.',
          },
        ],
        assets: [],
        workflow: {
          name: 'Satchel offline labeling',
          workflow_type: ['Feature_Creation'],
          description: 'Feature values labeled offline in Satchel and committed from a dataset bag.',
          url: WORKFLOW_URL,
          version: '0.1.0',
          workflow_rid: result.workflowRid,
          checksum: workflow!.Checksum,
          is_notebook: false,
          git_root: null,
          allow_dirty: false,
        },
        description: 'Labels made offline with Satchel by testadmin',
        argv: [],
        config_choices: {},
        satchel: {
          version: '0.1.0',
          author: 'testadmin',
          bag: { snaptime: facts.snaptimes['1.0.0'], format: 'B' },
          execution,
          features: { [DIGIT]: 4, [QUALITY]: 1, [HAND]: 1 },
          rows: 6,
        },
      },
      null,
      2,
    )}\n`;
    const md5 = crypto.createHash('md5').update(expected).digest('hex');
    const [metadata] = await rowsOf(admin, 'deriva-ml:Execution_Metadata', ['RID', metadataRid]);
    expect(metadata).toMatchObject({
      URL: `/hatrac/Execution_Metadata/${md5}.configuration.json`,
      Filename: 'configuration.json',
      Length: Buffer.byteLength(expected),
      MD5: md5,
      Description:
        'Execution configuration (deriva-ml ExecutionConfiguration): the dataset version, workflow and description of this execution.',
    });
    const file = await fetch(`${standIn.origin}${String(metadata!.URL)}`, {
      headers: { cookie: standIn.login('testadmin') },
    });
    const text = await file.text();
    expect(text).toBe(expected);
    // deriva-ml reads it back: nothing refused, only Satchel's own field passed over.
    expect(readExecutionConfiguration(text)).toEqual({ problems: [], ignored: ['configuration.satchel'] });
    expect(
      (await rowsOf(admin, 'deriva-ml:Execution_Metadata_Execution', ['Execution', execution])).map(
        (link) => [link.Execution_Metadata, link.Asset_Role],
      ),
    ).toEqual([[metadataRid, 'Output']]);
    expect(
      (await rowsOf(admin, 'deriva-ml:Execution_Metadata_Asset_Type', ['Execution_Metadata', metadataRid]))
        .map((link) => link.Asset_Type)
        .sort(),
    ).toEqual(['Deriva_Config', 'Output_File']);
    expect(repeatedAcknowledged(standIn.requests)).toEqual([]);
  });

  it('the configuration.json reader has teeth: the shape Satchel wrote before, and a workflow with a field deriva-ml does not define, are refused', () => {
    expect(
      readExecutionConfiguration(
        JSON.stringify({
          app: 'Satchel',
          author: 'ann',
          bag: { rid: facts.rid, version: '1.0.0' },
          workflow: '1-ABCD',
          execution: '1-EFGH',
        }),
      ),
    ).toEqual({
      problems: ['configuration.workflow: not an object'],
      ignored: ['configuration.app', 'configuration.author', 'configuration.bag', 'configuration.execution'],
    });
    expect(
      readExecutionConfiguration(
        JSON.stringify({
          datasets: [{ rid: facts.rid, version: '1.0' }],
          workflow: { name: 'x', workflow_type: ['Feature_Creation'], app_version: '0.1.0' },
        }),
      ).problems,
    ).toEqual([
      'configuration.datasets[0].version: not a version: 1.0',
      'configuration.workflow.app_version: extra field forbidden',
    ]);
  });

  it('formats durations as deriva-ml does: whole hours and minutes as floats, seconds to the millisecond', () => {
    expect(
      [0, 999, 59_999, 60_000, 3_600_000, 3_723_250, 90_061_001, -5].map((milliseconds) =>
        formatDuration(milliseconds),
      ),
    ).toEqual([
      '0.0H 0.0min 0.0sec',
      '0.0H 0.0min 0.999sec',
      '0.0H 0.0min 59.999sec',
      '0.0H 1.0min 0.0sec',
      '1.0H 0.0min 0.0sec',
      '1.0H 2.0min 3.25sec',
      '25.0H 1.0min 1.001sec',
      '0.0H 0.0min 0.0sec',
    ]);
  });

  it('a second run sends nothing and answers the same RIDs', async () => {
    label(on.digit, images.slice(0, 2), { Digit: '4' });
    const first = await commit();
    const before = standIn.requests.length;
    const second = await commit();
    expect(second).toEqual({ ...first, alreadyCommitted: true });
    expect(writesSince(before)).toEqual([]);
  });

  it('says there is nothing to commit, in one sentence, without asking the catalog anything', async () => {
    const before = standIn.requests.length;
    const error = await failure(commit());
    expect(isSatchelError(error) && [error.kind, error.message]).toEqual([
      'nothing-to-commit',
      `The bag ${facts.rid} has no draft labels to commit.`,
    ]);
    expect(standIn.requests.length).toBe(before);
  });

  it('new labels go into a new execution with its own configuration.json and Execution_Metadata row, without resending the old ones', async () => {
    label(on.digit, [images[0]!], { Digit: '4' });
    const first = await commit();
    // The same author, description and row counts: before, both commits had one shared metadata row.
    label(on.digit, [images[1]!], { Digit: '4' });
    const second = await commit();
    expect(second.executionRid).not.toBe(first.executionRid);
    expect(second.workflowRid).toBe(first.workflowRid);
    expect(second.inserted[DIGIT]).toHaveLength(1);
    expect(await valuesOf(DIGIT, second.executionRid, ['Digit'])).toEqual([[images[1], '4']]);
    const metadataOf = async (execution: string) =>
      (await rowsOf(admin, 'deriva-ml:Execution_Metadata_Execution', ['Execution', execution])).map(
        (link) => link.Execution_Metadata,
      );
    const [firstMetadata] = await metadataOf(first.executionRid);
    const [secondMetadata] = await metadataOf(second.executionRid);
    expect([firstMetadata, secondMetadata]).toEqual([
      first.inserted['deriva-ml:Execution_Metadata']![0],
      second.inserted['deriva-ml:Execution_Metadata']![0],
    ]);
    expect(firstMetadata).not.toBe(secondMetadata);
    expect(
      await rowsOf(admin, 'deriva-ml:Execution_Metadata', ['Filename', 'configuration.json']),
    ).toHaveLength(2);
  });

  it('a label changed back to an earlier value is committed, and only a draft whose history moved is sent', async () => {
    const image = images[0]!;
    label(on.digit, [image], { Digit: '3' });
    const first = await commit();
    label(on.digit, [image], { Digit: '5' });
    const second = await commit();
    label(on.digit, [image], { Digit: '3' });
    const third = await commit();
    expect([third.alreadyCommitted, third.rows]).toEqual([false, 1]);
    expect(new Set([first.executionRid, second.executionRid, third.executionRid]).size).toBe(3);
    const rows = await rowsOf(admin, DIGIT, ['Image', image]);
    const ours = rows.filter((row) =>
      [first.executionRid, second.executionRid, third.executionRid].includes(String(row.Execution)),
    );
    const newest = ours.reduce((best, row) => (String(row.RCT) > String(best.RCT) ? row : best));
    expect([newest.Execution, newest.Digit]).toEqual([third.executionRid, '3']);
    // Untouched since: nothing to send.
    expect(await commit()).toMatchObject({ alreadyCommitted: true, executionRid: third.executionRid });
    // Changed and changed back before committing: the draft's own history moved, so it is sent again.
    label(on.digit, [image], { Digit: '9' });
    label(on.digit, [image], { Digit: '3' });
    const fourth = await commit();
    expect(fourth.alreadyCommitted).toBe(false);
    expect(await valuesOf(DIGIT, fourth.executionRid, ['Digit'])).toEqual([[image, '3']]);
  });

  it('retries 5xx answers, on the RID lease too, and finishes', async () => {
    label(on.digit, images.slice(0, 4), { Digit: '2' });
    standIn.failNext({
      method: 'POST',
      pathPrefix: '/ermrest/catalog/1/entity/public:ERMrest_RID_Lease',
      status: 503,
      times: 2,
    });
    standIn.failNext({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${DIGIT}`,
      status: 503,
      times: 2,
    });
    const result = await commit();
    expect(await valuesOf(DIGIT, result.executionRid, ['Digit'])).toHaveLength(4);
    expect(standIn.requests.filter((request) => request.status === 503)).toHaveLength(4);
  });

  it('a connection cut mid-upload keeps the journal; running again finishes with one copy of each row', async () => {
    label(on.digit, images.slice(0, 4), { Digit: '2' });
    standIn.failNext({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${DIGIT}`,
      dropConnection: true,
      dropAfterBytes: 20,
      times: 10,
    });
    const cut = await failure(commit());
    expect(isCatalogError(cut) && cut.kind).toBe('network');
    expect(draftCount()).toBe(4);
    // The execution says it failed, and why, until the commit runs again.
    const [failed] = await executionsOfSatchel();
    expect(failed).toMatchObject({
      Status: 'Failed',
      Status_Detail: `${(cut as Error).message.replace(/\.$/, '')}; 0 of 4 feature values were sent. Committing again from Satchel resumes this execution.`,
    });
    expect(failed!.Upload_Duration).toMatch(/^0\.0H 0\.0min \d+(\.\d+)?sec$/);
    standIn.clearFailures();
    const result = await commit();
    expect(result.earlier).toMatchObject({ outcome: 'resumed', executionRid: result.executionRid });
    expect(await valuesOf(DIGIT, result.executionRid, ['Digit'])).toHaveLength(4);
    expect(await executionsOfSatchel()).toHaveLength(1);
    expect(repeatedAcknowledged(standIn.requests)).toEqual([]);
    expect(historyOf(standIn, 'deriva-ml:Execution', result.executionRid, 'Status')).toEqual([
      'Created',
      'Running',
      'Stopped',
      'Pending_Upload',
      'Failed',
      'Pending_Upload',
      'Uploaded',
    ]);
  });

  it('without a login: the catalog knows no author, so nothing is planned or sent; signed in, the commit goes through', async () => {
    label(on.digit, images.slice(0, 4), { Digit: '2' });
    const before = standIn.requests.length;
    const error = await failure(commit({ client: clientAs(standIn, null) }));
    expect(isCatalogError(error) && [error.kind, error.message]).toEqual([
      'auth-required',
      `Sign in to ${new URL(standIn.origin).host} to commit: the catalog does not know who you are, and an execution names its author.`,
    ]);
    expect(
      standIn.requests.slice(before).map((request) => [request.method, request.path, request.status]),
    ).toEqual([['GET', '/authn/session', 404]]);
    expect(draftCount()).toBe(4);
    const result = await commit();
    expect([result.earlier, result.inserted[DIGIT]?.length]).toEqual([null, 4]);
  });

  it('403 as a reader, a changed label, then the owner with a new description: the catalog gets the current values, author and description', async () => {
    label(on.digit, [images[0]!], { Digit: '3' });
    label(on.digit, [images[1]!], { Digit: '4' });
    const refused = await failure(commit({ client: clientAs(standIn, 'testuser') }));
    expect(isCatalogError(refused) && refused.kind).toBe('forbidden');
    expect(draftCount()).toBe(2);
    label(on.digit, [images[0]!], { Digit: '8' }, 'testadmin');
    const result = await commit({ description: 'Checked again by the owner' });
    expect(result.earlier).toEqual({ outcome: 'replanned', error: (refused as Error).message });
    expect(result.notes).toEqual([
      `An earlier attempt (${(refused as Error).message.replace(/\.$/, '')}) never reached the catalog, so it was planned again from the current labels, author and description.`,
    ]);
    const [execution] = await rowsOf(admin, 'deriva-ml:Execution', ['RID', result.executionRid]);
    expect(execution).toMatchObject({ Description: 'Checked again by the owner', RCB: 'testadmin' });
    expect(await valuesOf(DIGIT, result.executionRid, ['Digit', 'RCB'])).toEqual(
      [
        [images[0], '8', 'testadmin'],
        [images[1], '4', 'testadmin'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const [metadata] = await rowsOf(admin, 'deriva-ml:Execution_Metadata', [
      'RID',
      result.inserted['deriva-ml:Execution_Metadata']![0]!,
    ]);
    const configuration = JSON.parse(
      await (
        await fetch(`${standIn.origin}${String(metadata!.URL)}`, {
          headers: { cookie: standIn.login('testadmin') },
        })
      ).text(),
    ) as Record<string, unknown>;
    expect(configuration).toMatchObject({
      description: 'Checked again by the owner',
      satchel: { author: 'testadmin', rows: 2 },
    });
    expect(await executionsOfSatchel()).toHaveLength(1);
  });

  it('409 foreign key (a labeled image is gone from the catalog) stops the commit; drafts stay', async () => {
    const gone = images[7]!;
    label(on.digit, [gone, images[8]!], { Digit: '2' });
    for (const table of [
      DIGIT,
      QUALITY,
      `${domain}:Execution_Image_Region`,
      `${domain}:Dataset_Image`,
      `${domain}:Image_Asset_Type`,
    ])
      await admin.deleteEntity({ schema: domain, table: table.split(':')[1]! }, [eq('Image', gone)]);
    await admin.deleteEntity({ schema: domain, table: 'Image' }, [eq('RID', gone)]);
    const error = await failure(commit());
    expect(isCatalogError(error) && [error.kind, error.conflict]).toEqual(['conflict', 'foreign-key']);
    expect(draftCount()).toBe(2);
  });

  describe('schema drift: nothing is sent and the drafts stay', () => {
    const expectDrift = async (
      change: () => Promise<void>,
      drift: { feature: string; target: string; reason: string }[],
    ) => {
      label(on.digit, [images[0]!], { Digit: '6', Confidence: 0.25 });
      label(on.hand, [subjects[0]!, subjects[1]!], { Handedness: 'Mixed' });
      await change();
      const before = standIn.requests.length;
      const error = await failure(commit());
      expect(error).toBeInstanceOf(CommitDriftError);
      expect((error as CommitDriftError).drift).toEqual(drift);
      expect((error as CommitDriftError).message).toBe(
        `The catalog changed since the bag was made, so nothing was sent: ${drift.length} draft(s) cannot be committed, e.g. ${drift[0]!.target}: ${drift[0]!.reason}`,
      );
      expect(writesSince(before)).toEqual([]);
      expect(draftCount()).toBe(3);
    };
    const changeModel = async (method: string, model: string) => {
      const response = await fetch(`${standIn.origin}/ermrest/catalog/1/schema/${model}`, {
        method,
        headers: { cookie: standIn.login('testadmin') },
      });
      expect(response.status).toBe(204);
    };
    const forSubjects = (reason: string) =>
      [subjects[0]!, subjects[1]!].map((target) => ({ feature: HAND, target, reason }));

    it('the feature table is gone', () =>
      expectDrift(
        () => changeModel('DELETE', `${domain}/table/Subject_Handedness`),
        forSubjects(`the catalog no longer has the feature table ${HAND}.`),
      ));

    it('a column the drafts use is gone', () =>
      expectDrift(
        () => changeModel('DELETE', `${domain}/table/Execution_Image_Digit/column/Confidence`),
        [{ feature: DIGIT, target: images[0]!, reason: `${DIGIT} no longer has the column Confidence.` }],
      ));

    it('the Feature_Name term is gone', () =>
      expectDrift(async () => {
        await admin.deleteEntity({ schema: domain, table: 'Subject_Handedness' }, [
          eq('Feature_Name', 'Handedness'),
        ]);
        await admin.deleteEntity({ schema: 'deriva-ml', table: 'Feature_Name' }, [eq('Name', 'Handedness')]);
      }, forSubjects("the catalog's Feature_Name vocabulary no longer has the term Handedness.")));

    it('a vocabulary term the drafts use is gone', () =>
      expectDrift(
        async () => {
          await admin.deleteEntity({ schema: domain, table: 'Subject_Handedness' }, [
            eq('Handedness', 'Mixed'),
          ]);
          await admin.deleteEntity({ schema: domain, table: 'Handedness' }, [eq('Name', 'Mixed')]);
        },
        forSubjects(`${domain}:Handedness no longer has the term Mixed.`),
      ));
  });
});

describe('commits bigger than one insert batch', () => {
  /** Every 1.0.0 image labeled with a digit and a quality, every 1.0.0 writer with a hand: 660 rows. */
  const labelEverything = () => {
    images.forEach((image, index) => label(on.digit, [image], { Digit: String(index % 10) }));
    label(on.quality, images, { Image_Quality: 'Good', Stroke_Width: 'Regular' });
    label(on.hand, subjects, { Handedness: 'Right' });
  };
  const expectEverything = async (execution: string) => {
    expect((await valuesOf(DIGIT, execution, ['Digit'])).map((row) => row[0])).toEqual(images);
    expect(await valuesOf(QUALITY, execution, ['Image_Quality'])).toHaveLength(images.length);
    expect(await valuesOf(HAND, execution, ['Handedness'])).toHaveLength(subjects.length);
  };

  it(`sends ${images.length * 2 + subjects.length} rows (more than ROWS_PER_INSERT = ${ROWS_PER_INSERT}) with leases of 500 and one insert per feature`, async () => {
    labelEverything();
    const before = standIn.requests.length;
    const result = await commit();
    const log = standIn.requests.slice(before);
    const leases = log.filter(
      (request) => request.path === '/ermrest/catalog/1/entity/public:ERMrest_RID_Lease',
    );
    expect(leases.map((request) => (JSON.parse(request.body!) as unknown[]).length)).toEqual([1, 500, 160]);
    expect(featureBatches(log, domain).map((batch) => [batch.table, batch.rids.length])).toEqual([
      ['Execution_Image_Digit', 300],
      ['Execution_Image_Quality', 300],
      ['Subject_Handedness', 60],
    ]);
    await expectEverything(result.executionRid);
  });

  it('resumes part-way through its batches after it was cancelled, never resending an acknowledged batch', async () => {
    labelEverything();
    const controller = new AbortController();
    // The fourth batch reaches the catalog, but its answer is held while the commit is cancelled.
    const fourth = standIn.hold({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${domain}:Execution_Image_`,
      at: 'answer',
      skip: 3,
    });
    const before = standIn.requests.length;
    const cancelled = failure(commit({ rowsPerInsert: 128, signal: controller.signal }));
    const held = await fourth;
    controller.abort();
    held.cut();
    const error = await cancelled;
    expect(isCatalogError(error) && [error.kind, error.message]).toEqual([
      'cancelled',
      'The commit was cancelled; nothing is lost, and committing again finishes it.',
    ]);
    const resumed = await commit({ rowsPerInsert: 128 });
    expect(resumed.earlier).toMatchObject({ outcome: 'resumed', updated: [], dropped: [], alreadySent: [] });
    const batches = featureBatches(standIn.requests.slice(before), domain);
    expect(batches.map((batch) => [batch.table, batch.rids.length, batch.request.delivered])).toEqual([
      ['Execution_Image_Digit', 128, true],
      ['Execution_Image_Digit', 128, true],
      ['Execution_Image_Digit', 44, true],
      ['Execution_Image_Quality', 128, false],
      ['Execution_Image_Quality', 128, true],
      ['Execution_Image_Quality', 128, true],
      ['Execution_Image_Quality', 44, true],
      ['Subject_Handedness', 60, true],
    ]);
    // The unanswered batch is the one sent again; nothing answered is.
    expect(batches[4]!.rids).toEqual(batches[3]!.rids);
    expect(repeatedAcknowledged(standIn.requests)).toEqual([]);
    await expectEverything(resumed.executionRid);
    expect(await executionsOfSatchel()).toHaveLength(1);
    // Cancelled: Failed with the reason, as deriva-ml marks a stopped upload; resumed: Failed → Pending_Upload → Uploaded.
    const history = (column: string) =>
      historyOf(standIn, 'deriva-ml:Execution', resumed.executionRid, column);
    expect(history('Status')).toEqual([
      'Created',
      'Running',
      'Stopped',
      'Pending_Upload',
      'Failed',
      'Pending_Upload',
      'Uploaded',
    ]);
    expect(history('Status_Detail').slice(4)).toEqual([
      'Cancelled in Satchel after 300 of 660 feature values were sent; committing again from Satchel sends the rest.',
      'Uploading again after an interrupted attempt; 300 of 660 feature values had been sent.',
      '660 feature values committed by Satchel.',
    ]);
  });

  it('a resumed commit sends unsent labels with their current value, leaves out cleared ones, and sends labels changed after they were sent in a new execution', async () => {
    const six = images.slice(0, 6);
    label(on.digit, six, { Digit: '1' });
    const controller = new AbortController();
    // Batches of two: the first is answered, the second reaches the catalog unanswered, the third is never sent.
    const second = standIn.hold({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${DIGIT}`,
      at: 'answer',
      skip: 1,
    });
    const cancelled = failure(commit({ rowsPerInsert: 2, signal: controller.signal }));
    const held = await second;
    controller.abort();
    held.cut();
    expect(isCatalogError(await cancelled)).toBe(true);
    label(on.digit, [six[0]!, six[2]!, six[4]!], { Digit: '2' });
    store.clear(on.digit.scope, on.digit.shape, [six[5]!], 'ann');

    const result = await commit({ rowsPerInsert: 2 });
    const first = result.earlier?.outcome === 'resumed' ? result.earlier.executionRid : '';
    expect(result.earlier).toEqual({
      outcome: 'resumed',
      executionRid: first,
      updated: [{ feature: 'Digit', target: six[4] }],
      dropped: [{ feature: 'Digit', target: six[5] }],
      alreadySent: [{ feature: 'Digit', target: six[2] }],
    });
    expect(result.executionRid).not.toBe(first);
    expect(result.notes).toEqual([
      `Finished the interrupted commit of Execution ${first} as it was saved.`,
      `1 label(s) changed before they were sent went with their current value: ${six[4]} (Digit).`,
      `1 label(s) cleared before they were sent were left out: ${six[5]} (Digit).`,
      `1 label(s) had reached the catalog before they changed: ${six[2]} (Digit).`,
      `Labels changed or added since went into a new Execution ${result.executionRid}.`,
    ]);
    expect(await valuesOf(DIGIT, first, ['Digit'])).toEqual([
      [six[0], '1'],
      [six[1], '1'],
      [six[2], '1'],
      [six[3], '1'],
      [six[4], '2'],
    ]);
    expect(await valuesOf(DIGIT, result.executionRid, ['Digit'])).toEqual([
      [six[0], '2'],
      [six[2], '2'],
    ]);
    // Every label's newest value in the catalog is its draft.
    expect(await commit()).toMatchObject({ alreadyCommitted: true });
  });
});

describe('the execution lifecycle, as deriva-ml walks it', () => {
  it('a commit that stops while Running is marked Failed with the reason; run again, it walks Failed → Pending_Upload → Uploaded, never back to Stopped', async () => {
    label(on.digit, images.slice(0, 3), { Digit: '6' });
    labeledAt += 90_500;
    label(on.hand, [subjects[0]!], { Handedness: 'Right' });
    standIn.failNext({
      method: 'POST',
      pathPrefix: '/ermrest/catalog/1/entity/deriva-ml:Dataset_Execution',
      status: 503,
      times: 10,
    });
    const refused = await failure(commit());
    expect(isCatalogError(refused) && refused.kind).toBe('server');
    standIn.clearFailures();
    const [failed] = await executionsOfSatchel();
    expect(failed).toMatchObject({
      Status: 'Failed',
      Status_Detail: `${(refused as Error).message.replace(/\.$/, '')}; 0 of 4 feature values were sent. Committing again from Satchel resumes this execution.`,
      Execution_Duration: '0.0H 1.0min 30.5sec',
      Upload_Duration: null,
    });
    const result = await commit();
    expect(result.executionRid).toBe(failed!.RID);
    const history = (column: string) =>
      historyOf(standIn, 'deriva-ml:Execution', result.executionRid, column);
    expect(history('Status')).toEqual(['Created', 'Running', 'Failed', 'Pending_Upload', 'Uploaded']);
    expect(history('Status_Detail')[3]).toBe(
      'Uploading again after an interrupted attempt; 0 of 4 feature values had been sent.',
    );
    expect(
      await rowsOf(admin, 'deriva-ml:Dataset_Execution', ['Execution', result.executionRid]),
    ).toHaveLength(1);
    expect(await valuesOf(DIGIT, result.executionRid, ['Digit'])).toHaveLength(3);
    expect(repeatedAcknowledged(standIn.requests)).toEqual([]);
  });

  it('Execution_Duration covers the labeling behind the values sent: a relabel counts from its own change, not from the first commit of that image', async () => {
    labeledAt = Date.parse('2026-03-02T08:00:00.000Z');
    label(on.digit, [images[0]!], { Digit: '1' });
    await commit();
    labeledAt = Date.parse('2026-03-02T11:00:00.000Z');
    label(on.digit, [images[0]!], { Digit: '7' });
    labeledAt = Date.parse('2026-03-02T11:30:00.500Z');
    label(on.digit, [images[1]!], { Digit: '2' });
    const second = await commit();
    const [row] = await rowsOf(admin, 'deriva-ml:Execution', ['RID', second.executionRid]);
    expect(row!.Execution_Duration).toBe('0.0H 30.0min 0.5sec');
  });

  it('on a deriva-ml 1.24 catalog: the free-text walk Created → Running → Pending → Completed, Duration, no Dataset_Version; Failed when it stops', async () => {
    await standIn.close();
    standIn = await startWorldStandIn({ legacy: true });
    admin = clientAs(standIn, 'testadmin');
    label(on.digit, images.slice(0, 2), { Digit: '5' });
    labeledAt += 45_250;
    label(on.digit, [images[2]!], { Digit: '4' });
    standIn.failNext({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${DIGIT}`,
      dropConnection: true,
      times: 10,
    });
    const cut = await failure(commit());
    expect(isCatalogError(cut) && cut.kind).toBe('network');
    standIn.clearFailures();
    const result = await commit();
    const [row] = await rowsOf(admin, 'deriva-ml:Execution', ['RID', result.executionRid]);
    expect(row).toMatchObject({
      Status: 'Completed',
      Status_Detail: '3 feature values committed by Satchel.',
      Duration: '0.0H 0.0min 45.25sec',
    });
    expect(row).not.toHaveProperty('Execution_Duration');
    expect(historyOf(standIn, 'deriva-ml:Execution', result.executionRid, 'Status')).toEqual([
      'Created',
      'Running',
      'Pending',
      'Failed',
      'Pending',
      'Completed',
    ]);
    expect(
      (await rowsOf(admin, 'deriva-ml:Dataset_Execution', ['Execution', result.executionRid])).map((edge) => [
        edge.Dataset,
        'Dataset_Version' in edge,
      ]),
    ).toEqual([[facts.rid, false]]);
    expect(await valuesOf(DIGIT, result.executionRid, ['Digit'])).toHaveLength(3);
  });
});

describe('one commit at a time per bag and catalog', () => {
  it('refuses a second commit while one runs, naming its process; the second sends nothing', async () => {
    label(on.digit, images.slice(0, 3), { Digit: '0' });
    const paused = standIn.hold({
      method: 'POST',
      pathPrefix: '/ermrest/catalog/1/entity/deriva-ml:Workflow',
      at: 'request',
    });
    const running = commit();
    const held = await paused;
    const before = standIn.requests.length;
    const refused = await failure(commit());
    expect(isSatchelError(refused) && refused.kind).toBe('commit-running');
    expect((refused as Error).message).toMatch(
      new RegExp(
        `^Another commit of bag ${facts.rid} to ${standIn.origin}/ermrest/catalog/1 is running \\(process ${process.pid}, since \\S+\\); nothing was sent\\. Wait for it to finish, then commit again\\.$`,
      ),
    );
    expect(standIn.requests.length).toBe(before);
    held.release();
    const done = await running;
    expect(await commit()).toEqual({ ...done, alreadyCommitted: true });
    expect(await executionsOfSatchel()).toHaveLength(1);
  });
});
