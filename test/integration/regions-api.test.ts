/**
 * The regions:* channels on the generated world (feature Image/Region: a labelme file per image by
 * annotators A and B, B's shifted and sometimes a polygon or joined by a stray point), through the same
 * createApi the app runs: the bag's files per execution, drafts with undo and redo, region agreement,
 * the files of other kinds an asset-valued feature may hold, and the upload seam for the commit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../main/core/api/index.js';
import { openBag } from '../../main/core/bag/index.js';
import {
  RegionContentStore,
  RegionStore,
  regionFeature,
  regionFilesToUpload,
} from '../../main/core/regions/index.js';
import { openWorkspaceDb } from '../../main/core/workspace-db/index.js';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import type { DrawnRegion } from '../../shared/regions.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

const FEATURE = 'Image/Region';
const IMAGE_TABLE = 'digits:Image';
const bags = generatedBags();
const { facts } = bags;
const scratch = temporaryDirectory('satchel-regions-api-');
const workspace = path.join(scratch.dir, 'workspace');
let api: Api;
let bagId: string;

async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = (await api.handle(channel, request)) as ApiResult<C>;
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
}

async function failure<C extends Channel>(channel: C, request: RequestOf<C>): Promise<string> {
  const result = (await api.handle(channel, request)) as ApiResult<C>;
  if (result.ok) throw new Error(`${channel} succeeded`);
  return result.error.message;
}

const bothDrew = Object.keys(facts.regions.B);
const onlyA = Object.keys(facts.regions.A).filter((image) => !(image in facts.regions.B));
const undrawn = facts.images.find((image) => !(image.rid in facts.regions.A))!;
const box = (x0: number, y0: number, x1: number, y1: number, label: string | null): DrawnRegion => ({
  kind: 'rectangle',
  points: [
    [x0, y0],
    [x1, y1],
  ],
  label,
});

beforeAll(async () => {
  api = createApi({ workspace, homeDir: scratch.dir });
  bagId = (await call('bag:open', { path: bags.formatB })).bagId;
});
afterAll(async () => {
  await api.close();
  scratch.cleanup();
});

describe('the bag’s region files', () => {
  it('gives each image the labelme files of every execution, drawn as regions', async () => {
    const image = bothDrew[0]!;
    const files = await call('regions:files', { bagId, table: IMAGE_TABLE, rid: image });
    expect(files.map((file) => [file.execution, file.assetRid, file.kind, file.column])).toEqual(
      expect.arrayContaining([
        [facts.executions.A, facts.regions.A[image], 'regions', 'Region_File'],
        [facts.executions.B, facts.regions.B[image], 'regions', 'Region_File'],
      ]),
    );
    expect(files).toHaveLength(2);
    const byA = files.find((file) => file.execution === facts.executions.A)!;
    expect(byA).toMatchObject({ feature: FEATURE, assetTable: 'digits:Region_File', problem: null });
    expect(byA.filename).toBe(`regions_${image}.json`);
    // Annotator A boxes the ink once, labeled with A's digit.
    expect(byA.regions).toHaveLength(1);
    expect(byA.regions![0]).toMatchObject({ kind: 'rectangle', label: facts.digit.A[image] });
    const byB = files.find((file) => file.execution === facts.executions.B)!;
    expect(['rectangle', 'polygon']).toContain(byB.regions![0]!.kind);
    expect(byB.regions![0]!.label).toBe(facts.digit.B[image]);
    expect(await call('regions:files', { bagId, table: IMAGE_TABLE, rid: undrawn.rid })).toEqual([]);
  });

  it('refuses a table the bag does not have, in one sentence', async () => {
    expect(await failure('regions:files', { bagId, table: 'digits:Nothing', rid: undrawn.rid })).toBe(
      'The bag has no table "digits:Nothing".',
    );
  });
});

describe('region drafts through the API', () => {
  const target = undrawn.rid;
  const size = { width: facts.design.imageSize, height: facts.design.imageSize };

  it('saves, shows, undoes and redoes a drawing, answering with what is stored', async () => {
    expect(await call('regions:draft', { bagId, feature: FEATURE, target })).toEqual({
      kind: 'none',
      replayed: null,
      draft: { target, regions: [], image: null, sha256: null },
      drawn: 0,
      canUndo: false,
      canRedo: false,
    });
    const first = [box(10, 10, 40, 50, '3')];
    const added = await call('regions:save', {
      bagId,
      feature: FEATURE,
      target,
      image: size,
      regions: first,
      operation: 'add',
    });
    expect(added).toMatchObject({ kind: 'add', drawn: 1, canUndo: true, canRedo: false });
    expect(added.draft).toMatchObject({ target, regions: first, image: size });
    const second = [...first, { kind: 'point', points: [[60, 60]], label: null } as DrawnRegion];
    await call('regions:save', {
      bagId,
      feature: FEATURE,
      target,
      image: size,
      regions: second,
      operation: 'add',
    });
    const undone = await call('regions:undo', { bagId, feature: FEATURE });
    expect(undone).toMatchObject({ kind: 'undo', replayed: 'add', canUndo: true, canRedo: true });
    expect(undone.draft?.regions).toEqual(first);
    const redone = await call('regions:redo', { bagId, feature: FEATURE });
    expect(redone.draft?.regions).toEqual(second);
    expect((await call('regions:draft', { bagId, feature: FEATURE, target })).draft?.regions).toEqual(second);
  });

  it('refuses what cannot be saved with one sentence each', async () => {
    const save = (request: Partial<RequestOf<'regions:save'>>) =>
      failure('regions:save', {
        bagId,
        feature: FEATURE,
        target,
        image: size,
        regions: [],
        operation: 'add',
        ...request,
      });
    expect(await save({ regions: [box(1, 1, 5, 5, 'seven')] })).toBe(
      `The regions of ${target} were not saved: region 1 has the label "seven", which is not a term of the feature's vocabulary.`,
    );
    expect(await save({ target: 'NOPE' })).toBe('The bag has no Image NOPE to draw regions on.');
    expect(await save({ feature: 'Image/Digit' })).toBe(
      'Image/Digit has no asset column, so it cannot hold region files; choose an asset-valued feature.',
    );
  });
});

describe('region agreement on the world', () => {
  it('compares annotators A and B on the images both drew', async () => {
    const report = await call('regions:agreement', {
      bagId,
      feature: FEATURE,
      pair: [facts.executions.A, facts.executions.B],
    });
    expect(report.pair).toEqual([facts.executions.A, facts.executions.B]);
    expect(report.images).toBe(bothDrew.length);
    expect(report.onlyA).toBe(onlyA.length);
    expect(report.onlyB).toBe(0);
    expect(report.problems).toEqual([]);
    // A and B draw exactly one area shape per image: each image is one pair, or one unmatched each.
    expect(report.matched + report.unmatchedA).toBe(bothDrew.length);
    expect(report.matched + report.unmatchedB).toBe(bothDrew.length);
    expect(report.queue.map((entry) => entry.target).sort()).toEqual([...bothDrew].sort());
    const differences = report.queue.map((entry) => entry.difference);
    expect(differences).toEqual([...differences].sort((a, b) => b - a));
    // B's digits differ from A's on some images: those pairs count as label mismatches.
    const mismatching = bothDrew.filter((image) => facts.digit.A[image] !== facts.digit.B[image]);
    const matchedMismatches = report.queue.filter((entry) => entry.labelMismatches > 0).map((e) => e.target);
    expect(matchedMismatches.every((image) => mismatching.includes(image))).toBe(true);
    const raters = Object.fromEntries(report.raters.map((rater) => [rater.id, rater]));
    expect(raters[facts.executions.A]).toMatchObject({ images: Object.keys(facts.regions.A).length });
    expect(raters[facts.executions.B]).toMatchObject({ images: bothDrew.length });
  });

  it('takes the drafts as a rater: a copy of A’s box matches it with IoU 1', async () => {
    const image = onlyA[0]!;
    const files = await call('regions:files', { bagId, table: IMAGE_TABLE, rid: image });
    const region = files.find((file) => file.execution === facts.executions.A)!.regions![0]!;
    await call('regions:save', {
      bagId,
      feature: FEATURE,
      target: image,
      image: { width: facts.design.imageSize, height: facts.design.imageSize },
      regions: [{ kind: 'rectangle', points: region.points, label: region.label }],
      operation: 'copy',
    });
    const report = await call('regions:agreement', {
      bagId,
      feature: FEATURE,
      pair: [facts.executions.A, 'drafts'],
    });
    const compared = report.queue.find((entry) => entry.target === image);
    expect(compared).toMatchObject({ matched: 1, meanIoU: 1, unmatchedA: 0, unmatchedB: 0, difference: 0 });
    expect(report.raters.find((rater) => rater.id === 'drafts')).toMatchObject({ label: 'My drafts' });
  });

  it('yields each drawn image’s file for the commit with its MD5 and length', async () => {
    const db = openWorkspaceDb(workspace);
    const bag = await openBag(bags.formatB, { workspace: path.join(scratch.dir, 'seam') });
    try {
      const store = new RegionStore(db, new RegionContentStore(workspace));
      const feature = regionFeature(bag, FEATURE);
      const scope = { bagRid: bag.rid, snaptime: bag.identity.snaptime, feature: feature.table.qualified };
      const uploads = [...regionFilesToUpload(store, scope, feature)];
      expect(uploads.map((upload) => upload.target).sort()).toEqual([undrawn.rid, onlyA[0]!].sort());
      for (const upload of uploads) {
        const bytes = fs.readFileSync(upload.path);
        expect(upload).toMatchObject({
          feature: 'digits:Execution_Image_Region',
          column: 'Region_File',
          assetTable: 'digits:Region_File',
          filename: `regions_${upload.target}.json`,
          length: bytes.length,
        });
        const { createHash } = await import('node:crypto');
        expect(upload.md5).toBe(createHash('md5').update(bytes).digest('hex'));
        expect(upload.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      }
    } finally {
      bag.close();
      db.close();
    }
  });
});

describe('other files of an asset-valued feature', () => {
  it('tells a mask image, a text report, a broken drawing and an unfetched file apart', async () => {
    const copy = path.join(scratch.dir, 'edited');
    fs.cpSync(bags.formatB, path.join(copy, path.basename(bags.formatB)), { recursive: true });
    const root = path.join(copy, path.basename(bags.formatB));
    const [maskImage, reportImage, brokenImage] = bothDrew;
    const csv = path.join(root, 'data', 'digits', 'Region_File.csv');
    // Both raters' files of an image have the same name: both are replaced.
    const assetDirs = (image: string) =>
      [facts.regions.A[image]!, facts.regions.B[image]!].map((rid) =>
        path.join(root, 'data', 'asset', rid, 'Region_File'),
      );
    // The PNG signature and an IHDR header: enough for the sniffer to call it an image.
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    let text = fs.readFileSync(csv, 'utf8');
    for (const [image, name, bytes] of [
      [maskImage!, `mask_${maskImage}.png`, png],
      [reportImage!, `report_${reportImage}.txt`, Buffer.from('3 cells, all fine\n')],
    ] as const) {
      text = text.replaceAll(`regions_${image}.json`, name);
      for (const dir of assetDirs(image)) {
        fs.rmSync(path.join(dir, `regions_${image}.json`));
        fs.writeFileSync(path.join(dir, name), bytes);
      }
    }
    fs.writeFileSync(csv, text);
    fs.writeFileSync(path.join(assetDirs(brokenImage!)[0]!, `regions_${brokenImage}.json`), '{"shapes": 3}');
    const edited = (await call('bag:open', { path: root })).bagId;
    const fileOf = async (image: string) =>
      (await call('regions:files', { bagId: edited, table: IMAGE_TABLE, rid: image })).find(
        (file) => file.execution === facts.executions.A,
      )!;
    expect(await fileOf(maskImage!)).toMatchObject({
      kind: 'image',
      filename: `mask_${maskImage}.png`,
      regions: null,
    });
    expect(await fileOf(reportImage!)).toMatchObject({ kind: 'text', problem: null });
    const broken = await fileOf(brokenImage!);
    expect(broken.kind).toBe('invalid');
    expect(broken.problem).toBe(
      `data/asset/${facts.regions.A[brokenImage!]}/Region_File/regions_${brokenImage}.json is not a labelme region file: "shapes" is 3, not a list.`,
    );
    const report = await call('regions:agreement', { bagId: edited, feature: FEATURE });
    // Per rater: the mask and the report are no drawings, and A's broken file is not one either.
    expect(report.problems).toHaveLength(5);
    expect(report.problems).toContain(broken.problem);
    expect(report.problems.filter((problem) => problem.includes(`mask_${maskImage}.png`))).toHaveLength(2);

    const holey = (await call('bag:open', { path: bags.holey })).bagId;
    const missing = (await call('regions:files', { bagId: holey, table: IMAGE_TABLE, rid: maskImage! }))[0]!;
    expect(missing.kind).toBe('missing');
    expect(missing.problem).toMatch(/is listed in the bag but not fetched\.$/);
  });
});
