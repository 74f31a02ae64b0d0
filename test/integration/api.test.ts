import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureValue } from '../../shared/bag.js';
import {
  MEMBERS_PAGE_ROWS,
  type Channel,
  type EventMap,
  type RequestOf,
  type ResponseOf,
} from '../../shared/contract.js';
import type { ApiHost } from '../../main/core/api/index.js';
import { buildMiniBag, refreshManifests } from '../support/mini-bag.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory('satchel-api-');
const workspace = path.join(scratch.dir, 'workspace');
const home = path.join(scratch.dir, 'home');
const build = path.join(repoRoot, 'test-artifacts', `api-build-${process.pid}`);
let host: ApiHost;
const events: EventMap['progress'][] = [];

/** The worker thread needs JavaScript: compile main/ and shared/ into a private folder for this file. */
function compile(outDir: string): void {
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--sourceMap', 'false'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  if (!fs.existsSync(path.join(outDir, 'main', 'core', 'api', 'worker.js')))
    throw new Error(`tsc failed:\n${result.stdout}`);
}

async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = await host.handle(channel, request);
  if (!result.ok) throw new Error(`${channel} failed: ${result.error.kind}: ${result.error.message}`);
  return result.value as ResponseOf<C>;
}

async function refusal(channel: string, raw: unknown) {
  const result = await host.handle(channel, raw);
  if (result.ok) throw new Error(`${channel} unexpectedly succeeded`);
  return result.error;
}

/** The mini bag, with three hostile or odd asset rows: a Filename climbing out, a symlink, a text file. */
function buildTrickyBag(): { bag: string; secret: string } {
  const secret = path.join(scratch.dir, 'secret.txt');
  fs.writeFileSync(secret, 'the secret bytes\n');
  const bag = buildMiniBag(path.join(scratch.dir, 'bags'));
  const imageCsv = path.join(bag, 'data', 'lab', 'Image.csv');
  const lines = fs.readFileSync(imageCsv, 'utf8').split('\n');
  const edit = (rid: string, change: (cells: string[]) => void) => {
    const index = lines.findIndex((line) => line.startsWith(`${rid},`));
    const cells = lines[index]!.split(',');
    change(cells);
    lines[index] = cells.join(',');
  };
  // URL (not in fetch.txt) and Filename: the only way to the file is the Filename, which climbs out.
  edit('I1', (cells) => {
    cells[5] = '/hatrac/Image/elsewhere:V1';
    cells[6] = '../../../secret.txt';
  });
  edit('I3', (cells) => (cells[6] = 'image_3.txt'));
  fs.writeFileSync(imageCsv, lines.join('\n'));
  const assets = path.join(bag, 'data', 'asset');
  fs.rmSync(path.join(assets, 'I2', 'Image', 'image_2.bin'));
  fs.symlinkSync(secret, path.join(assets, 'I2', 'Image', 'image_2.bin'));
  fs.renameSync(
    path.join(assets, 'I3', 'Image', 'image_3.bin'),
    path.join(assets, 'I3', 'Image', 'image_3.txt'),
  );
  const fetchTxt = path.join(bag, 'fetch.txt');
  fs.writeFileSync(
    fetchTxt,
    fs
      .readFileSync(fetchTxt, 'utf8')
      .replace('data/asset/I3/Image/image_3.bin', 'data/asset/I3/Image/image_3.txt'),
  );
  refreshManifests(bag);
  // Changed after the manifests: its bytes no longer match the row's MD5.
  fs.appendFileSync(path.join(assets, 'I4', 'Image', 'image_4.bin'), 'tampered');
  return { bag, secret };
}

const tricky = buildTrickyBag();
let miniId = '';

