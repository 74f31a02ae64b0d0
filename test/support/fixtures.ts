import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The read-only real-server fixtures: `$SATCHEL_FIXTURES`, else `../shared/fixtures` beside the
 * repository. `SATCHEL_FIXTURES=none` hides them, so a run sees what a newcomer's clone sees.
 */
export const fixturesDir = path.resolve(
  process.env.SATCHEL_FIXTURES || path.join(repoRoot, '..', 'shared', 'fixtures'),
);
export const hasFixtures =
  process.env.SATCHEL_FIXTURES !== 'none' && fs.existsSync(path.join(fixturesDir, 'expected.json'));
/** Why the real-fixture conformance tests cannot run, for skip messages. */
export const fixturesAbsentReason = `the real-server fixtures are absent (${
  process.env.SATCHEL_FIXTURES === 'none' ? 'SATCHEL_FIXTURES=none' : fixturesDir
})`;

export const fixtureBags = {
  formatB: path.join(fixturesDir, 'bags', 'bccd', 'Dataset_58A'),
  formatBZip: path.join(fixturesDir, 'bags', 'bccd', 'Dataset_58A.zip'),
  holey: path.join(fixturesDir, 'bags', 'bccd', 'holey', 'Dataset_58A'),
  holeyZip: path.join(fixturesDir, 'bags', 'bccd', 'holey', 'Dataset_58A.zip'),
  formatA: path.join(fixturesDir, 'bags', 'bccd-legacy', 'Dataset_58A'),
  formatAZip: path.join(fixturesDir, 'bags', 'bccd-legacy', 'Dataset_58A.zip'),
};

export interface ExpectedFacts {
  bccd: {
    datasets: Record<string, string>;
    executions: Record<string, string>;
    versions: Record<string, { rows: Record<string, string>; snaptime: string }>;
    'counts_at_1.0.0': Record<string, number>;
    annotator_disagreements: {
      Image: string;
      Filename: string;
      A: string;
      B: string;
      Model: string;
      Model_Confidence: number;
    }[];
    annotator_overlap_images: number;
    image_quality_counts: Record<string, number>;
    labels_csv_class_counts: Record<string, number>;
    model_vs_annotator_A_mismatches: number;
    image_rid_by_filename: Record<string, string>;
  };
  bags: Record<
    string,
    { tables?: Record<string, number>; assets: number; validate: number; holey_missing?: number }
  >;
}

export function expectedFacts(): ExpectedFacts {
  return JSON.parse(fs.readFileSync(path.join(fixturesDir, 'expected.json'), 'utf8')) as ExpectedFacts;
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function temporaryDirectory(prefix = 'satchel-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a fixture bag into a temporary folder so a test may change it. */
export function copyFixtureBag(source: string, into: string): string {
  const target = path.join(into, path.basename(source));
  fs.cpSync(source, target, { recursive: true });
  return target;
}
