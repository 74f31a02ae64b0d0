import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureValue, InspectReport, VerifyReport } from '../../shared/bag.js';
import { buildMiniBag } from '../support/mini-bag.js';
import {
  expectedFacts,
  fixtureBags,
  hasFixtures,
  repoRoot,
  temporaryDirectory,
} from '../support/fixtures.js';

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

describe.skipIf(!hasFixtures)('the satchel command on the fixture bags', () => {
  it('inspect counts match the fixture README for the directory and the zip', () => {
    const facts = expectedFacts();
    for (const input of [fixtureBags.formatB, fixtureBags.formatBZip]) {
      const report = json<InspectReport>(satchel('inspect', input, '--json'));
      const counts = Object.fromEntries(
        report.tables.map((table) => [`${table.schema}:${table.table}`, table.rows]),
      );
      for (const [table, rows] of Object.entries(facts.bags.bccd!.tables!))
        expect(counts[table], table).toBe(rows);
    }
  });

  it('the holey zip opens as not materialized', () => {
    const report = json<InspectReport>(satchel('inspect', fixtureBags.holeyZip, '--json'));
    expect(report.materialized).toBe(false);
    expect(report.datasets.find((dataset) => dataset.rid === '58C')!.members.Image).toBe(200);
  });

  it('values with each selector agree with deriva-ml on a disagreement', () => {
    const facts = expectedFacts();
    const pick = (selector: string) =>
      json<FeatureValue[]>(
        satchel(
          'values',
          fixtureBags.formatB,
          '--target',
          'Image',
          '--feature',
          'Cell_Type',
          '--selector',
          selector,
          '--json',
        ),
      ).find((value) => value.target === '49T');
    expect(pick('newest')!.values.Cell_Type).toBe('Lymphocyte');
    expect(pick('first')!.values.Cell_Type).toBe('Eosinophil');
    expect(pick('majority')!.values.Cell_Type).toBe('Lymphocyte');
    expect(pick(`execution:${facts.bccd.executions.B}`)!.values.Cell_Type).toBe('Neutrophil');
  });

  it('export of the fixture puts Training and Testing images under their class folders', () => {
    const out = path.join(scratch.dir, 'bccd-export');
    const facts = expectedFacts();
    const manifest = json<Record<string, string>>(
      satchel(
        'export',
        fixtureBags.formatB,
        '--out',
        out,
        '--target',
        'Cell_Type',
        '--selector',
        `execution:${facts.bccd.executions.A}`,
        '--missing',
        'skip',
      ),
    );
    const written = Object.values(manifest).map((file) => path.relative(out, file).split(path.sep));
    expect(written).toHaveLength(200);
    const counts: Record<string, number> = {};
    for (const [split, label] of written)
      counts[`${split}/${label}`] = (counts[`${split}/${label}`] ?? 0) + 1;
    expect(Object.keys(counts).every((key) => /^(training|testing)\//.test(key))).toBe(true);
    const trainingCount = Object.entries(counts)
      .filter(([key]) => key.startsWith('training/'))
      .reduce((sum, [, n]) => sum + n, 0);
    expect(trainingCount).toBe(127);
  });
});
