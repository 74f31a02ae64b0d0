import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureValue, InspectReport, VerifyReport } from '../../shared/bag.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';
import { buildMiniBag } from '../support/mini-bag.js';

const scratch = temporaryDirectory();
const workspace = path.join(scratch.dir, 'workspace');
afterAll(() => scratch.cleanup());

/** Runs the built CLI exactly as `npx satchel` would. */
function satchel(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'bin', 'satchel.js'), ...args, '--workspace', workspace],
    {
      encoding: 'utf8',
      env: { ...process.env, SATCHEL_WORKSPACE: '' },
    },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json<T>(result: ReturnType<typeof satchel>): T {
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe('the satchel command on a self-made bag', () => {
  const bag = buildMiniBag(path.join(scratch.dir, 'bags'));

  it('inspect --json has the documented shape', () => {
    const report = json<InspectReport>(satchel('inspect', bag, '--json'));
    expect(Object.keys(report).sort()).toEqual([
      'datasets',
      'features',
      'format',
      'materialized',
      'rid',
      'snaptime',
      'tables',
      'version',
    ]);
    expect(report.features).toEqual([
      {
        target: 'Image',
        name: 'Label',
        table: 'lab:Execution_Image_Label',
        termColumns: ['Label'],
        valueColumns: ['Score'],
        assetColumns: [],
        rows: 6,
      },
    ]);
    expect(report.datasets[0]).toEqual({
      rid: 'D1',
      types: ['Complete'],
      version: '0.10.0',
      description: 'Mini, "root"',
      children: ['D1-T'],
      members: { Dataset: 1, Image: 3 },
    });
  });

  it('members --recurse lists rows per element type', () => {
    const members = json<Record<string, Record<string, unknown>[]>>(
      satchel('members', bag, '--recurse', '--json'),
    );
    expect(members.Image).toHaveLength(6);
    expect(members.Image![0]).toMatchObject({ RID: 'I0', Filename: 'image_0.bin', Length: 14 });
    const direct = json<Record<string, unknown[]>>(satchel('members', bag, '--dataset', 'D1-T', '--json'));
    expect(direct.Image).toHaveLength(3);
  });

  it('values prints one record per target', () => {
    const values = json<FeatureValue[]>(
      satchel('values', bag, '--target', 'Image', '--feature', 'Label', '--json'),
    );
    expect(values[0]).toEqual({
      target: 'I0',
      execution: 'E1',
      rct: '2026-01-01T10:00:00.000000+00:00',
      values: { Label: 'Cat', Score: 0.5 },
    });
  });

  it('verify --json reports a good bag and exits 0', () => {
    const report = json<VerifyReport>(satchel('verify', bag, '--json'));
    expect(report).toMatchObject({ ok: true, problems: [] });
  });

  it('verify exits 1 with problems and 2 for something that is not a bag', () => {
    const damaged = buildMiniBag(path.join(scratch.dir, 'damaged'));
    fs.appendFileSync(path.join(damaged, 'data', 'lab', 'Label.csv'), '');
    fs.writeFileSync(path.join(damaged, 'data', 'lab', 'extra.txt'), 'not listed');
    const problems = satchel('verify', damaged, '--json');
    expect(problems.status).toBe(1);
    expect((JSON.parse(problems.stdout) as VerifyReport).problems.map((problem) => problem.kind)).toContain(
      'unexpected-file',
    );
    const plain = path.join(scratch.dir, 'plain');
    fs.mkdirSync(plain);
    const refused = satchel('verify', plain, '--json');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^satchel: .*plain is not a bag.*\.\n$/);
  });

  it('user errors are one sentence on stderr, never a stack trace', () => {
    const result = satchel('values', bag, '--target', 'Image', '--feature', 'Nope', '--json');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('satchel: The bag has no feature Image/Nope (it has Image/Label).\n');
    const unknown = satchel('inspect', bag, '--bogus');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });

  it('export builds the ImageFolder tree with symlinks, or copies', () => {
    const out = path.join(scratch.dir, 'export-links');
    const manifest = json<Record<string, string>>(
      satchel('export', bag, '--out', out, '--target', 'Label', '--selector', 'newest'),
    );
    const written = Object.values(manifest)
      .map((file) => path.relative(out, file))
      .sort();
    // D1 is Complete (no folder); D1-T is Training; direct members of an untyped-map dataset add nothing.
    expect(written).toContain(path.join('training', 'Dog', 'image_1.bin'));
    expect(written).toContain(path.join('Cat', 'image_0.bin'));
    expect(fs.lstatSync(path.join(out, 'training', 'Dog', 'image_1.bin')).isSymbolicLink()).toBe(true);
    const copies = path.join(scratch.dir, 'export-copies');
    json(satchel('export', bag, '--out', copies, '--copy'));
    expect(fs.lstatSync(path.join(copies, 'training', 'image_1.bin')).isFile()).toBe(true);
  });
});

