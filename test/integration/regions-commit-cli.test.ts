// Asset-valued features from the command line against the stand-in serving the sample world:
// `satchel label --file` attaching a file to an asset column (and refusing bad files in one sentence),
// and `satchel commit` of drawn regions and attached files killed with SIGKILL inside its uploads at
// seeded random points of the chunked protocol, and at every asset step after them, then run again:
// one Hatrac object and one row of each kind per file, no acknowledged request sent twice.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openBag } from '../../main/core/bag/index.js';
import { LabelingSession, LabelStore } from '../../main/core/labels/index.js';
import { RegionSession, RegionStore, StagedFiles } from '../../main/core/regions/index.js';
import { seededRandom } from '../../main/core/sample/random.js';
import { openWorkspaceDb } from '../../main/core/workspace-db/index.js';
import type { DrawnRegion } from '../../shared/regions.js';
import type { HoldRule, RequestRecord, StandIn } from '../stand-in/index.js';
import {
  assetRecord,
  assetUrl,
  featureRowsOf,
  hatracTraffic,
  md5Of,
  readHatracObject,
  REGION_FEATURE,
  REGION_FILE,
} from '../support/asset-commit.js';
import { generatedBags } from '../support/bags.js';
import {
  catalogUrl,
  clientAs,
  imagesAt100,
  label,
  repeatedAcknowledged,
  rowsOf,
  startWorldStandIn,
} from '../support/commit-world.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

const bags = generatedBags();
const facts = bags.facts;
const DIGIT = `${facts.schemas.domain}:Execution_Image_Digit`;
const ENTITY = '/ermrest/catalog/1/entity/';
const images = imagesAt100(facts);
const size = { width: facts.design.imageSize, height: facts.design.imageSize };
const scratch = temporaryDirectory('satchel-regions-commit-cli-');
const CLI = path.join(repoRoot, 'bin', 'satchel.js');
let standIn: StandIn | undefined;
let counter = 0;

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
}

function finish(child: ReturnType<typeof spawn>): Promise<Run> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const satchel = (args: string[], options: { uid?: number; gid?: number } = {}) =>
  spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });

const run = (args: string[]) => finish(satchel(args));

const box = (x0: number, y0: number, x1: number, y1: number, term: string | null): DrawnRegion => ({
  kind: 'rectangle',
  points: [
    [x0, y0],
    [x1, y1],
  ],
  label: term,
});

/** Seeded bytes that do not compress into sameness: an attached file of many chunks. */
function seededBytes(length: number, seed: number): Buffer {
  const random = seededRandom(seed);
  return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
}

function newWorkspace(): string {
  return path.join(scratch.dir, `workspace-${++counter}`);
}

