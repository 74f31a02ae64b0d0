// `satchel commit` as a real child process against the stand-in serving the sample world: killed
// with SIGKILL at every step of a commit (before the catalog acts on a request, and after it acted but
// before the answer arrives), two commits at once, a refused commit followed by the owner's, and a
// label changed back to an earlier value with kills in between.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import type { CatalogClient } from '../../main/core/catalog/index.js';
import { appVersion } from '../../main/core/common/index.js';
import { LabelStore } from '../../main/core/labels/index.js';
import { openWorkspaceDb } from '../../main/core/workspace-db/index.js';
import type { HoldRule, RequestRecord, StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import {
  catalogUrl,
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
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

const bags = generatedBags();
const facts = bags.facts;
const domain = facts.schemas.domain;
const DIGIT = `${domain}:Execution_Image_Digit`;
const QUALITY = `${domain}:Execution_Image_Quality`;
const HAND = `${domain}:Subject_Handedness`;
const WORKFLOW_URL = `urn:satchel:workflow:Satchel%20offline%20labeling@${appVersion()}`;
const images = imagesAt100(facts);
const subjects = subjectsAt100(facts);
const scratch = temporaryDirectory('satchel-commit-cli-');
const ENTITY = '/ermrest/catalog/1/entity/';
const STATUS = '/ermrest/catalog/1/attributegroup/deriva-ml:Execution/';
let workspaceCount = 0;
let standIn: StandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});
afterAll(() => scratch.cleanup());

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/** A workspace with the bag imported, a credential file per user, and the CLI run against both. */
async function commitWorkspace(server: StandIn) {
  const workspace = path.join(scratch.dir, `workspace-${++workspaceCount}`);
  const credentials = (user: string) => {
    const file = path.join(scratch.dir, `credential-${workspaceCount}-${user}.json`);
    fs.writeFileSync(file, JSON.stringify({ '127.0.0.1': { cookie: server.login(user) } }));
    return file;
  };
  const files = { testadmin: credentials('testadmin'), testuser: credentials('testuser') };
  /** Labels written in this process, then the workspace closed again before any child runs. */
  const labeling = async (write: (on: Labelers) => void) => {
    const bag: Bag = await openBag(bags.formatB, { workspace });
    const db = openWorkspaceDb(workspace);
    try {
      write(labelers(bag, new LabelStore(db)));
    } finally {
      db.close();
      bag.close();
    }
  };
  const start = (user: 'testadmin' | 'testuser' = 'testadmin', ...extra: string[]) =>
    spawn(
      process.execPath,
      [
        path.join(repoRoot, 'bin', 'satchel.js'),
        'commit',
        bags.formatB,
        '--catalog',
        catalogUrl(server),
        '--credential',
        files[user],
        '--workspace',
        workspace,
        ...extra,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
  const finish = (child: ReturnType<typeof start>): Promise<Run> =>
    new Promise((resolve) => {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, pid: child.pid! }));
    });
  /** Runs `satchel commit` to its end. */
  const run = (user: 'testadmin' | 'testuser' = 'testadmin', ...extra: string[]) =>
    finish(start(user, ...extra));
  /**
   * Runs `satchel commit` until the request `rule` names is stopped where the rule says, then kills
   * the process with SIGKILL and cuts the request: the catalog never acts on a request stopped
   * before it, and never answers one stopped after. Resolves with the stopped request, or null when
   * the process ended without sending it.
   */
  const killAt = async (rule: HoldRule): Promise<RequestRecord | null> => {
    const held = server.hold(rule);
    const child = start();
    const ended = finish(child);
    const first = await Promise.race([held, ended]);
    if (!('release' in first)) {
      server.clearHolds();
      return null;
    }
    child.kill('SIGKILL');
    const end = await ended;
    expect(end.signal).toBe('SIGKILL');
    first.cut();
    return first.record;
  };
  return { workspace, labeling, start, finish, run, killAt };
}

function resultOf(run: Run): {
  executionRid: string;
  workflowRid: string;
  alreadyCommitted: boolean;
  notes: string[];
  earlier: unknown;
} {
  expect([run.code, run.stderr]).toEqual([0, '']);
  return JSON.parse(run.stdout) as ReturnType<typeof resultOf>;
}

const writes = (requests: readonly RequestRecord[]) =>
  requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD');

async function satchelExecutions(admin: CatalogClient) {
  const workflows = await rowsOf(admin, 'deriva-ml:Workflow', ['URL', WORKFLOW_URL]);
  expect(workflows).toHaveLength(1);
  return rowsOf(admin, 'deriva-ml:Execution', ['Workflow', String(workflows[0]!.RID)]);
}

