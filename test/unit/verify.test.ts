import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSatchelError } from '../../main/core/common/index.js';
import { isBagDirectory, verifyBag } from '../../main/core/verify/index.js';
import type { VerifyReport } from '../../shared/bag.js';

const BAGS = fileURLToPath(new URL('../../../shared/fixtures/bags', import.meta.url));
const FULL = path.join(BAGS, 'bccd/Dataset_58A');
const HOLEY = path.join(BAGS, 'bccd/holey/Dataset_58A');
const LEGACY = path.join(BAGS, 'bccd-legacy/Dataset_58A');
const haveFixtures = fs.existsSync(BAGS);
if (!haveFixtures) console.warn(`Skipping the fixture bag tests: ${BAGS} does not exist.`);

let tmp: string;

beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'satchel-')));
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const PAYLOAD: Record<string, string> = {
  'data/schema.json': '{"snaptime": "361-XRNG-TRRP"}\n',
  'data/hematology/Cell_Type.csv': 'RID,Name\n1-A,Neutrophil\n1-B,Eosinophil\n',
  'data/deriva-ml/Workflow.csv': 'RID,Name\n582,Manual annotation\n',
};
/** Listed in the manifests and fetch.txt but absent: the bag is holey. */
const FETCHED: Record<string, string> = {
  'data/asset/42J/Image/BloodImage_00000.jpg': 'not really a jpeg\n',
};

/** Writes a small valid holey bag like bdbag's: md5 and sha256 manifests, fetch.txt, Oxum, tag manifests. */
function buildBag(name = 'bag'): string {
  const bag = path.join(tmp, name);
  for (const [file, content] of Object.entries(PAYLOAD)) {
    fs.mkdirSync(path.dirname(path.join(bag, file)), { recursive: true });
    fs.writeFileSync(path.join(bag, file), content);
  }
  const listed = Object.entries({ ...PAYLOAD, ...FETCHED });
  const bytes = listed.reduce((sum, [, content]) => sum + Buffer.byteLength(content), 0);
  fs.writeFileSync(path.join(bag, 'bagit.txt'), 'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n');
  fs.writeFileSync(path.join(bag, 'bag-info.txt'), `Payload-Oxum: ${bytes}.${listed.length}\n`);
  for (const algorithm of ['md5', 'sha256']) {
    const lines = listed.map(([file, content]) => `${digestOf(algorithm, content)}  ${file}\n`);
    fs.writeFileSync(path.join(bag, `manifest-${algorithm}.txt`), lines.join(''));
  }
  const fetchLines = Object.entries(FETCHED).map(
    ([file, content]) =>
      `http://127.0.0.1:8480/hatrac/${path.basename(file)}\t${Buffer.byteLength(content)}\t${file}\n`,
  );
  fs.writeFileSync(path.join(bag, 'fetch.txt'), fetchLines.join(''));
  writeTagManifests(bag);
  return bag;
}

function digestOf(algorithm: string, content: string | Buffer): string {
  return crypto.createHash(algorithm).update(content).digest('hex');
}

function digest(algorithm: string, file: string): string {
  return digestOf(algorithm, fs.readFileSync(file));
}

/** (Re)writes tagmanifest-md5/sha256 over the tag files present, as a test must after editing one. */
function writeTagManifests(bag: string): void {
  const tagFiles = fs
    .readdirSync(bag)
    .filter((name) => name.endsWith('.txt') && !name.startsWith('tagmanifest-'))
    .sort();
  for (const algorithm of ['md5', 'sha256']) {
    const lines = tagFiles.map((name) => `${digest(algorithm, path.join(bag, name))} ${name}\n`);
    fs.writeFileSync(path.join(bag, `tagmanifest-${algorithm}.txt`), lines.join(''));
  }
}

function appendLine(file: string, line: string): void {
  fs.appendFileSync(file, `${line}\n`);
}

function kindsAndPaths(report: VerifyReport): [string, string][] {
  return report.problems.map((problem) => [problem.kind, problem.path]);
}

/** Every file below `dir`, to prove a verification created nothing. */
function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Records every file the verifier opens or reads, to prove nothing outside the bag is touched. */
function spyOnReads(): string[] {
  const opened: string[] = [];
  const open = fs.promises.open.bind(fs.promises);
  const readFile = fs.promises.readFile.bind(fs.promises);
  vi.spyOn(fs.promises, 'open').mockImplementation((file, ...rest) => {
    opened.push(String(file));
    return open(file, ...rest);
  });
  vi.spyOn(fs.promises, 'readFile').mockImplementation((file, ...rest) => {
    opened.push(String(file));
    return readFile(file, ...rest);
  });
  return opened;
}

