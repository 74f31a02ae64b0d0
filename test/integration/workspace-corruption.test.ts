import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../main/core/sample/random.js';
import type { Draft } from '../../shared/labels.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * A workspace with drafts gets bytes flipped in 50 random pages (seeded, so every run is the same),
 * then `drafts list` and `label` run through the CLI. Each must either say the workspace is damaged,
 * leaving the file as it was, or show exactly the drafts that were written: never fewer in silence.
 */

const scratch = temporaryDirectory('satchel-corruption-');
afterAll(() => scratch.cleanup());

const bags = generatedBags();
const bag = bags.formatB;
const images = bags.facts.images.filter((image) => image.release === '1.0.0').map((image) => image.rid);
const DIGIT = 'Image/Digit';
const QUALITY = 'Image/Quality';
const ROUNDS = 4;
const PAGES_FLIPPED = 50;
const TRIALS = 12;
const base = path.join(scratch.dir, 'base');
/** What was written: the final values per feature and target. */
const written: Record<string, Map<string, Record<string, unknown>>> = {
  [DIGIT]: new Map(),
  [QUALITY]: new Map(),
};

function satchel(workspace: string, ...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'bin', 'satchel.js'), ...args, '--workspace', workspace],
    { encoding: 'utf8', env: { ...process.env, SATCHEL_WORKSPACE: '' } },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function importDrafts(feature: string, records: Record<string, unknown>[]): void {
  const file = path.join(scratch.dir, 'drafts.jsonl');
  fs.writeFileSync(file, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
  const result = satchel(base, 'drafts', 'import', bag, '--feature', feature, '--file', file, '--json');
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  for (const { Image, ...values } of records) written[feature]!.set(Image as string, values);
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Flips 1–3 bytes at random offsets in each of `count` distinct random pages of the database file. */
function flipPages(file: string, seed: number, count: number): number[] {
  const random = seededRandom(seed);
  const bytes = fs.readFileSync(file);
  const pageSize = bytes.readUInt16BE(16) === 1 ? 65_536 : bytes.readUInt16BE(16);
  const pageCount = bytes.length / pageSize;
  const pages = new Set<number>();
  while (pages.size < count) pages.add(Math.floor(random() * pageCount));
  for (const page of pages) {
    const flips = 1 + Math.floor(random() * 3);
    for (let flip = 0; flip < flips; flip++) {
      const offset = page * pageSize + Math.floor(random() * pageSize);
      bytes[offset] = bytes[offset]! ^ (1 + Math.floor(random() * 255));
    }
  }
  fs.writeFileSync(file, bytes);
  return [...pages].sort((a, b) => a - b);
}

/** The damage report: one line on stderr that names the workspace file. */
function expectDamageReport(result: ReturnType<typeof satchel>, file: string): void {
  expect(result.status, result.stderr).not.toBe(0);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toContain(`${file} is damaged`);
}

function expectExactly(feature: string, drafts: Draft[]): void {
  const shown = new Map(drafts.map((draft) => [draft.target, draft.values]));
  expect(shown.size).toBe(written[feature]!.size);
  for (const [target, values] of written[feature]!) expect(shown.get(target), target).toEqual(values);
}

beforeAll(() => {
  for (let round = 0; round < ROUNDS; round++) {
    importDrafts(
      DIGIT,
      images.map((rid, index) => ({
        Image: rid,
        Digit: String((index + round) % 10),
        Confidence: round / 10,
      })),
    );
  }
  importDrafts(
    QUALITY,
    images.map((rid, index) => ({
      Image: rid,
      Image_Quality: ['Good', 'Blurry', 'Unusable'][index % 3],
      Stroke_Width: ['Thin', 'Regular', 'Bold'][index % 3],
    })),
  );
  expect(fs.existsSync(path.join(base, 'workspace.sqlite-wal'))).toBe(false);
});

describe('a workspace database with flipped bytes', () => {
  it('has enough pages for the flips, and reads back exactly while intact', () => {
    const size = fs.statSync(path.join(base, 'workspace.sqlite')).size;
    expect(size / 4096).toBeGreaterThanOrEqual(PAGES_FLIPPED * 1.2);
    for (const feature of [DIGIT, QUALITY]) {
      const list = satchel(base, 'drafts', 'list', bag, '--feature', feature, '--json');
      expect(list.stderr).toBe('');
      expectExactly(feature, (JSON.parse(list.stdout) as { drafts: Draft[] }).drafts);
    }
  });

  it(`is reported, or shows exactly what was written, in ${TRIALS} seeded trials`, () => {
    const outcomes = { reported: 0, exact: 0 };
    for (let seed = 1; seed <= TRIALS; seed++) {
      const workspace = path.join(scratch.dir, `trial-${seed}`);
      fs.cpSync(base, workspace, { recursive: true });
      const file = path.join(workspace, 'workspace.sqlite');
      flipPages(file, seed, PAGES_FLIPPED);
      const damaged = sha256(file);
      let reported = false;
      for (const feature of [DIGIT, QUALITY]) {
        const list = satchel(workspace, 'drafts', 'list', bag, '--feature', feature, '--json');
        if (list.status === 0) {
          expect(list.stderr, `seed ${seed}`).toBe('');
          expectExactly(feature, (JSON.parse(list.stdout) as { drafts: Draft[] }).drafts);
        } else {
          expectDamageReport(list, file);
          reported = true;
        }
      }
      const label = satchel(workspace, 'label', bag, '--feature', DIGIT, '--set', `${images[0]}=3`, '--json');
      if (label.status === 0) {
        expect(reported, `seed ${seed}: label wrote into a workspace that list called damaged`).toBe(false);
        const { progress } = JSON.parse(label.stdout) as { progress: { labeled: number; total: number } };
        expect(progress).toEqual({ labeled: images.length, total: images.length });
        outcomes.exact++;
      } else {
        expectDamageReport(label, file);
        expect(sha256(file), `seed ${seed}: the damaged file was written to`).toBe(damaged);
        outcomes.reported++;
      }
      fs.rmSync(workspace, { recursive: true, force: true });
    }
    expect(outcomes.reported + outcomes.exact).toBe(TRIALS);
  }, 300_000);
});
