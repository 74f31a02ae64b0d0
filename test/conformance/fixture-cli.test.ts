import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureValue, InspectReport } from '../../shared/bag.js';
import {
  expectedFacts,
  fixtureBags,
  fixturesAbsentReason,
  hasFixtures,
  repoRoot,
  temporaryDirectory,
} from '../support/fixtures.js';

// The CLI on the bags bdbag wrote from a real ERMrest 0.5.0 catalog: the fixture README's counts and
// the real cell-type disagreement on image 49T. The same checks on generated bags are in
// test/integration/cli.test.ts.
const scratch = temporaryDirectory();
const workspace = path.join(scratch.dir, 'workspace');
afterAll(() => scratch.cleanup());

/** Runs the built CLI exactly as `npx satchel` would. */
function satchel(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'bin', 'satchel.js'), ...args, '--workspace', workspace],
    { encoding: 'utf8', env: { ...process.env, SATCHEL_WORKSPACE: '' } },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json<T>(result: ReturnType<typeof satchel>): T {
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as T;
}

describe.skipIf(!hasFixtures)(
  hasFixtures
    ? 'the satchel command on the real fixture bags'
    : `the satchel command on the real fixture bags (skipped: ${fixturesAbsentReason})`,
  () => {
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
  },
);
