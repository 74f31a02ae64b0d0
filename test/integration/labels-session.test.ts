import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { LabelingSession, LabelStore, parseDrafts } from '../../main/core/labels/index.js';
import { openWorkspaceDb, type WorkspaceDb } from '../../main/core/workspace-db/index.js';
import {
  expectedFacts,
  fixtureBags,
  hasFixtures,
  repoRoot,
  temporaryDirectory,
} from '../support/fixtures.js';
import { buildMiniBag } from '../support/mini-bag.js';

const scratch = temporaryDirectory();
afterAll(() => scratch.cleanup());

function satchel(workspace: string, ...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'bin', 'satchel.js'), ...args, '--workspace', workspace],
    {
      encoding: 'utf8',
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('labels from the command line', () => {
  const bag = buildMiniBag(path.join(scratch.dir, 'bags'), { images: 8 });
  const first = path.join(scratch.dir, 'ws-first');
  const second = path.join(scratch.dir, 'ws-second');

  it('sets labels, refuses invalid ones with the reason, and lists progress', () => {
    const ok = satchel(
      first,
      'label',
      bag,
      '--feature',
      'Image/Label',
      '--set',
      'I0=Dog',
      '--set',
      'I1=Bird',
      '--value',
      'Score=0.25',
      '--json',
    );
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toEqual({ changed: 2, progress: { labeled: 2, total: 8 } });
    const bad = satchel(first, 'label', bag, '--feature', 'Image/Label', '--set', 'I2=Horse');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      'satchel: The Label label of I2 is invalid: Label must be one of Bird, Cat, Dog, not "Horse".\n',
    );
    const missing = satchel(first, 'label', bag, '--feature', 'Image/Label', '--set', 'NOPE=Cat');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/Image NOPE is not in this bag/);
  });

  it('exported drafts validate against the feature and import into another workspace identically', () => {
    for (const format of ['jsonl', 'csv']) {
      const file = path.join(scratch.dir, `drafts.${format}`);
      expect(
        satchel(
          first,
          'drafts',
          'export',
          bag,
          '--feature',
          'Image/Label',
          '--format',
          format,
          '--file',
          file,
        ).status,
      ).toBe(0);
      const imported = satchel(
        second,
        'drafts',
        'import',
        bag,
        '--feature',
        'Image/Label',
        '--format',
        format,
        '--file',
        file,
        '--json',
      );
      expect(imported.status).toBe(0);
      expect(JSON.parse(imported.stdout).rejects).toEqual([]);
    }
    const list = (workspace: string) =>
      (
        JSON.parse(
          satchel(workspace, 'drafts', 'list', bag, '--feature', 'Image/Label', '--json').stdout,
        ) as { drafts: { target: string; values: unknown }[] }
      ).drafts.map((draft) => ({ target: draft.target, values: draft.values }));
    expect(list(second)).toEqual(list(first));
    expect(list(second)).toEqual([
      { target: 'I0', values: { Label: 'Dog', Score: 0.25 } },
      { target: 'I1', values: { Label: 'Bird', Score: 0.25 } },
    ]);
  });

  it('import reports rejects by line and exits 1', () => {
    const file = path.join(scratch.dir, 'bad.jsonl');
    fs.writeFileSync(file, '{"Image":"I3","Label":"Cat"}\n{"Image":"I4","Label":"Cow"}\n');
    const result = satchel(second, 'drafts', 'import', bag, '--feature', 'Image/Label', '--file', file);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(`${file} line 2: Label must be one of Bird, Cat, Dog, not "Cow".`);
  });
});

describe.skipIf(!hasFixtures)('labeling the fixture bag', () => {
  let bag: Bag;
  let db: WorkspaceDb;
  let session: LabelingSession;
  const facts = hasFixtures ? expectedFacts() : undefined;

  beforeAll(async () => {
    bag = await openBag(fixtureBags.formatB, { workspace: path.join(scratch.dir, 'fixture-ws') });
    db = openWorkspaceDb(path.join(scratch.dir, 'fixture-ws'));
    session = new LabelingSession(bag, new LabelStore(db), 'Image/Cell_Type');
  });
  afterAll(() => {
    db?.close();
    bag?.close();
  });

  it('derives the Cell_Type record and counts progress over the dataset members', () => {
    expect(session.shape.fields.map((field) => [field.column, field.kind, field.required])).toEqual([
      ['Cell_Type', 'term', true],
      ['Confidence', 'float', false],
    ]);
    expect(session.progress()).toEqual({ labeled: 0, total: 300 });
    session.store.set(session.scope, session.shape, ['43Y', '44T'], { Cell_Type: 'Neutrophil' }, 'tester');
    expect(session.progress()).toEqual({ labeled: 2, total: 300 });
    expect(session.progress(facts!.bccd.datasets.Testing)).toMatchObject({ total: 100 });
  });

  it('queues: unlabeled, disagreements, lowest confidence, by label, by dataset type', () => {
    expect(session.queue({ kind: 'unlabeled' })).toHaveLength(298);
    const disagreements = new Set(session.queue({ kind: 'disagreements' }));
    for (const entry of facts!.bccd.annotator_disagreements)
      expect(disagreements.has(entry.Image)).toBe(true);
    const byConfidence = session.queue({ kind: 'confidence' });
    const newest = new Map(
      bag
        .featureValues('Image', 'Cell_Type', { kind: 'execution', rid: facts!.bccd.executions.M! })
        .map((v) => [v.target, v.values.Confidence as number]),
    );
    expect(newest.get(byConfidence[0]!)).toBe(Math.min(...newest.values()));
    expect(session.queue({ kind: 'dataset-type', value: 'Testing' })).toHaveLength(100);
    const basophils = session.queue({ kind: 'label', value: 'Basophil' });
    expect(basophils.length).toBeGreaterThan(0);
  });

  it('agreement: annotator A and B share 120 images and disagree on 18', () => {
    const { A, B } = facts!.bccd.executions;
    const report = session.agreement([A!, B!]);
    expect(report.confusion!.shared).toBe(facts!.bccd.annotator_overlap_images);
    const diagonal = report.confusion!.labels.reduce(
      (sum, _label, i) => sum + report.confusion!.matrix[i]![i]!,
      0,
    );
    expect(report.confusion!.shared - diagonal).toBe(facts!.bccd.annotator_disagreements.length);
    const pair = report.pairs.find((entry) => [entry.a, entry.b].sort().join() === [A, B].sort().join())!;
    expect(pair.kappa).toBeGreaterThan(0.6);
    expect(pair.kappa).toBeLessThan(0.9);
    expect(report.raters.map((rater) => rater.id)).toContain('drafts');
  });

  it('imported records must name images of the bag', () => {
    const { rejects } = parseDrafts(
      session.shape,
      '{"Image":"ZZZ","Cell_Type":"Basophil"}\n',
      'jsonl',
      (rid) => session.isTarget(rid),
    );
    expect(rejects).toEqual([{ line: 1, reason: 'Image ZZZ is not in this bag.' }]);
  });
});