describe('the satchel command on the generated bags', () => {
  const bags = generatedBags();
  const { facts } = bags;
  const split = (name: 'Training' | 'Testing') =>
    facts.images.filter((image) => image.split === name && image.release === '1.0.0');

  it('inspect counts every table as the generator wrote it, for the folder and the zip', () => {
    for (const input of [bags.formatB, bags.formatBZip]) {
      const report = json<InspectReport>(satchel('inspect', input, '--json'));
      const counts = Object.fromEntries(
        report.tables
          .filter((table) => table.rows > 0)
          .map((table) => [`${table.schema}:${table.table}`, table.rows]),
      );
      expect(counts, input).toEqual(facts.tables['1.0.0']);
      expect(report).toMatchObject({ rid: facts.rid, version: '1.0.0', materialized: true });
    }
  });

  it('the holey zip opens as not materialized, with every member listed', () => {
    const report = json<InspectReport>(satchel('inspect', bags.holeyZip, '--json'));
    expect(report.materialized).toBe(false);
    const members = Object.fromEntries(
      report.datasets.map((dataset) => [dataset.rid, dataset.members.Image]),
    );
    expect(members).toEqual({
      [facts.datasets.complete]: 0,
      [facts.datasets.training]: split('Training').length,
      [facts.datasets.testing]: split('Testing').length,
    });
  });

  it('values with each selector agree with deriva-ml on every disagreement, ties included', () => {
    const pick = (selector: string) =>
      new Map(
        json<FeatureValue[]>(
          satchel(
            'values',
            bags.formatB,
            '--target',
            'Image',
            '--feature',
            'Digit',
            '--selector',
            selector,
            '--json',
          ),
        ).map((value) => [value.target, value.values.Digit]),
      );
    const newest = pick('newest');
    const first = pick('first');
    const majority = pick('majority');
    const byB = pick(`execution:${facts.executions.B}`);
    expect(facts.disagreements).toHaveLength(facts.design.digit.disagreements);
    for (const entry of facts.disagreements) {
      expect(
        [newest, first, majority, byB].map((values) => values.get(entry.image)),
        entry.filename,
      ).toEqual([
        // The model labeled last and annotator A first. Where A and B differ the model sides with A,
        // except in a three-way tie, where majority falls back to the newest value: the model's.
        entry.model,
        entry.A,
        entry.threeWayTie ? entry.model : entry.A,
        entry.B,
      ]);
    }
    expect(byB.size).toBe(facts.design.digit.annotatorB);
  });

  it('export puts the images annotator A labeled under their split and digit, tricky names intact', () => {
    const out = path.join(scratch.dir, 'world-export');
    const manifest = json<Record<string, string>>(
      satchel(
        'export',
        bags.formatB,
        '--out',
        out,
        '--asset-table',
        'Image',
        '--target',
        'Digit',
        '--selector',
        `execution:${facts.executions.A}`,
        '--missing',
        'skip',
      ),
    );
    const written = Object.values(manifest)
      .map((file) => path.relative(out, file).split(path.sep).join('/'))
      .sort();
    const expected = facts.images
      .filter((image) => facts.digit.A[image.rid] !== undefined)
      .map((image) => `${image.split.toLowerCase()}/${facts.digit.A[image.rid]}/${image.filename}`)
      .sort();
    expect(expected).toHaveLength(facts.design.digit.annotatorA);
    expect(written).toEqual(expected);
  });
});