beforeAll(async () => {
  compile(build);
  const cached = path.join(
    home,
    '.deriva-ml',
    'www.example.org',
    '1',
    'cache',
    'bags',
    '0123456789abcdef_2TA',
    'Dataset_9Z',
  );
  fs.mkdirSync(cached, { recursive: true });
  fs.writeFileSync(path.join(cached, 'bagit.txt'), 'BagIt-Version: 0.97\n');
  const hostModule = (await import(
    pathToFileURL(path.join(build, 'main', 'core', 'api', 'host.js')).href
  )) as typeof import('../../main/core/api/host.js');
  host = await hostModule.startApiHost({ workspace, homeDir: home });
  host.onEvent((name, payload) => {
    if (name === 'progress') events.push(payload as EventMap['progress']);
  });
  miniId = (await call('bag:open', { path: tricky.bag })).bagId;
});

afterAll(async () => {
  await host?.close();
  fs.rmSync(build, { recursive: true, force: true });
  scratch.cleanup();
});

describe('the API host over a self-made bag', () => {
  it('bag:open returns the id, report and asset element types, emits progress and records a recent bag', async () => {
    const opened = await call('bag:open', { path: tricky.bag });
    expect(opened.bagId).toBe(miniId);
    expect(opened.bagId).toMatch(/^[0-9a-f]{16}$/);
    expect(opened).toMatchObject({
      path: tricky.bag,
      assetElementTypes: ['Image'],
      report: { rid: 'D1', format: 'B' },
    });
    expect(
      events.some((event) => event.task === 'open' && event.path === tricky.bag && event.phase === 'import'),
    ).toBe(true);
    const state = await call('library:state', {});
    expect(state.recent).toEqual([
      {
        path: tricky.bag,
        rid: 'D1',
        version: '0.10.0',
        openedAt: expect.any(String),
        source: `folder in ${path.dirname(tricky.bag)}`,
      },
    ]);
    expect(state.derivaCache).toEqual([
      {
        path: path.join(
          home,
          '.deriva-ml',
          'www.example.org',
          '1',
          'cache',
          'bags',
          '0123456789abcdef_2TA',
          'Dataset_9Z',
        ),
        rid: '9Z',
        version: null,
        source: '~/.deriva-ml/www.example.org/1/cache',
      },
    ]);
  });

  it('answers the read channels with the contract shapes', async () => {
    const datasets = await call('bag:datasets', { bagId: miniId });
    expect(datasets.map((dataset) => dataset.rid)).toEqual(['D1', 'D1-T']);
    const members = await call('bag:members', {
      bagId: miniId,
      datasetRid: 'D1',
      elementType: 'Image',
      recurse: true,
      limit: 4,
    });
    expect(members).toMatchObject({ total: 6, offset: 0 });
    expect(members.rows.map((row) => row.RID)).toEqual(['I0', 'I1', 'I2', 'I3']);
    expect(members.badges.I0).toEqual([
      { feature: 'Label', value: 'Cat', executions: 1, disagreement: false, from: 'person' },
    ]);
    expect(Object.keys(members.badges).sort()).toEqual(['I0', 'I1', 'I2', 'I3']);
    const rows = await call('bag:rows', {
      bagId: miniId,
      table: 'lab:Label',
      sort: { column: 'Name', descending: true },
    });
    expect(rows.rows.map((row) => row.Name)).toEqual(['Dog', 'Cat', 'Bird']);
    const table = await call('bag:table', { bagId: miniId, table: 'lab:Execution_Image_Label' });
    expect(table).toMatchObject({ schema: 'lab', table: 'Execution_Image_Label', kind: 'feature' });
    expect(await call('bag:row', { bagId: miniId, table: 'lab:Image', rid: 'I0' })).toMatchObject({
      RID: 'I0',
      Filename: 'image_0.bin',
    });
    expect(await call('bag:row', { bagId: miniId, table: 'lab:Image', rid: 'NONE' })).toBeNull();
    const features = await call('bag:features', { bagId: miniId });
    expect(features.map((feature) => `${feature.target}/${feature.name}`)).toEqual(['Image/Label']);
    const values = await call('bag:feature-values', {
      bagId: miniId,
      target: 'Image',
      feature: 'Label',
      selector: { kind: 'newest' },
    });
    expect(values).toHaveLength(6);
  });

  it('asset:info describes a file: checksum check, text preview, provenance and feature values', async () => {
    const text = await call('asset:info', { bagId: miniId, table: 'lab:Image', rid: 'I3' });
    expect(text).toMatchObject({
      table: 'lab:Image',
      rid: 'I3',
      preview: 'text',
      relative: 'data/asset/I3/Image/image_3.txt',
      exists: true,
      bytes: 14,
      checksumMatches: true,
      text: 'image 3 of D1\n',
      types: [],
      provenance: [],
    });
    expect(text.features).toEqual([
      {
        feature: 'Label',
        target: 'I3',
        execution: 'E1',
        rct: '2026-01-01T10:00:00.000000+00:00',
        values: { Label: 'Cat', Score: 0.5 },
      },
    ]);
    const tampered = await call('asset:info', { bagId: miniId, table: 'lab:Image', rid: 'I4' });
    expect(tampered).toMatchObject({ preview: 'other', exists: true, checksumMatches: false, text: null });
    expect(await refusal('asset:info', { bagId: miniId, table: 'lab:Image', rid: 'I1' })).toMatchObject({
      kind: 'unsafe-path',
    });
    expect(await refusal('asset:info', { bagId: miniId, table: 'lab:Image', rid: 'NOPE' })).toEqual({
      kind: 'not-found',
      message: 'The bag has no Image row with the RID NOPE.',
    });
    expect(await refusal('asset:info', { bagId: miniId, table: 'lab:Label', rid: 'L0' })).toMatchObject({
      kind: 'bad-argument',
    });
  });

  it('assetFile serves only files inside the bag: never through "..", a symlink, or a non-asset table', async () => {
    const root = fs.realpathSync(tricky.bag);
    const good = await host.assetFile('asset', miniId, 'lab:Image', 'I0');
    expect(good).toEqual({
      path: path.join(root, 'data', 'asset', 'I0', 'Image', 'image_0.bin'),
      contentType: 'application/octet-stream',
    });
    expect(await host.assetFile('asset', miniId, 'Image', 'I3')).toMatchObject({
      contentType: 'text/plain; charset=utf-8',
    });
    for (const [table, rid] of [
      ['lab:Image', 'I1'],
      ['lab:Image', 'I2'],
      ['lab:Image', 'NOPE'],
      ['lab:Label', 'L0'],
      ['../../etc', 'passwd'],
    ] as const) {
      expect(await host.assetFile('asset', miniId, table, rid), `${table} ${rid}`).toBeNull();
      expect(await host.assetFile('thumb', miniId, table, rid), `thumb ${table} ${rid}`).toBeNull();
    }
    expect(await host.assetFile('asset', 'ffffffffffffffff', 'lab:Image', 'I0')).toBeNull();
    expect(await host.assetFile('thumb', miniId, 'lab:Image', 'I0')).toBeNull();
  });

  it('refuses malformed requests with bad-request and one sentence', async () => {
    const cases: [string, unknown][] = [
      ['bag:explode', {}],
      ['__proto__', {}],
      ['constructor', {}],
      ['bag:open', {}],
      ['bag:open', { path: tricky.bag, extra: true }],
      ['bag:open', 'a string'],
      ['bag:members', { bagId: miniId, datasetRid: 'D1', elementType: 'Image', limit: 100_000 }],
      ['bag:members', { bagId: miniId, datasetRid: 'D1; DROP TABLE', elementType: 'Image' }],
      ['bag:datasets', { bagId: 'NOT-HEX!' }],
      [
        'asset:prefetch',
        { bagId: miniId, table: 'lab:Image', rids: Array.from({ length: 501 }, () => 'I0') },
      ],
    ];
    for (const [channel, raw] of cases) {
      const error = await refusal(channel, raw);
      expect(error.kind, `${channel} ${JSON.stringify(raw)?.slice(0, 80)}`).toBe('bad-request');
      expect(error.message).toMatch(/^[A-Z"].*\.$/);
      expect(error.message).not.toMatch(/\n|at .*\.js/);
    }
    expect((await refusal('bag:members', cases[6]![1])).message).toMatch(/"limit"/);
  });

  it('reports core failures with their kind and sentence', async () => {
    expect(await refusal('bag:datasets', { bagId: 'ffffffffffffffff' })).toMatchObject({
      kind: 'unknown-bag',
    });
    expect(await refusal('bag:open', { path: path.join(scratch.dir, 'nothing-here') })).toMatchObject({
      kind: 'not-a-bag',
    });
    expect(await refusal('bag:table', { bagId: miniId, table: 'lab:Nope' })).toEqual({
      kind: 'unknown-table',
      message: 'The bag has no table "lab:Nope".',
    });
    expect(
      await refusal('bag:members', { bagId: miniId, datasetRid: 'D9', elementType: 'Image' }),
    ).toMatchObject({
      kind: 'unknown-dataset',
    });
  });

  it('bag:verify reports the tampered and linked files and emits verify progress', async () => {
    const report = await call('bag:verify', { bagId: miniId });
    expect(report.ok).toBe(false);
    expect(report.problems.map((problem) => problem.path)).toContain('data/asset/I4/Image/image_4.bin');
    expect(events.some((event) => event.task === 'verify')).toBe(true);
  });

  it('library:sample builds the sample once and library:forget drops a recent bag', async () => {
    const sample = await call('library:sample', {});
    expect(sample.path).toBe(path.join(workspace, 'sample', path.basename(sample.path)));
    expect(events.some((event) => event.task === 'sample' && event.phase === 'digits')).toBe(true);
    expect((await call('library:state', {})).sample).toEqual({ path: sample.path, built: true });
    const opened = await call('bag:open', { path: sample.path });
    expect(opened.assetElementTypes).toEqual(['Image']);
    const digits = await call('bag:members', {
      bagId: opened.bagId,
      datasetRid: opened.report.rid,
      elementType: 'Image',
      recurse: true,
      limit: 600,
    });
    // The sample is the world at 1.0.0: a Digit badge on every image, Quality and Region where drawn.
    const facts = generatedBags().facts;
    const badges = Object.values(digits.badges).flat();
    expect(badges.length).toBe(
      facts.design.images + Object.keys(facts.quality.A).length + Object.keys(facts.regions.A).length,
    );
    expect(badges.some((badge) => badge.disagreement)).toBe(true);
    expect(badges.some((badge) => badge.executions === 1)).toBe(true);
    const thumb = await host.assetFile('thumb', opened.bagId, 'Image', String(digits.rows[0]!.RID));
    expect(thumb).toMatchObject({ contentType: 'image/webp' });
    expect(thumb!.path.startsWith(path.join(fs.realpathSync(workspace), 'thumbs'))).toBe(true);
    expect(
      await call('asset:prefetch', {
        bagId: opened.bagId,
        table: 'Image',
        rids: digits.rows.slice(0, 20).map((row) => String(row.RID)),
      }),
    ).toEqual({
      queued: 20,
    });
    const state = await call('library:forget', { path: sample.path });
    expect(state.recent.map((bag) => bag.path)).toEqual([tricky.bag]);
    expect(await call('bag:close', { bagId: opened.bagId })).toEqual({ closed: true });
    expect(await call('bag:close', { bagId: opened.bagId })).toEqual({ closed: false });
  });
});

describe('the API host over the generated sample-world bag', () => {
  it('bag:open brings the datasets, the features and the first page of the first view', async () => {
    const bags = generatedBags();
    const opened = await call('bag:open', { path: bags.formatB });
    expect(opened.report.datasets).toEqual(await call('bag:datasets', { bagId: opened.bagId }));
    expect(opened.features).toEqual(await call('bag:features', { bagId: opened.bagId }));
    expect(opened.firstPage).toMatchObject({
      datasetRid: bags.facts.rid,
      elementType: 'Image',
      recurse: true,
    });
    const page = await call('bag:members', {
      bagId: opened.bagId,
      datasetRid: bags.facts.rid,
      elementType: 'Image',
      recurse: true,
      offset: 0,
      limit: MEMBERS_PAGE_ROWS,
    });
    expect(page.rows).toHaveLength(MEMBERS_PAGE_ROWS);
    expect(page.total).toBe(300);
    expect(opened.firstPage!.page).toEqual(page);
  });

  it('shows the annotators\u2019 disagreements as badges, computed per page', async () => {
    const bags = generatedBags();
    const facts = bags.facts;
    const opened = await call('bag:open', { path: bags.formatB });
    const page = await call('bag:members', {
      bagId: opened.bagId,
      datasetRid: facts.rid,
      elementType: 'Image',
      recurse: true,
      limit: 300,
    });
    expect(page.total).toBe(300);
    // The newest value (the model's) shows; a disagreement is flagged wherever the raters differ.
    for (const known of facts.disagreements) {
      expect(page.badges[known.image]!.find((badge) => badge.feature === 'Digit')).toEqual({
        feature: 'Digit',
        value: known.model,
        executions: 3,
        disagreement: true,
        from: 'model',
      });
    }
    // Every badge agrees with the raw feature values: disagreement iff two executions gave different digits.
    const all = await call('bag:feature-values', {
      bagId: opened.bagId,
      target: 'Image',
      feature: 'Digit',
      selector: { kind: 'all' },
    });
    const byImage = new Map<string, FeatureValue[]>();
    for (const value of all) byImage.set(value.target, [...(byImage.get(value.target) ?? []), value]);
    expect(byImage.size).toBe(300);
    let disagreements = 0;
    for (const [image, values] of byImage) {
      const badge = page.badges[image]!.find((candidate) => candidate.feature === 'Digit')!;
      const differ = new Set(values.map((value) => value.values.Digit)).size > 1;
      expect(badge.disagreement).toBe(differ);
      expect(badge.executions).toBe(values.length);
      expect(badge.value).toBe(facts.digit.model[image]!.digit);
      if (differ) disagreements += 1;
    }
    // The 18 A/B disagreements, plus every image where the model alone differs from the people.
    const modelAlone = Object.entries(facts.digit.model).filter(([image, { digit }]) => {
      const people = [facts.digit.A[image], facts.digit.B[image]].filter((value) => value !== undefined);
      return people.length > 0 && people.every((value) => value === people[0]) && people[0] !== digit;
    }).length;
    expect(disagreements).toBe(facts.disagreements.length + modelAlone);
    const quality = Object.values(page.badges)
      .flat()
      .filter((badge) => badge.feature === 'Quality');
    expect(quality).toHaveLength(Object.keys(facts.quality.A).length);

    const tie = facts.disagreements.find((entry) => entry.threeWayTie)!;
    const info = await call('asset:info', {
      bagId: opened.bagId,
      table: `${facts.schemas.domain}:Image`,
      rid: tie.image,
    });
    expect(info).toMatchObject({ preview: 'image', exists: true, checksumMatches: true, types: ['Image'] });
    expect(
      info.features
        .filter((value) => value.feature === 'Digit')
        .map((value) => [value.execution, value.values.Digit, value.values.Confidence]),
    ).toEqual([
      [facts.executions.A, tie.A, null],
      [facts.executions.B, tie.B, null],
      [facts.executions.model, tie.model, tie.modelConfidence],
    ]);
    const thumb = await host.assetFile('thumb', opened.bagId, 'Image', tie.image);
    expect(thumb).toMatchObject({ contentType: 'image/webp' });
    const format = facts.images.find((image) => image.rid === tie.image)!.format;
    expect(await host.assetFile('asset', opened.bagId, 'Image', tie.image)).toMatchObject({
      contentType: format === 'png' ? 'image/png' : 'image/jpeg',
    });
  });
});