describe.skipIf(!haveFixtures)('verifyBag on the fixture bags', () => {
  it('accepts the materialized bccd bag: 321 files, md5 and sha256 each', async () => {
    const progress: [number, number][] = [];
    const report = await verifyBag(FULL, { onProgress: (done, total) => progress.push([done, total]) });
    expect(report).toMatchObject({
      ok: true,
      files: 321,
      checks: 642,
      materialized: true,
      unfetched: 0,
      problems: [],
    });
    expect(report.bytes).toBe(6641182);
    const last = progress.at(-1);
    expect(last?.[0]).toBe(last?.[1]);
  });

  it('accepts the legacy bag with its md5 manifest only', async () => {
    const report = await verifyBag(LEGACY);
    expect(report).toMatchObject({ ok: true, files: 329, checks: 329, materialized: true, problems: [] });
  });

  it('finds the holey bag intact but incomplete, so not valid (RFC 8493)', async () => {
    const report = await verifyBag(HOLEY, { concurrency: 1 });
    expect(report).toMatchObject({
      ok: false,
      complete: false,
      files: 21,
      checks: 42,
      materialized: false,
      unfetched: 300,
      problems: [],
    });
  });
});

describe('verifyBag problems', () => {
  it('finds an intact holey bag incomplete, naming the file fetch.txt still has to bring', async () => {
    const report = await verifyBag(buildBag());
    expect(report).toEqual({
      ok: false,
      complete: false,
      files: 3,
      bytes: Object.values(PAYLOAD).reduce((sum, content) => sum + Buffer.byteLength(content), 0),
      checks: 6,
      materialized: false,
      fetchListed: 1,
      unfetched: 1,
      missing: Object.keys(FETCHED),
      problems: [],
    });
  });

  it('recognises bag folders', () => {
    const bag = buildBag();
    fs.mkdirSync(path.join(tmp, 'empty'));
    expect(isBagDirectory(bag)).toBe(true);
    expect(isBagDirectory(path.join(tmp, 'empty'))).toBe(false);
    expect(isBagDirectory(path.join(bag, 'bagit.txt'))).toBe(false);
    expect(isBagDirectory(path.join(tmp, 'nowhere'))).toBe(false);
  });

  it('throws not-a-bag for a folder without bagit.txt, manifest or data/', async () => {
    fs.mkdirSync(path.join(tmp, 'plain'));
    const error = await verifyBag(path.join(tmp, 'plain')).catch((caught: unknown) => caught);
    expect(isSatchelError(error) && error.kind).toBe('not-a-bag');
  });

  it('reports a missing bagit.txt', async () => {
    const bag = buildBag();
    fs.rmSync(path.join(bag, 'bagit.txt'));
    writeTagManifests(bag);
    expect(kindsAndPaths(await verifyBag(bag))).toEqual([['missing-bagit', 'bagit.txt']]);
  });

  it('reports a malformed bagit.txt', async () => {
    const bag = buildBag();
    fs.writeFileSync(
      path.join(bag, 'bagit.txt'),
      'BagIt-Version: 0.97\nTag-File-Character-Encoding: latin1\n',
    );
    writeTagManifests(bag);
    expect(kindsAndPaths(await verifyBag(bag))).toEqual([['bad-bagit', 'bagit.txt']]);
  });

  it('reports a payload file whose bytes changed', async () => {
    const bag = buildBag();
    const csv = path.join(bag, 'data/hematology/Cell_Type.csv');
    const bytes = fs.readFileSync(csv);
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    fs.writeFileSync(csv, bytes);
    const report = await verifyBag(bag);
    expect(kindsAndPaths(report)).toEqual([['checksum-mismatch', 'data/hematology/Cell_Type.csv']]);
    expect(report.problems[0]?.message).toContain('md5 and sha256');
    expect(report.ok).toBe(false);
  });

  it('reports a tag file whose bytes changed', async () => {
    const bag = buildBag();
    fs.appendFileSync(path.join(bag, 'bag-info.txt'), 'Contact-Name: someone\n');
    expect(kindsAndPaths(await verifyBag(bag))).toEqual([['checksum-mismatch', 'bag-info.txt']]);
  });

  it('reports a listed payload file that is gone and not in fetch.txt', async () => {
    const bag = buildBag();
    fs.rmSync(path.join(bag, 'data/deriva-ml/Workflow.csv'));
    const report = await verifyBag(bag);
    expect(kindsAndPaths(report)).toEqual([['missing-file', 'data/deriva-ml/Workflow.csv']]);
    expect(report.files).toBe(2);
  });

  it('reports a payload file no manifest lists', async () => {
    const bag = buildBag();
    fs.writeFileSync(path.join(bag, 'data/deriva-ml/extra.csv'), 'RID\n');
    expect(kindsAndPaths(await verifyBag(bag))).toEqual([['unexpected-file', 'data/deriva-ml/extra.csv']]);
  });

  it('reports a Payload-Oxum that disagrees with the manifests', async () => {
    const bag = buildBag();
    const info = path.join(bag, 'bag-info.txt');
    const oneByteMore = fs
      .readFileSync(info, 'utf8')
      .replace(/Payload-Oxum: (\d+)\./, (_line, bytes: string) => `Payload-Oxum: ${Number(bytes) + 1}.`);
    fs.writeFileSync(info, oneByteMore);
    writeTagManifests(bag);
    expect(kindsAndPaths(await verifyBag(bag))).toEqual([['oxum-mismatch', 'bag-info.txt']]);
  });

  it('reports malformed manifest and fetch.txt lines', async () => {
    const bag = buildBag();
    appendLine(path.join(bag, 'manifest-md5.txt'), 'not-a-checksum  data/x.csv');
    appendLine(path.join(bag, 'manifest-sha256.txt'), `${'a'.repeat(32)}  data/x.csv`);
    appendLine(path.join(bag, 'fetch.txt'), 'http://example.org/x\tmany\tdata/x.csv');
    writeTagManifests(bag);
    expect(kindsAndPaths(await verifyBag(bag))).toEqual([
      ['bad-fetch', 'fetch.txt'],
      ['bad-manifest', 'manifest-md5.txt'],
      ['bad-manifest', 'manifest-sha256.txt'],
    ]);
  });

  it('decodes percent-encoded manifest paths', async () => {
    const bag = buildBag();
    const file = path.join(bag, 'data/100%.txt');
    fs.writeFileSync(file, 'percent\n');
    appendLine(path.join(bag, 'manifest-md5.txt'), `${digest('md5', file)}  data/100%25.txt`);
    writeTagManifests(bag);
    const report = await verifyBag(bag);
    expect(report.problems.filter((problem) => problem.path.startsWith('data/'))).toEqual([]);
    expect(report.checks).toBe(7);
  });
});