/** Feature rows of one execution as [target, value] sorted by target. */
async function valuesOf(admin: CatalogClient, table: string, column: string, execution: string) {
  return (await rowsOf(admin, table, ['Execution', execution]))
    .map((row) => [String(row[table === HAND ? 'Subject' : 'Image']), row[column]])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

describe('satchel commit killed with SIGKILL at every step, then run again', () => {
  /** Every request a first commit of 660 rows sends, in order; each is a point to kill it at. */
  const POINTS: [name: string, rule: Omit<HoldRule, 'at'>][] = [
    ['Workflow insert', { method: 'POST', pathPrefix: `${ENTITY}deriva-ml:Workflow?` }],
    ['Workflow type', { method: 'POST', pathPrefix: `${ENTITY}deriva-ml:Workflow_Workflow_Type?` }],
    ['RID lease for the Execution', { method: 'POST', pathPrefix: `${ENTITY}public:ERMrest_RID_Lease` }],
    ['Execution insert', { method: 'POST', pathPrefix: `${ENTITY}deriva-ml:Execution?` }],
    ['status Running', { method: 'PUT', pathPrefix: STATUS }],
    ['Dataset_Execution', { method: 'POST', pathPrefix: `${ENTITY}deriva-ml:Dataset_Execution?` }],
    ['configuration.json upload', { method: 'PUT', pathPrefix: '/hatrac/Execution_Metadata/' }],
    ['Execution_Metadata row', { method: 'POST', pathPrefix: `${ENTITY}deriva-ml:Execution_Metadata?` }],
    [
      'its Execution link',
      { method: 'POST', pathPrefix: `${ENTITY}deriva-ml:Execution_Metadata_Execution?` },
    ],
    ['its Asset_Types', { method: 'POST', pathPrefix: `${ENTITY}deriva-ml:Execution_Metadata_Asset_Type?` }],
    ['status Stopped', { method: 'PUT', pathPrefix: STATUS }],
    ['status Pending_Upload', { method: 'PUT', pathPrefix: STATUS }],
    ['RID lease for the rows', { method: 'POST', pathPrefix: `${ENTITY}public:ERMrest_RID_Lease` }],
    ['feature rows, batch 1 (Digit)', { method: 'POST', pathPrefix: `${ENTITY}${DIGIT}?` }],
    ['feature rows, batch 2 (Quality)', { method: 'POST', pathPrefix: `${ENTITY}${QUALITY}?` }],
    ['feature rows, batch 3 (Handedness)', { method: 'POST', pathPrefix: `${ENTITY}${HAND}?` }],
    ['status Uploaded', { method: 'PUT', pathPrefix: STATUS }],
  ];

  it(`lands each of ${POINTS.length * 2} kills inside the commit and leaves exactly one of every row, no acknowledged request sent twice`, async () => {
    const server = (standIn = await startWorldStandIn());
    const admin = clientAs(server, 'testadmin');
    const before = {
      digit: (await rowsOf(admin, DIGIT)).length,
      quality: (await rowsOf(admin, QUALITY)).length,
      hand: (await rowsOf(admin, HAND)).length,
    };
    const cli = await commitWorkspace(server);
    await cli.labeling((on) => {
      images.forEach((image, index) => label(on.digit, [image], { Digit: String(index % 10) }));
      label(on.quality, images, { Image_Quality: 'Good', Stroke_Width: 'Bold' });
      label(on.hand, subjects, { Handedness: 'Left' });
    });
    const start = server.requests.length;
    const stopped: [string, string, RequestRecord['status'], boolean][] = [];
    for (const [name, rule] of POINTS) {
      for (const at of ['request', 'answer'] as const) {
        const record = await cli.killAt({ ...rule, at });
        expect(record, `${name}, killed at the ${at}`).not.toBeNull();
        stopped.push([name, at, record!.status, record!.delivered]);
      }
    }
    // Stopped before the catalog acted: never acted on. Stopped after: acted on, never answered.
    for (const [name, at, status, delivered] of stopped)
      expect([
        name,
        at,
        status === 'dropped' ? 'dropped' : Number(status) < 300 ? '2xx' : status,
        delivered,
      ]).toEqual([name, at, at === 'request' ? 'dropped' : '2xx', false]);

    const final = resultOf(await cli.run('testadmin', '--json'));
    expect(final.earlier).toEqual({
      outcome: 'resumed',
      executionRid: final.executionRid,
      updated: [],
      dropped: [],
      alreadySent: [],
    });
    const log = server.requests.slice(start);
    expect(repeatedAcknowledged(log)).toEqual([]);

    const executions = await satchelExecutions(admin);
    expect(executions.map((row) => [row.RID, row.Status])).toEqual([[final.executionRid, 'Uploaded']]);
    const statuses = historyOf(server, 'deriva-ml:Execution', final.executionRid, 'Status');
    expect(statuses.filter((status, index) => status !== statuses[index - 1])).toEqual([
      'Created',
      'Running',
      'Stopped',
      'Pending_Upload',
      'Uploaded',
    ]);
    expect(
      (await rowsOf(admin, 'deriva-ml:Workflow_Workflow_Type', ['Workflow', final.workflowRid])).map(
        (row) => row.Workflow_Type,
      ),
    ).toEqual(['Feature_Creation']);
    expect(
      (await rowsOf(admin, 'deriva-ml:Dataset_Execution', ['Execution', final.executionRid])).map((row) => [
        row.Dataset,
        row.Dataset_Version,
      ]),
    ).toEqual([[facts.rid, facts.versions['1.0.0'].complete]]);
    const links = await rowsOf(admin, 'deriva-ml:Execution_Metadata_Execution', [
      'Execution',
      final.executionRid,
    ]);
    expect(links).toHaveLength(1);
    const metadata = String(links[0]!.Execution_Metadata);
    expect(
      await rowsOf(admin, 'deriva-ml:Execution_Metadata', ['Filename', 'configuration.json']),
    ).toHaveLength(1);
    expect(
      await rowsOf(admin, 'deriva-ml:Execution_Metadata_Asset_Type', ['Execution_Metadata', metadata]),
    ).toHaveLength(2);

    expect(await valuesOf(admin, DIGIT, 'Digit', final.executionRid)).toEqual(
      images.map((image, index) => [image, String(index % 10)]),
    );
    expect(await valuesOf(admin, QUALITY, 'Stroke_Width', final.executionRid)).toEqual(
      images.map((image) => [image, 'Bold']),
    );
    expect(await valuesOf(admin, HAND, 'Handedness', final.executionRid)).toEqual(
      subjects.map((subject) => [subject, 'Left']),
    );
    // No stray row anywhere else either.
    expect([
      (await rowsOf(admin, DIGIT)).length,
      (await rowsOf(admin, QUALITY)).length,
      (await rowsOf(admin, HAND)).length,
    ]).toEqual([before.digit + images.length, before.quality + images.length, before.hand + subjects.length]);
    // Each batch went out until it was answered, and never again after.
    const batches = featureBatches(log, domain).map((batch) => [batch.table, batch.request.delivered]);
    expect(batches.filter(([, delivered]) => delivered)).toEqual([
      ['Execution_Image_Digit', true],
      ['Execution_Image_Quality', true],
      ['Subject_Handedness', true],
    ]);

    // Once more: nothing is sent, the same answer comes back.
    const again = server.requests.length;
    expect(resultOf(await cli.run('testadmin', '--json'))).toEqual({
      ...final,
      alreadyCommitted: true,
      earlier: null,
      notes: [],
    });
    expect(writes(server.requests.slice(again))).toEqual([]);
  }, 300_000);

  it('a label changed back to an earlier value reaches the catalog, with kills during its commit and a relabel in between', async () => {
    const server = (standIn = await startWorldStandIn());
    const admin = clientAs(server, 'testadmin');
    const cli = await commitWorkspace(server);
    const ten = images.slice(0, 10);
    const setDigit = (targets: string[], digit: string) =>
      cli.labeling((on) => label(on.digit, targets, { Digit: digit }));
    await setDigit(ten, '3');
    const first = resultOf(await cli.run('testadmin', '--json'));
    await setDigit(ten, '5');
    const second = resultOf(await cli.run('testadmin', '--json'));
    await setDigit(ten, '3');
    const start = server.requests.length;
    // Killed once the rows reached the catalog unanswered; then one label changes again, another
    // goes back to the value of the second commit; killed again before the status reaches Uploaded.
    expect(
      await cli.killAt({ method: 'POST', pathPrefix: `${ENTITY}${DIGIT}?`, at: 'answer' }),
    ).not.toBeNull();
    await setDigit([ten[0]!], '8');
    await setDigit([ten[1]!], '5');
    expect(await cli.killAt({ method: 'PUT', pathPrefix: STATUS, at: 'request', skip: 0 })).not.toBeNull();
    const third = resultOf(await cli.run('testadmin', '--json'));
    expect(repeatedAcknowledged(server.requests.slice(start))).toEqual([]);
    const executions = (await satchelExecutions(admin))
      .sort((a, b) => String(a.RCT).localeCompare(String(b.RCT)))
      .map((row) => String(row.RID));
    expect(executions).toHaveLength(4);
    expect(executions.slice(0, 2)).toEqual([first.executionRid, second.executionRid]);
    // The newest value of every image in the catalog is its draft: 8, 5, then 3 for the other eight.
    const newest = new Map<string, unknown>();
    for (const execution of executions)
      for (const [image, digit] of await valuesOf(admin, DIGIT, 'Digit', execution))
        newest.set(String(image), digit);
    expect(ten.map((image) => newest.get(image))).toEqual(['8', '5', '3', '3', '3', '3', '3', '3', '3', '3']);
    expect(third.notes[0]).toBe(
      `Finished the interrupted commit of Execution ${executions[2]} as it was saved.`,
    );
    expect(await valuesOf(admin, DIGIT, 'Digit', executions[2]!)).toEqual(ten.map((image) => [image, '3']));
    expect(await valuesOf(admin, DIGIT, 'Digit', executions[3]!)).toEqual([
      [ten[0], '8'],
      [ten[1], '5'],
    ]);
    const again = server.requests.length;
    expect(resultOf(await cli.run('testadmin', '--json')).alreadyCommitted).toBe(true);
    expect(writes(server.requests.slice(again))).toEqual([]);
  }, 120_000);
});

describe('satchel commit, end to end', () => {
  it('two processes at once: the second says which process is committing and sends nothing; a killed holder frees the lock', async () => {
    const server = (standIn = await startWorldStandIn());
    const admin = clientAs(server, 'testadmin');
    const cli = await commitWorkspace(server);
    await cli.labeling((on) => label(on.digit, images.slice(0, 5), { Digit: '2' }));
    const paused = server.hold({
      method: 'POST',
      pathPrefix: `${ENTITY}deriva-ml:Execution?`,
      at: 'request',
    });
    const firstRun = cli.run('testadmin', '--json');
    const held = await paused;
    const before = server.requests.length;
    const second = await cli.run('testadmin', '--json');
    expect(second.code).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(
      new RegExp(
        `^satchel: Another commit of bag ${facts.rid} to ${catalogUrl(server)} is running \\(process (\\d+), since \\S+\\); nothing was sent\\. Wait for it to finish, then commit again\\.\\n$`,
      ),
    );
    expect(writes(server.requests.slice(before))).toEqual([]);
    held.release();
    const first = resultOf(await firstRun);
    expect(Number(/process (\d+)/.exec(second.stderr)![1])).toBe((await firstRun).pid);
    expect(resultOf(await cli.run('testadmin', '--json'))).toEqual({ ...first, alreadyCommitted: true });

    // A holder killed mid-commit holds nothing: the next process takes the lock and finishes its work.
    await cli.labeling((on) => label(on.digit, [images[9]!], { Digit: '9' }));
    expect(
      await cli.killAt({ method: 'POST', pathPrefix: `${ENTITY}${DIGIT}?`, at: 'request' }),
    ).not.toBeNull();
    const resumed = resultOf(await cli.run('testadmin', '--json'));
    expect(await valuesOf(admin, DIGIT, 'Digit', resumed.executionRid)).toEqual([[images[9], '9']]);
    expect(await satchelExecutions(admin)).toHaveLength(2);
  }, 120_000);

  it('refused as a reader (403), a label changed, then run by the owner with a new description: the catalog holds the current values, author and description', async () => {
    const server = (standIn = await startWorldStandIn());
    const admin = clientAs(server, 'testadmin');
    const cli = await commitWorkspace(server);
    await cli.labeling((on) => label(on.digit, images.slice(0, 2), { Digit: '4' }, 'testuser'));
    const refused = await cli.run('testuser');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /^satchel: Your account is not allowed to do POST \/ermrest\/catalog\/1\/entity\/deriva-ml:Workflow\?\S+ \(403\)/,
    );
    await cli.labeling((on) => label(on.digit, [images[0]!], { Digit: '6' }, 'testadmin'));
    const owner = await cli.run('testadmin', '--description', 'Relabeled by the owner');
    expect(owner.code).toBe(0);
    const lines = owner.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Committed: Execution (\S+) \(/);
    expect(lines[2]).toMatch(
      /^An earlier attempt \(Your account is not allowed to do POST .+\) never reached the catalog, so it was planned again from the current labels, author and description\.$/,
    );
    const execution = /^Committed: Execution (\S+) /.exec(lines[0]!)![1]!;
    const [row] = await rowsOf(admin, 'deriva-ml:Execution', ['RID', execution]);
    expect(row).toMatchObject({ Description: 'Relabeled by the owner', RCB: 'testadmin' });
    expect(await valuesOf(admin, DIGIT, 'Digit', execution)).toEqual([
      [images[0], '6'],
      [images[1], '4'],
    ]);
    const [link] = await rowsOf(admin, 'deriva-ml:Execution_Metadata_Execution', ['Execution', execution]);
    const [metadata] = await rowsOf(admin, 'deriva-ml:Execution_Metadata', [
      'RID',
      String(link!.Execution_Metadata),
    ]);
    const configuration = JSON.parse(
      await (
        await fetch(`${server.origin}${String(metadata!.URL)}`, {
          headers: { cookie: server.login('testadmin') },
        })
      ).text(),
    ) as Record<string, unknown>;
    expect(configuration).toMatchObject({
      description: 'Relabeled by the owner',
      satchel: { author: 'testadmin', execution },
    });
    expect(await satchelExecutions(admin)).toHaveLength(1);
  }, 120_000);

  it('names the catalog identity as the author, not the local user name', async () => {
    const server = (standIn = await startWorldStandIn());
    const admin = clientAs(server, 'testadmin');
    const cli = await commitWorkspace(server);
    await cli.labeling((on) => label(on.digit, images.slice(0, 2), { Digit: '1' }));
    expect(os.userInfo().username).not.toBe('testadmin');
    const result = resultOf(await cli.run('testadmin', '--json'));
    const [row] = await rowsOf(admin, 'deriva-ml:Execution', ['RID', result.executionRid]);
    expect(row).toMatchObject({
      Description: 'Labels made offline with Satchel by testadmin',
      RCB: 'testadmin',
    });
    // --author is gone: the catalog says who commits.
    const refused = await cli.run('testadmin', '--author', 'someone');
    expect([refused.code, refused.stdout]).toEqual([2, '']);
    expect(refused.stderr).toMatch(/^satchel: .*--author.*\n$/);
  }, 120_000);

  it('Ctrl-C cancels at the next request: exit 130, the execution says Failed and why; run again, one of each row', async () => {
    const server = (standIn = await startWorldStandIn());
    const admin = clientAs(server, 'testadmin');
    const cli = await commitWorkspace(server);
    await cli.labeling((on) => {
      label(on.digit, images.slice(0, 20), { Digit: '3' });
      label(on.hand, subjects.slice(0, 5), { Handedness: 'Left' });
    });
    const start = server.requests.length;
    // The Digit rows reach the catalog; their answer is held while the user presses Ctrl-C.
    const held = server.hold({ method: 'POST', pathPrefix: `${ENTITY}${DIGIT}?`, at: 'answer' });
    const child = cli.start();
    const ended = cli.finish(child);
    const request = await held;
    child.kill('SIGINT');
    const end = await ended;
    request.cut();
    expect([end.code, end.stdout, end.stderr]).toEqual([
      130,
      '',
      '\nsatchel: The commit was cancelled; nothing is lost, and committing again finishes it.\n',
    ]);
    const [cancelled] = await satchelExecutions(admin);
    expect(cancelled).toMatchObject({
      Status: 'Failed',
      Status_Detail:
        'Cancelled in Satchel after 0 of 25 feature values were sent; committing again from Satchel sends the rest.',
    });
    const final = resultOf(await cli.run('testadmin', '--json'));
    expect(final.executionRid).toBe(cancelled!.RID);
    expect(await valuesOf(admin, DIGIT, 'Digit', final.executionRid)).toEqual(
      images.slice(0, 20).map((image) => [image, '3']),
    );
    expect(await valuesOf(admin, HAND, 'Handedness', final.executionRid)).toEqual(
      subjects.slice(0, 5).map((subject) => [subject, 'Left']),
    );
    expect(await satchelExecutions(admin)).toHaveLength(1);
    expect(repeatedAcknowledged(server.requests.slice(start))).toEqual([]);
    expect(historyOf(server, 'deriva-ml:Execution', final.executionRid, 'Status')).toEqual([
      'Created',
      'Running',
      'Stopped',
      'Pending_Upload',
      'Failed',
      'Pending_Upload',
      'Uploaded',
    ]);
  }, 120_000);
});
