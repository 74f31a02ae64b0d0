import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { expectedFacts, fixtureBags, hasFixtures, temporaryDirectory } from '../support/fixtures.js';

describe.skipIf(!hasFixtures)('the real fixture bags', () => {
  const workspace = temporaryDirectory();
  let formatB: Bag;
  let formatA: Bag;
  const facts = hasFixtures ? expectedFacts() : undefined;

  beforeAll(async () => {
    formatB = await openBag(fixtureBags.formatB, { workspace: workspace.dir });
    formatA = await openBag(fixtureBags.formatA, { workspace: workspace.dir });
  });
  afterAll(() => {
    formatB?.close();
    formatA?.close();
    workspace.cleanup();
  });

  it('reads identity, snapshot, version and format', () => {
    const report = formatB.inspect();
    expect(report.rid).toBe('58A');
    expect(report.snaptime).toBe('361-XRNG-TRRP');
    expect(report.version).toBe('1.0.0');
    expect(report.format).toBe('B');
    expect(report.materialized).toBe(true);
    expect(formatA.inspect().format).toBe('A');
  });

  it('counts every table of the Format B bag as the fixture README lists', () => {
    const counts = Object.fromEntries(
      formatB.inspect().tables.map((table) => [`${table.schema}:${table.table}`, table.rows]),
    );
    for (const [table, rows] of Object.entries(facts!.bags.bccd!.tables!))
      expect(counts[table], table).toBe(rows);
  });

  it('classifies tables by structure', () => {
    const kinds = Object.fromEntries(
      formatB.inspect().tables.map((table) => [`${table.schema}:${table.table}`, table.kind]),
    );
    expect(kinds['hematology:Image']).toBe('asset');
    expect(kinds['hematology:Cell_Type']).toBe('vocabulary');
    expect(kinds['hematology:Dataset_Image']).toBe('association');
    expect(kinds['hematology:Execution_Image_Cell_Type']).toBe('feature');
    expect(kinds['deriva-ml:Dataset']).toBe('table');
  });

  it('builds the dataset tree with types, versions and member counts', () => {
    const datasets = formatB.inspect().datasets;
    const byRid = Object.fromEntries(datasets.map((dataset) => [dataset.rid, dataset]));
    const { Complete, Training, Testing } = facts!.bccd.datasets as Record<string, string>;
    expect(datasets[0]!.rid).toBe(Complete);
    expect(byRid[Complete!]!.types).toEqual(['Complete']);
    expect(byRid[Complete!]!.children.sort()).toEqual([Training, Testing].sort());
    expect(byRid[Complete!]!.members.Image).toBe(0);
    expect(byRid[Training!]!.members.Image).toBe(200);
    expect(byRid[Testing!]!.members.Image).toBe(100);
    expect(byRid[Training!]!.types).toEqual(['Training']);
    for (const dataset of datasets) expect(dataset.version).toBe('1.0.0');
  });

  it('lists members directly and through nested datasets', () => {
    const { Complete, Training } = facts!.bccd.datasets as Record<string, string>;
    expect(formatB.members(Complete!, { elementType: 'Image' }).total).toBe(0);
    const all = formatB.members(Complete!, { elementType: 'Image', recurse: true, limit: 50, offset: 280 });
    expect(all.total).toBe(300);
    expect(all.rows).toHaveLength(20);
    const training = formatB.allMembers(Training!, false);
    expect(training.Image).toHaveLength(200);
    expect(training.Dataset).toHaveLength(0);
    expect(
      formatB
        .allMembers(Complete!, false)
        .Dataset!.map((row) => row.RID)
        .sort(),
    ).toEqual([facts!.bccd.datasets.Training, facts!.bccd.datasets.Testing].sort());
  });

  it('describes features with their terms, values and vocabulary', () => {
    const features = formatB.featureDefinitions();
    const cellType = features.find((feature) => feature.name === 'Cell_Type')!;
    expect(cellType).toMatchObject({
      target: 'Image',
      table: 'hematology:Execution_Image_Cell_Type',
      termColumns: ['Cell_Type'],
      valueColumns: ['Confidence'],
      assetColumns: [],
      rows: 620,
    });
    const neutrophil = cellType.terms[0]!.terms.find((term) => term.name === 'Neutrophil')!;
    expect(neutrophil.synonyms).toEqual([
      'PMN',
      'Polymorphonuclear neutrophil',
      'Segmented neutrophil',
      'Seg',
    ]);
    expect(features.find((feature) => feature.name === 'Quality')!.rows).toBe(100);
  });

  it('applies the selectors to the annotator disagreements as deriva-ml does', () => {
    const { A, B, M } = facts!.bccd.executions as Record<string, string>;
    const select = (selector: Parameters<Bag['featureValues']>[2]) =>
      new Map(formatB.featureValues('Image', 'Cell_Type', selector).map((value) => [value.target, value]));
    const newest = select({ kind: 'newest' });
    const first = select({ kind: 'first' });
    const majority = select({ kind: 'majority' });
    const byA = select({ kind: 'execution', rid: A! });
    const byB = select({ kind: 'execution', rid: B! });
    expect(newest.size).toBe(300);
    expect(byA.size).toBe(200);
    expect(byB.size).toBe(facts!.bccd.annotator_overlap_images);
    for (const disagreement of facts!.bccd.annotator_disagreements) {
      const image = disagreement.Image;
      expect(byA.get(image)!.values.Cell_Type).toBe(disagreement.A);
      expect(byB.get(image)!.values.Cell_Type).toBe(disagreement.B);
      // RCT order is A < B < model: newest is the model, first is annotator A.
      expect(newest.get(image)!.execution).toBe(M);
      expect(newest.get(image)!.values.Cell_Type).toBe(disagreement.Model);
      expect(newest.get(image)!.values.Confidence).toBeCloseTo(disagreement.Model_Confidence, 4);
      expect(first.get(image)!.execution).toBe(A);
      const votes = [disagreement.A, disagreement.B, disagreement.Model];
      const counts = new Map<string, number>();
      for (const vote of votes) counts.set(vote, (counts.get(vote) ?? 0) + 1);
      const top = Math.max(...counts.values());
      // A three-way tie goes to the newest record, the model's.
      const expected = top === 1 ? disagreement.Model : [...counts].find(([, count]) => count === top)![0];
      expect(majority.get(image)!.values.Cell_Type, image).toBe(expected);
    }
    const ties = facts!.bccd.annotator_disagreements.filter((d) => new Set([d.A, d.B, d.Model]).size === 3);
    expect(ties.map((d) => d.Image).sort()).toEqual(['49T', '4D2', '4FG', '4HR']);
  });

  it('counts the published image qualities through the Quality feature', () => {
    const counts: Record<string, number> = {};
    for (const value of formatB.featureValues('Image', 'Quality', { kind: 'newest' })) {
      const term = String(value.values.Image_Quality);
      counts[term] = (counts[term] ?? 0) + 1;
    }
    expect(counts).toEqual(facts!.bccd.image_quality_counts);
  });

  it('resolves asset files through fetch.txt', () => {
    const rid = facts!.bccd.image_rid_by_filename['BloodImage_00000.jpg']!;
    const file = formatB.assetFile('hematology:Image', rid)!;
    expect(file.relative).toBe(`data/asset/${rid}/Image/BloodImage_00000.jpg`);
    expect(file.exists).toBe(true);
  });

  it('gives identical inspect output for Format A and Format B apart from the format and the tables v1.24 never exported', () => {
    const a = formatA.inspect();
    const b = formatB.inspect();
    expect({ ...a, format: 'B', tables: [] }).toEqual({ ...b, tables: [] });
    // deriva-ml 1.24 never walks into Execution (no Execution/Workflow CSVs) and exports every vocabulary in full.
    const notExportedByLegacy = new Set([
      'deriva-ml:Execution',
      'deriva-ml:Workflow',
      'deriva-ml:Workflow_Type',
    ]);
    const rows = (report: typeof a) =>
      report.tables.filter((table) => !notExportedByLegacy.has(`${table.schema}:${table.table}`));
    expect(rows(a)).toEqual(rows(b));
    expect(a.tables.find((table) => table.table === 'Execution')!.rows).toBe(0);
  });

  it('reopens an imported bag without importing again', async () => {
    const again = await openBag(fixtureBags.formatB, { workspace: workspace.dir });
    expect(again.identity.databasePath).toBe(formatB.identity.databasePath);
    again.close();
  });
});