describe('satchel label --file', () => {
  const labelArgs = (workspace: string, ...extra: string[]) => [
    'label',
    bags.formatB,
    '--feature',
    'Image/Region',
    '--workspace',
    workspace,
    ...extra,
  ];

  it('attaches a file to the asset column of every image set, keeps one copy in the workspace, and the commit sends it once', async () => {
    const server = (standIn = await startWorldStandIn());
    const workspace = newWorkspace();
    const file = path.join(scratch.dir, 'mask, “final” 50%.png');
    const bytes = seededBytes(3000, 7);
    fs.writeFileSync(file, bytes);
    const [a, b] = images as [string, string];
    const set = await run(
      labelArgs(workspace, '--set', `${a}=3`, '--set', `${b}=9`, '--file', `Region_File=${file}`, '--json'),
    );
    expect([set.code, set.stderr]).toEqual([0, '']);
    expect(JSON.parse(set.stdout)).toMatchObject({ changed: 2 });
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    const reference = `satchel:files/${sha256}/${path.basename(file)}`;
    const listed = await run(['drafts', 'list', ...labelArgs(workspace, '--json').slice(1)]);
    expect(listed.code).toBe(0);
    expect(
      (JSON.parse(listed.stdout) as { drafts: { target: string; values: unknown }[] }).drafts.map((draft) => [
        draft.target,
        draft.values,
      ]),
    ).toEqual(
      [
        [a, { Digit: '3', Region_File: reference }],
        [b, { Digit: '9', Region_File: reference }],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    // One copy, by content, whole.
    const copy = new StagedFiles(workspace).pathOf({ store: 'files', sha256, filename: path.basename(file) });
    expect(fs.readFileSync(copy).equals(bytes)).toBe(true);
    expect(fs.readdirSync(path.join(workspace, 'files'))).toEqual([sha256.slice(0, 2)]);

    const credential = path.join(scratch.dir, `credential-${counter}.json`);
    fs.writeFileSync(credential, JSON.stringify({ '127.0.0.1': { cookie: server.login('testadmin') } }));
    const committed = await run([
      'commit',
      bags.formatB,
      '--catalog',
      catalogUrl(server),
      '--credential',
      credential,
      '--workspace',
      workspace,
      '--json',
    ]);
    expect([committed.code, committed.stderr]).toEqual([0, '']);
    const { executionRid } = JSON.parse(committed.stdout) as { executionRid: string };
    const url = assetUrl(REGION_FILE, bytes, path.basename(file));
    expect(url).toBe(`/hatrac/Region_File/${md5Of(bytes)}.mask%2C%20%E2%80%9Cfinal%E2%80%9D%2050%25.png`);
    const object = await readHatracObject(server, url);
    expect([object.bytes.equals(bytes), object.contentMd5, object.versions.length]).toEqual([
      true,
      Buffer.from(md5Of(bytes), 'hex').toString('base64'),
      1,
    ]);
    const admin = clientAs(server, 'testadmin');
    const { row, types, links } = await assetRecord(admin, REGION_FILE, url);
    expect(row).toMatchObject({ Filename: path.basename(file), Length: 3000, MD5: md5Of(bytes) });
    expect(types).toEqual(['Output_File', 'Region_File']);
    expect(links).toEqual([{ Execution: executionRid, Asset_Role: 'Output' }]);
    expect(await featureRowsOf(admin, REGION_FEATURE, executionRid, ['Region_File', 'Digit'])).toEqual({
      [a]: { Region_File: row.RID, Digit: '3' },
      [b]: { Region_File: row.RID, Digit: '9' },
    });
  }, 120_000);

  it('refuses a bad file or column with exit 2 and one sentence naming it, writing no draft and no copy', async () => {
    const workspace = newWorkspace();
    const target = images[0]!;
    const folder = path.join(scratch.dir, 'a folder');
    fs.mkdirSync(folder);
    const huge = path.join(scratch.dir, 'huge.bin');
    // Sparse: 1 GiB and one byte on paper, nothing on disk; refused before a byte is read.
    fs.closeSync(fs.openSync(huge, 'w'));
    fs.truncateSync(huge, 1024 ** 3 + 1);
    const fifo = path.join(scratch.dir, 'pipe');
    await finish(spawn('mkfifo', [fifo], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const good = path.join(scratch.dir, 'good.json');
    fs.writeFileSync(good, '{}\n');
    const missing = path.join(scratch.dir, 'nowhere', 'regions.json');
    const cases: [string[], string][] = [
      [
        ['--set', `${target}=3`, '--file', `Region_File=${missing}`],
        `${missing} cannot be attached: it does not exist.`,
      ],
      [
        ['--set', `${target}=3`, '--file', `Region_File=${folder}`],
        `${folder} cannot be attached: it is a folder, not a file.`,
      ],
      [
        ['--set', `${target}=3`, '--file', `Region_File=${huge}`],
        `${huge} cannot be attached: it has 1,073,741,825 bytes, more than the 1 GiB Satchel attaches.`,
      ],
      [
        ['--set', `${target}=3`, '--file', `Region_File=${fifo}`],
        `${fifo} cannot be attached: it is not a regular file.`,
      ],
      [
        ['--set', `${target}=3`, '--file', `Mask=${good}`],
        `--file Mask=${good}: Image/Region has no asset column Mask (its asset columns: Region_File).`,
      ],
      [
        ['--file', `Region_File=${good}`],
        '--file attaches a file to the targets of --set RID=Term; give at least one.',
      ],
      [['--set', `${target}=3`, '--file', 'Region_File'], '--file takes NAME=VALUE, not "Region_File".'],
      [['--set', 'NOPE=3', '--file', `Region_File=${good}`], 'Image NOPE is not in this bag.'],
    ];
    for (const [args, sentence] of cases) {
      const result = await run(labelArgs(workspace, ...args));
      expect([args.join(' '), result.code, result.stdout, result.stderr]).toEqual([
        args.join(' '),
        2,
        '',
        `satchel: ${sentence}\n`,
      ]);
    }
    // A feature without asset columns says it has none.
    const digit = await run([
      'label',
      bags.formatB,
      '--feature',
      'Image/Digit',
      '--workspace',
      workspace,
      '--set',
      `${target}=3`,
      '--file',
      `Digit=${good}`,
    ]);
    expect([digit.code, digit.stderr]).toEqual([
      2,
      `satchel: --file Digit=${good}: Image/Digit has no asset column Digit (it has none).\n`,
    ]);
    const listed = await run([
      'drafts',
      'list',
      bags.formatB,
      '--feature',
      'Image/Region',
      '--workspace',
      workspace,
      '--json',
    ]);
    expect((JSON.parse(listed.stdout) as { drafts: unknown[] }).drafts).toEqual([]);
    expect(
      fs.existsSync(path.join(workspace, 'files')) ? fs.readdirSync(path.join(workspace, 'files')) : [],
    ).toEqual([]);
  }, 120_000);

  // As root every file is readable: the command then runs as the unprivileged user "nobody", who must
  // be able to reach the built CLI (a clone inside a private folder such as /root is out of its reach).
  const asRoot = process.getuid?.() === 0;
  const nobodyReachesCli =
    !asRoot ||
    spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(CLI)}, 4)`], {
      uid: 65534,
      gid: 65534,
      stdio: 'ignore',
    }).status === 0;
  it.skipIf(!nobodyReachesCli)(
    `refuses a file it cannot read (permission denied), in one sentence${nobodyReachesCli ? '' : ' (skipped: run as root in a folder the user "nobody" cannot enter, so no user lacks the permission)'}`,
    async () => {
      const shared = path.join(scratch.dir, 'shared');
      fs.mkdirSync(shared, { mode: 0o777 });
      fs.chmodSync(scratch.dir, 0o755);
      fs.chmodSync(shared, 0o777);
      const bag = path.join(shared, path.basename(bags.formatB));
      fs.cpSync(bags.formatB, bag, { recursive: true });
      const workspace = path.join(shared, 'workspace');
      fs.mkdirSync(workspace, { mode: 0o777 });
      fs.chmodSync(workspace, 0o777);
      const secret = path.join(shared, 'secret.json');
      fs.writeFileSync(secret, '{}\n');
      fs.chmodSync(secret, 0o000);
      const result = await finish(
        satchel(
          [
            'label',
            bag,
            '--feature',
            'Image/Region',
            '--workspace',
            workspace,
            '--set',
            `${images[0]}=3`,
            '--file',
            `Region_File=${secret}`,
          ],
          asRoot ? { uid: 65534, gid: 65534 } : {},
        ),
      );
      expect([result.code, result.stdout, result.stderr]).toEqual([
        2,
        '',
        `satchel: ${secret} cannot be attached: it cannot be read (permission denied).\n`,
      ]);
    },
    120_000,
  );
});

describe('satchel commit of regions and attached files killed with SIGKILL inside its uploads', () => {
  /** Kills at random points of the chunked uploads: this many, from this seed. */
  const UPLOAD_KILLS = 10;
  const SEED = 20261207;
  const CHUNK = 1024;

  it(`lands ${UPLOAD_KILLS} seeded kills inside the uploads and two at every asset step, then leaves one object and one row of each kind per file`, async () => {
    const server = (standIn = await startWorldStandIn());
    const admin = clientAs(server, 'testadmin');
    const workspace = newWorkspace();
    const credential = path.join(scratch.dir, `credential-${counter}.json`);
    fs.writeFileSync(credential, JSON.stringify({ '127.0.0.1': { cookie: server.login('testadmin') } }));
    const before = {
      regionFiles: (await rowsOf(admin, REGION_FILE)).length,
      regionRows: (await rowsOf(admin, REGION_FEATURE)).length,
    };

    // Three drawings, a few digits, and one file of 24 chunks attached to two more images.
    const drawn = images.slice(30, 33);
    const attachedTo = images.slice(33, 35);
    const drawings: Record<string, Buffer> = {};
    {
      const bag = await openBag(bags.formatB, { workspace });
      const db = openWorkspaceDb(workspace);
      try {
        const regions = new RegionSession(
          bag,
          new RegionStore(db, new StagedFiles(workspace).regions),
          'Image/Region',
        );
        drawn.forEach((target, index) => {
          const change = regions.save(
            target,
            [box(5 + index, 5, 40, 40, String(index)), box(50, 50, 90, 90 - index, String(index))],
            size,
            'add',
            'ann',
          );
          drawings[target] = regions.store.content.read(change.draft!.sha256!);
        });
        label(new LabelingSession(bag, new LabelStore(db), 'Image/Digit'), images.slice(40, 45), {
          Digit: '6',
        });
      } finally {
        db.close();
        bag.close();
      }
    }
    const attached = seededBytes(24 * CHUNK - 100, SEED);
    const attachedFile = path.join(scratch.dir, 'scan (large).bin');
    fs.writeFileSync(attachedFile, attached);
    const labeled = await run([
      'label',
      bags.formatB,
      '--feature',
      'Image/Region',
      '--workspace',
      workspace,
      ...attachedTo.flatMap((target) => ['--set', `${target}=8`]),
      '--file',
      `Region_File=${attachedFile}`,
    ]);
    expect([labeled.code, labeled.stderr]).toEqual([0, '']);

    const commitArgs = [
      'commit',
      bags.formatB,
      '--catalog',
      catalogUrl(server),
      '--credential',
      credential,
      '--workspace',
      workspace,
      '--chunk-size',
      String(CHUNK),
      '--json',
    ];
    /** Runs the commit until the request `rule` names is stopped, kills it (SIGKILL) and cuts the request. */
    const killAt = async (rule: HoldRule): Promise<RequestRecord | null> => {
      const held = server.hold(rule);
      const child = satchel(commitArgs);
      const ended = finish(child);
      const first = await Promise.race([held, ended]);
      if (!('release' in first)) {
        server.clearHolds();
        return null;
      }
      child.kill('SIGKILL');
      expect((await ended).signal).toBe('SIGKILL');
      first.cut();
      return first.record;
    };

    const start = server.requests.length;
    const random = seededRandom(SEED);
    const between = (low: number, high: number) => low + Math.floor(random() * (high - low));
    const stage = () => (random() < 0.5 ? 'request' : 'answer');
    const files: [string, Buffer, string[]][] = [
      ...drawn.map((target): [string, Buffer, string[]] => [
        `regions_${target}.json`,
        drawings[target]!,
        [target],
      ]),
      [path.basename(attachedFile), attached, attachedTo],
    ];
    const urls = files.map(([filename, bytes]) => assetUrl(REGION_FILE, bytes, filename));
    const bigUrl = urls.at(-1)!;
    const landed: string[] = [];
    const kill = async (rule: HoldRule, why: string) => {
      const record = await killAt(rule);
      expect(
        record,
        `${why}: ${rule.method ?? 'any'} ${rule.pathPrefix} at the ${rule.at}, skipping ${rule.skip}`,
      ).not.toBeNull();
      landed.push(`${record!.method} ${record!.path.slice('/hatrac/Region_File/'.length + 33)} (${rule.at})`);
    };
    // Inside the 24 chunks of the big file: each run sends at most `skip` more of them, so each kill lands.
    for (const [low, high] of [
      [2, 8],
      [1, 8],
      [1, 6],
    ] as const)
      await kill(
        { method: 'PUT', pathPrefix: `${bigUrl};upload/`, at: stage(), skip: between(low, high) },
        'chunk kill',
      );
    // Each part of the job protocol of the first drawing: its job created and the answer lost (an
    // orphan job), its creation never acted on, a chunk stored and the answer lost, then the
    // finalization done and the answer lost (the next run finds the object by its HEAD).
    const drawingUrl = urls[0]!;
    for (const rule of [
      { method: 'POST', pathPrefix: `${drawingUrl};upload?`, at: 'answer' },
      { method: 'POST', pathPrefix: `${drawingUrl};upload?`, at: 'request' },
      { method: 'PUT', pathPrefix: `${drawingUrl};upload/`, at: 'answer' },
      { method: 'POST', pathPrefix: `${drawingUrl};upload/`, at: 'answer' },
    ] as const)
      await kill(rule, 'protocol kill');
    // Anywhere in the upload of a file Hatrac has not finalized yet: such a file has at least three more
    // requests (HEAD, a new job or the old one read back, the finalization), so a skip below 3 lands.
    for (let count = landed.length; count < UPLOAD_KILLS; count++) {
      const finalized = (url: string) =>
        hatracTraffic(server.requests.slice(start), url).finalized.length > 0;
      const open = urls.filter((url) => !finalized(url));
      expect(open.length, 'files left to kill inside').toBeGreaterThan(0);
      const url = open[between(0, open.length)]!;
      await kill({ pathPrefix: url, at: stage(), skip: between(0, 3) }, `upload kill ${count + 1}`);
    }
    // The kills reached every part of the job protocol: HEAD, creation, chunks, finalization.
    expect(landed.some((entry) => entry.startsWith('HEAD'))).toBe(true);
    expect(landed.some((entry) => /^POST .*;upload\?/.test(entry))).toBe(true);
    expect(landed.some((entry) => /^PUT .*;upload\/\w+\/\d+ /.test(entry))).toBe(true);
    expect(landed.some((entry) => /^POST .*;upload\/\w+ /.test(entry))).toBe(true);
    const STEPS: [string, Omit<HoldRule, 'at'>][] = [
      ['RID lease for the asset rows', { method: 'POST', pathPrefix: `${ENTITY}public:ERMrest_RID_Lease` }],
      ['asset rows', { method: 'POST', pathPrefix: `${ENTITY}${REGION_FILE}?` }],
      ['Asset_Type rows', { method: 'POST', pathPrefix: `${ENTITY}${REGION_FILE}_Asset_Type?` }],
      ['Execution links', { method: 'POST', pathPrefix: `${ENTITY}${REGION_FILE}_Execution?` }],
      ['RID lease for the feature rows', { method: 'POST', pathPrefix: `${ENTITY}public:ERMrest_RID_Lease` }],
      ['feature rows', { method: 'POST', pathPrefix: `${ENTITY}${REGION_FEATURE}?` }],
    ];
    for (const [name, rule] of STEPS)
      for (const at of ['request', 'answer'] as const)
        expect(await killAt({ ...rule, at }), `${name}, killed at the ${at}`).not.toBeNull();

    const final = await run(commitArgs);
    expect([final.code, final.stderr]).toEqual([0, '']);
    const { executionRid, earlier } = JSON.parse(final.stdout) as { executionRid: string; earlier: unknown };
    expect(earlier).toMatchObject({ outcome: 'resumed', executionRid });
    const log = server.requests.slice(start);
    expect(repeatedAcknowledged(log)).toEqual([]);

    // Every file: one object with one version, finalized once, with the right bytes; one asset row,
    // its two types, one Execution link.
    const assetOf: Record<string, string> = {};
    for (const [filename, bytes, targets] of files) {
      const url = assetUrl(REGION_FILE, bytes, filename);
      const traffic = hatracTraffic(log, url);
      expect(traffic.finalized, `finalizations of ${filename}`).toHaveLength(1);
      expect(traffic.singlePuts).toEqual([]);
      const object = await readHatracObject(server, url);
      expect([filename, object.bytes.equals(bytes), object.versions.length]).toEqual([filename, true, 1]);
      const { row, types, links } = await assetRecord(admin, REGION_FILE, url);
      expect(row).toMatchObject({ Filename: filename, Length: bytes.length, MD5: md5Of(bytes) });
      expect(types).toEqual(['Output_File', 'Region_File']);
      expect(links).toEqual([{ Execution: executionRid, Asset_Role: 'Output' }]);
      for (const target of targets) assetOf[target] = String(row.RID);
    }
    // The big file went up chunk by chunk through its kills, resumed in the same job: each of its 24
    // chunks was acknowledged to Satchel exactly once (a chunk whose answer was cut is sent again).
    const big = hatracTraffic(log, bigUrl);
    const acknowledged = big.chunks
      .filter((request) => request.status === 204 && request.delivered)
      .map((request) => Number(request.path.split('/').at(-1)));
    expect(acknowledged.sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, index) => index));
    expect(new Set(big.chunks.map((request) => request.path.split('/').at(-2))).size).toBe(1);

    // One feature row per image, pointing at its file; nothing else was added.
    const rows = await featureRowsOf(admin, REGION_FEATURE, executionRid, ['Region_File', 'Digit']);
    expect(rows).toEqual({
      ...Object.fromEntries(
        drawn.map((target, index) => [target, { Region_File: assetOf[target], Digit: String(index) }]),
      ),
      ...Object.fromEntries(
        attachedTo.map((target) => [target, { Region_File: assetOf[target], Digit: '8' }]),
      ),
    });
    expect([(await rowsOf(admin, REGION_FILE)).length, (await rowsOf(admin, REGION_FEATURE)).length]).toEqual(
      [before.regionFiles + files.length, before.regionRows + drawn.length + attachedTo.length],
    );
    expect((await rowsOf(admin, DIGIT, ['Execution', executionRid])).length).toBe(5);

    // Once more: nothing is sent.
    const again = server.requests.length;
    const repeat = await run(commitArgs);
    expect(JSON.parse(repeat.stdout)).toMatchObject({ alreadyCommitted: true, executionRid });
    expect(
      server.requests.slice(again).filter((request) => request.method !== 'GET' && request.method !== 'HEAD'),
    ).toEqual([]);
  }, 600_000);
});