describe('verifyBag never leaves the bag', () => {
  let outside: string;
  let bag: string;

  beforeEach(() => {
    bag = buildBag();
    outside = path.join(tmp, 'outside.csv');
    fs.copyFileSync(path.join(bag, 'data/hematology/Cell_Type.csv'), outside);
  });

  async function verifyWithoutEscaping(): Promise<VerifyReport> {
    const before = listTree(tmp);
    const opened = spyOnReads();
    const report = await verifyBag(bag);
    expect(opened.length).toBeGreaterThan(0);
    expect(opened.filter((file) => !file.startsWith(`${bag}/`))).toEqual([]);
    expect(listTree(tmp)).toEqual(before);
    return report;
  }

  it.each([
    ['a ".." path', () => 'data/../../outside.csv', '..'],
    ['an absolute path', () => outside, 'absolute'],
  ])('refuses %s in a manifest', async (_label, target, why) => {
    appendLine(path.join(bag, 'manifest-md5.txt'), `${digest('md5', outside)}  ${target()}`);
    writeTagManifests(bag);
    const report = await verifyWithoutEscaping();
    expect(kindsAndPaths(report)).toEqual([['unsafe-path', target()]]);
    expect(report.problems[0]?.message).toContain(why);
  });

  it.each([
    ['a ".." path', () => '../outside.csv'],
    ['an absolute path', () => outside],
  ])('refuses %s in fetch.txt', async (_label, target) => {
    appendLine(path.join(bag, 'fetch.txt'), `http://127.0.0.1:8480/hatrac/x\t12\t${target()}`);
    writeTagManifests(bag);
    const report = await verifyWithoutEscaping();
    expect(kindsAndPaths(report)).toEqual([['unsafe-path', target()]]);
  });

  it('refuses a symbolic link in data/ that points outside, even with matching bytes', async () => {
    const listed = path.join(bag, 'data/hematology/Cell_Type.csv');
    fs.rmSync(listed);
    fs.symlinkSync(outside, listed);
    fs.symlinkSync(tmp, path.join(bag, 'data/escape'));
    const report = await verifyWithoutEscaping();
    expect(kindsAndPaths(report)).toEqual([
      ['unsafe-path', 'data/escape'],
      ['unsafe-path', 'data/hematology/Cell_Type.csv'],
    ]);
  });

  it('refuses a manifest path that runs through a linked folder', async () => {
    fs.symlinkSync(tmp, path.join(bag, 'data/escape'));
    appendLine(path.join(bag, 'manifest-md5.txt'), `${digest('md5', outside)}  data/escape/outside.csv`);
    writeTagManifests(bag);
    const report = await verifyWithoutEscaping();
    // The manifest now lists a fifth payload file, which the bag's Oxum does not count.
    expect(kindsAndPaths(report)).toEqual([
      ['oxum-mismatch', 'bag-info.txt'],
      ['unsafe-path', 'data/escape'],
      ['unsafe-path', 'data/escape/outside.csv'],
    ]);
  });
});
