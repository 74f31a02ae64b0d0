import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

// The bags the project writes for itself (test/support/generated), read back through Satchel's own
// reader and checked against what the generator was told to put in them.
describe('the generated sample-world bags', () => {
  const bags = generatedBags();
  const facts = bags.facts;
  const workspace = temporaryDirectory();
  let formatB: Bag;
  let formatA: Bag;
  let newer: Bag;
  const imageTable = `${facts.schemas.domain}:Image`;

  beforeAll(async () => {
    formatB = await openBag(bags.formatB, { workspace: workspace.dir });
    formatA = await openBag(bags.formatA, { workspace: workspace.dir });
    newer = await openBag(bags.newer, { workspace: workspace.dir });
  });
  afterAll(() => {
    formatB?.close();
    formatA?.close();
    newer?.close();
    workspace.cleanup();
  });

  it('reads identity, snapshot, version and format', () => {
    const report = formatB.inspect();
    expect(report).toMatchObject({
      rid: facts.rid,
      snaptime: facts.snaptimes['1.0.0'],
      version: '1.0.0',
      format: 'B',
      materialized: true,
    });
    expect(formatA.inspect().format).toBe('A');
    expect(newer.inspect()).toMatchObject({ version: '1.1.0', snaptime: facts.snaptimes['1.1.0'] });
  });

  it('holds every table of deriva-ml’s ML schema and the domain schema in its model', () => {
    const tables = new Set(formatB.inspect().tables.map((table) => `${table.schema}:${table.table}`));
    for (const table of [
      'Dataset',
      'Dataset_Version',
      'Dataset_Dataset',
      'Dataset_Type',
      'Dataset_Dataset_Type',
      'Dataset_Execution',
      'Workflow',
      'Workflow_Type',
      'Workflow_Workflow_Type',
      'Execution',
      'Execution_Status',
      'Execution_Execution',
      'Feature_Name',
      'Asset_Type',
      'Asset_Role',
      'Execution_Metadata',
      'Execution_Metadata_Execution',
      'Execution_Metadata_Asset_Type',
    ])
      expect(tables.has(`deriva-ml:${table}`), table).toBe(true);
    const kinds = Object.fromEntries(
      formatB.inspect().tables.map((table) => [`${table.schema}:${table.table}`, table.kind]),
    );
    expect(kinds).toMatchObject({
      'digits:Image': 'asset',
      'digits:Region_File': 'asset',
      'digits:Subject': 'table',
      'digits:Digit': 'vocabulary',
      'digits:Dataset_Image': 'association',
      'digits:Execution_Image_Digit': 'feature',
      'digits:Subject_Handedness': 'feature',
    });
  });

  it('counts every table as the generator wrote it, at both versions', () => {
    const counts = (bag: Bag) =>
      Object.fromEntries(
        bag
          .inspect()
          .tables.filter((table) => table.rows > 0)
          .map((table) => [`${table.schema}:${table.table}`, table.rows]),
      );
    expect(counts(formatB)).toEqual(facts.tables['1.0.0']);
    expect(counts(newer)).toEqual(facts.tables['1.1.0']);
  });

  it('nests typed datasets, and the newer version adds members to Training', () => {
    const { complete, training, testing } = facts.datasets;
    const tree = (bag: Bag) =>
      Object.fromEntries(bag.inspect().datasets.map((dataset) => [dataset.rid, dataset]));
    const old = tree(formatB);
    expect(formatB.inspect().datasets[0]!.rid).toBe(complete);
    expect(old[complete]!.types).toEqual(['Complete']);
    expect(old[complete]!.children.sort()).toEqual([training, testing].sort());
    expect(old[complete]!.members.Image).toBe(0);
    expect(old[training]!).toMatchObject({ types: ['Training'], version: '1.0.0' });
    expect(old[training]!.members.Image).toBe(
      facts.images.filter((i) => i.split === 'Training' && i.release === '1.0.0').length,
    );
    expect(old[testing]!.members.Image).toBe(100);
    const now = tree(newer);
    expect(now[training]!.members.Image).toBe(old[training]!.members.Image! + facts.design.addedImages);
    expect(now[testing]!.members.Image).toBe(100);
    expect(formatB.members(complete, { elementType: 'Image', recurse: true }).total).toBe(
      facts.design.images,
    );
    expect(newer.members(complete, { elementType: 'Image', recurse: true }).total).toBe(
      facts.design.images + facts.design.addedImages,
    );
  });

  it('has vocabularies with synonyms and features of every shape', () => {
    const features = Object.fromEntries(
      formatB.featureDefinitions().map((feature) => [feature.name, feature]),
    );
    expect(features.Digit).toMatchObject({
      termColumns: ['Digit'],
      valueColumns: ['Confidence'],
      assetColumns: [],
    });
    expect(features.Quality).toMatchObject({
      termColumns: ['Image_Quality', 'Stroke_Width'],
      valueColumns: [],
    });
    expect(features.Handedness).toMatchObject({ target: 'Subject', table: 'digits:Subject_Handedness' });
    expect(features.Region).toMatchObject({ assetColumns: ['Region_File'], termColumns: ['Digit'] });
    expect(features.Digit!.terms[0]!.terms.find((term) => term.name === '7')!.synonyms).toEqual(['Seven']);
    const blurry = features.Quality!.terms[0]!.terms.find((term) => term.name === 'Blurry')!;
    expect(blurry.synonyms).toEqual(['Out_of_focus', 'Smudged']);
  });

  it('finds the three executions, their disagreements and the three-way ties as deriva-ml’s selectors do', () => {
    const { A, B, model } = facts.executions;
    const select = (selector: Parameters<Bag['featureValues']>[2]) =>
      new Map(formatB.featureValues('Image', 'Digit', selector).map((value) => [value.target, value]));
    const newest = select({ kind: 'newest' });
    const first = select({ kind: 'first' });
    const majority = select({ kind: 'majority' });
    expect(select({ kind: 'execution', rid: A }).size).toBe(facts.design.digit.annotatorA);
    expect(select({ kind: 'execution', rid: B }).size).toBe(facts.design.digit.annotatorB);
    expect(newest.size).toBe(facts.design.images);
    expect(facts.disagreements).toHaveLength(facts.design.digit.disagreements);
    for (const disagreement of facts.disagreements) {
      expect(newest.get(disagreement.image)!.execution).toBe(model);
      expect(newest.get(disagreement.image)!.values.Confidence).toBeCloseTo(disagreement.modelConfidence, 4);
      expect(first.get(disagreement.image)!.values.Digit).toBe(disagreement.A);
      // Two votes against one win; a three-way tie goes to the newest row, the model's.
      const expected = disagreement.threeWayTie ? disagreement.model : disagreement.A;
      expect(majority.get(disagreement.image)!.values.Digit, disagreement.filename).toBe(expected);
    }
    expect(facts.disagreements.filter((entry) => entry.threeWayTie)).toHaveLength(
      facts.design.digit.threeWayTies,
    );
  });

  it('keeps file names with spaces, percent signs, quotes, commas and non-ASCII letters', async () => {
    const tricky = facts.images.filter((image) => /[ %"',]|[^\x20-\x7e]/.test(image.filename));
    expect(tricky.map((image) => image.filename)).toEqual(
      expect.arrayContaining([
        expect.stringContaining(' '),
        expect.stringContaining('%'),
        expect.stringContaining('"'),
        expect.stringContaining(','),
        expect.stringMatching(/[^\x20-\x7e]/),
      ]),
    );
    for (const image of tricky) {
      const file = formatB.assetFile(imageTable, image.rid)!;
      expect(file.relative).toBe(`data/asset/${image.rid}/Image/${image.filename}`);
      expect(file.exists, image.filename).toBe(true);
    }
    const report = await verifyBag(bags.formatB);
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('ships region files as labelme JSON, two raters per image where both drew', () => {
    const [image, regionFile] = Object.entries(facts.regions.B)[0]!;
    const file = formatB.assetFile(`${facts.schemas.domain}:Region_File`, regionFile)!;
    const document = JSON.parse(fs.readFileSync(path.join(formatB.root, file.relative), 'utf8')) as {
      shapes: { label: string; shape_type: string }[];
      imagePath: string;
    };
    expect(document.imagePath).toBe(facts.images.find((entry) => entry.rid === image)!.filename);
    expect(document.shapes.length).toBeGreaterThan(0);
    expect(facts.regions.A[image]).toBeDefined();
    expect(facts.regions.A[image]).not.toBe(regionFile);
  });

  it('gives identical inspect output for Format A and Format B apart from what deriva-ml 1.24 never exported', () => {
    const a = formatA.inspect();
    const b = formatB.inspect();
    expect({ ...a, format: 'B', tables: [] }).toEqual({ ...b, tables: [] });
    // 1.24 never walks into Execution (no Execution or Workflow CSVs) and exports every vocabulary in full.
    const differ = new Set(['deriva-ml:Execution', 'deriva-ml:Workflow', 'deriva-ml:Workflow_Type']);
    const kept = (report: typeof a) =>
      report.tables.filter((table) => !differ.has(`${table.schema}:${table.table}`));
    expect(kept(a)).toEqual(kept(b));
    const rowsOf = (report: typeof a, table: string) =>
      report.tables.find((entry) => `${entry.schema}:${entry.table}` === table)!.rows;
    expect([rowsOf(a, 'deriva-ml:Execution'), rowsOf(b, 'deriva-ml:Execution')]).toEqual([0, 3]);
    expect([rowsOf(a, 'deriva-ml:Workflow_Type'), rowsOf(b, 'deriva-ml:Workflow_Type')]).toEqual([9, 0]);
  });

  it('opens the zips and the holey bag', async () => {
    for (const zip of [bags.formatBZip, bags.formatAZip, bags.holeyZip]) {
      const bag = await openBag(zip, { workspace: workspace.dir });
      expect(bag.inspect().rid).toBe(facts.rid);
      bag.close();
    }
    const holey = await openBag(bags.holey, { workspace: workspace.dir });
    expect(holey.inspect().materialized).toBe(false);
    expect(holey.assetFile(imageTable, facts.images[0]!.rid)!.exists).toBe(false);
    holey.close();
    const report = await verifyBag(bags.holey);
    expect(report.unfetched).toBe(facts.assets['1.0.0']);
  });
});
