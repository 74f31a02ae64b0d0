import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { LabelingSession, LabelStore, parseDrafts } from '../../main/core/labels/index.js';
import { openWorkspaceDb, type WorkspaceDb } from '../../main/core/workspace-db/index.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';
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

describe('labeling the generated bag', () => {
  const bags = generatedBags();
  const { facts } = bags;
  const { A, B, model } = facts.executions;
  const images = facts.images.filter((image) => image.release === '1.0.0');
  /** Image RIDs in the order the queues give them: the bag's RID order. */
  const rids = (list: { rid: string }[]) => list.map((image) => image.rid).sort();
  const modelDigit = (rid: string) => facts.digit.model[rid]!.digit;
  let bag: Bag;
  let db: WorkspaceDb;
  let session: LabelingSession;
  const opened: WorkspaceDb[] = [];

  beforeAll(async () => {
    bag = await openBag(bags.formatB, { workspace: path.join(scratch.dir, 'world-ws') });
    db = openWorkspaceDb(path.join(scratch.dir, 'world-ws'));
    session = new LabelingSession(bag, new LabelStore(db), 'Image/Digit');
  });
  afterAll(() => {
    for (const other of opened.splice(0)) other.close();
    db?.close();
    bag?.close();
  });

  /** A session on a workspace of its own, so no drafts of the other tests count as a rater. */
  function sessionWithoutDrafts(): LabelingSession {
    const fresh = openWorkspaceDb(path.join(scratch.dir, `world-ws-${opened.length + 1}`));
    opened.push(fresh);
    return new LabelingSession(bag, new LabelStore(fresh), 'Image/Digit');
  }

  it('derives the Digit record and counts progress over the dataset members', () => {
    expect(session.shape.fields.map((field) => [field.column, field.kind, field.required])).toEqual([
      ['Digit', 'term', true],
      ['Confidence', 'float', false],
    ]);
    expect(session.progress()).toEqual({ labeled: 0, total: 300 });
    const training = images.find((image) => image.split === 'Training')!.rid;
    const testing = images.find((image) => image.split === 'Testing')!.rid;
    session.store.set(session.scope, session.shape, [training, testing], { Digit: '4' }, 'tester');
    expect(session.progress()).toEqual({ labeled: 2, total: 300 });
    expect(session.progress(facts.datasets.testing)).toEqual({ labeled: 1, total: 100 });
    expect(session.progress(facts.datasets.training)).toEqual({ labeled: 1, total: 200 });
    expect(session.queue({ kind: 'unlabeled' })).toEqual(
      rids(images.filter((image) => image.rid !== training && image.rid !== testing)),
    );
  });

  it('queues exactly the images each queue names, in RID order or by confidence', () => {
    // Images on which A, B and the model do not all agree: the 18 A/B disagreements and the model's
    // own mistakes against A or B (46 in all for this seed).
    const disagreeing = images.filter((image) => {
      const labels = [facts.digit.A[image.rid], facts.digit.B[image.rid], modelDigit(image.rid)];
      return new Set(labels.filter((label) => label !== undefined)).size > 1;
    });
    expect(disagreeing).toHaveLength(46);
    expect(session.queue({ kind: 'disagreements' })).toEqual(rids(disagreeing));
    // Only the model gives a confidence: lowest first, RID order among equals.
    const byConfidence = images
      .map((image) => image.rid)
      .sort(
        (a, b) => facts.digit.model[a]!.confidence - facts.digit.model[b]!.confidence || a.localeCompare(b),
      );
    expect(session.queue({ kind: 'confidence' })).toEqual(byConfidence);
    // The newest label of every image is the model's.
    expect(session.queue({ kind: 'label', value: '7' })).toEqual(
      rids(images.filter((image) => modelDigit(image.rid) === '7')),
    );
    expect(session.queue({ kind: 'dataset-type', value: 'Testing' })).toEqual(
      rids(images.filter((image) => image.split === 'Testing')),
    );
    expect(
      session.queue({ kind: 'dataset-type', value: 'Testing', datasetRid: facts.datasets.training }),
    ).toEqual([]);
  });

  it('agreement: pins every kappa of A, B and the model, and the A/B confusion matrix', () => {
    const report = sessionWithoutDrafts().agreement([A, B]);
    expect(new Map(report.raters.map((rater) => [rater.id, rater.targets]))).toEqual(
      new Map([
        [A, facts.design.digit.annotatorA],
        [B, facts.design.digit.annotatorB],
        [model, 300],
      ]),
    );
    const confusion = report.confusion!;
    expect(confusion.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(confusion.shared).toBe(120);
    const offDiagonal = Object.entries(confusion.targets)
      .filter(([cell]) => cell.split(',')[0] !== cell.split(',')[1])
      .flatMap(([, targets]) => targets)
      .sort();
    expect(offDiagonal).toEqual(facts.disagreements.map((entry) => entry.image).sort());
    // Cohen's kappa = (n·agreed − Σ a_k·b_k) / (n² − Σ a_k·b_k), with a_k, b_k each rater's count of
    // digit k over the n shared images (counted from facts.digit for this seed):
    //   A/B:     n = 120, agreed 102, Σ a_k·b_k = 1520 → (12240 − 1520) / (14400 − 1520) = 134/161
    //   A/model: n = 200, agreed 168, Σ = 4124 → (33600 − 4124) / (40000 − 4124) = 7369/8969
    //   B/model: n = 120, agreed 87, Σ = 1503 → (10440 − 1503) / (14400 − 1503) = 2979/4299
    const kappa = (a: string, b: string) =>
      report.pairs.find((pair) => [pair.a, pair.b].sort().join() === [a, b].sort().join())!;
    expect(kappa(A, B)).toMatchObject({ shared: 120 });
    expect(kappa(A, B).kappa).toBeCloseTo(134 / 161, 12);
    expect(kappa(A, model)).toMatchObject({ shared: 200 });
    expect(kappa(A, model).kappa).toBeCloseTo(7369 / 8969, 12);
    expect(kappa(B, model)).toMatchObject({ shared: 120 });
    expect(kappa(B, model).kappa).toBeCloseTo(2979 / 4299, 12);
    // Fleiss over the 120 images all three labeled: 87 unanimous, 29 two against one, 4 three-way
    // ties, so P̄ = (87 + 29/3) / 120 = 29/36; the 360 labels per digit (26, 30, 36, 41, 23, 38, 27,
    // 51, 46, 42) give P̄e = 13736/360² = 1717/16200; κ = (29/36 − 1717/16200) / (1 − 1717/16200).
    expect(report.fleiss.subjects).toBe(120);
    expect(report.fleiss.kappa).toBeCloseTo(1619 / 2069, 12);
    expect(report.disagreements.map((entry) => entry.target)).toEqual(
      session.queue({ kind: 'disagreements' }),
    );
  });

  it('counts the drafts as one more rater', () => {
    const report = session.agreement();
    expect(report.raters.find((rater) => rater.id === 'drafts')).toEqual({
      id: 'drafts',
      label: 'My drafts',
      targets: 2,
    });
  });

  it('imported records must name images of the bag', () => {
    const known = images[0]!.rid;
    const { records, rejects } = parseDrafts(
      session.shape,
      `{"Image":"ZZZ","Digit":"3"}\n{"Image":"${known}","Digit":"3"}\n`,
      'jsonl',
      (rid) => session.isTarget(rid),
    );
    expect(rejects).toEqual([{ line: 1, reason: 'Image ZZZ is not in this bag.' }]);
    expect(records.map((record) => [record.target, record.values.Digit])).toEqual([[known, '3']]);
  });
});
