import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSatchelError } from '../../main/core/common/index.js';
import { isBagDirectory, verifyBag, type VerifyOptions } from '../../main/core/verify/index.js';
import type { VerifyReport } from '../../shared/bag.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot } from '../support/fixtures.js';

const bags = generatedBags();
const { facts } = bags;

/**
 * Under vitest the verifier runs from TypeScript source, where no compiled hash worker sits beside it
 * and files are hashed on the test's own thread. The suites below run twice: that way, and with the
 * worker threads running the hash worker `npm run build` compiled into dist/, as the app and CLI do.
 */
const BUILT_WORKER = path.join(repoRoot, 'dist', 'main', 'core', 'verify', 'hash-worker.js');
const HASHING: [string, VerifyOptions][] = [
  ['hashing on this thread', {}],
  ['hashing in the built worker threads', { hashWorker: pathToFileURL(BUILT_WORKER) }],
];

function requireBuiltWorker(): void {
  if (!fs.existsSync(BUILT_WORKER))
    throw new Error(`${BUILT_WORKER} is missing: run npm run build before these tests (npm test does).`);
}

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

/** The files under `dir` and their bytes, counted straight from the disk. */
function filesOnDisk(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = filesOnDisk(full);
      files += inner.files;
      bytes += inner.bytes;
    } else if (entry.isFile()) {
      files += 1;
      bytes += fs.statSync(full).size;
    }
  }
  return { files, bytes };
}

describe.each(HASHING)('verifyBag on the generated bags, %s', (_mode, hashing) => {
  beforeAll(() => {
    if (hashing.hashWorker) requireBuiltWorker();
  });
  // A Format B payload: data/schema.json, one CSV per table with rows, and the asset files.
  const csvFiles = (release: '1.0.0' | '1.1.0') => Object.keys(facts.tables[release]).length;

  it('accepts the materialized Format B bag: every payload file, md5 and sha256 each', async () => {
    const progress: [number, number][] = [];
    const report = await verifyBag(bags.formatB, {
      ...hashing,
      onProgress: (done, total) => progress.push([done, total]),
    });
    const payload = filesOnDisk(path.join(bags.formatB, 'data'));
    // 1 schema.json + 27 CSVs + 350 assets (300 images, 50 region files) = 378 files.
    expect(payload.files).toBe(1 + csvFiles('1.0.0') + facts.assets['1.0.0']);
    expect(report).toEqual({
      ok: true,
      complete: true,
      files: payload.files,
      bytes: payload.bytes,
      checks: 2 * payload.files,
      materialized: true,
      fetchListed: facts.assets['1.0.0'],
      unfetched: 0,
      missing: [],
      problems: [],
    });
    expect(progress.at(-1)).toEqual([payload.bytes, payload.bytes]);
  });

  it('accepts the 1.1.0 bag with its ten more images', async () => {
    const report = await verifyBag(bags.newer, hashing);
    expect(report).toMatchObject({
      ok: true,
      complete: true,
      files: 1 + csvFiles('1.1.0') + facts.assets['1.1.0'],
      materialized: true,
      problems: [],
    });
    expect(facts.assets['1.1.0'] - facts.assets['1.0.0']).toBe(facts.design.addedImages);
  });

  it('accepts the legacy Format A bag with its md5 manifest only', async () => {
    const payload = filesOnDisk(path.join(bags.formatA, 'data'));
    const report = await verifyBag(bags.formatA, hashing);
    expect(report).toEqual({
      ok: true,
      complete: true,
      files: payload.files,
      bytes: payload.bytes,
      checks: payload.files,
      materialized: true,
      fetchListed: facts.assets['1.0.0'],
      unfetched: 0,
      missing: [],
      problems: [],
    });
  });

  it('finds the holey bag intact but incomplete, so not valid (RFC 8493)', async () => {
    const report = await verifyBag(bags.holey, { ...hashing, concurrency: 1 });
    const files = 1 + csvFiles('1.0.0');
    expect(filesOnDisk(path.join(bags.holey, 'data')).files).toBe(files);
    expect(report).toMatchObject({
      ok: false,
      complete: false,
      files,
      checks: 2 * files,
      materialized: false,
      fetchListed: facts.assets['1.0.0'],
      unfetched: facts.assets['1.0.0'],
      problems: [],
    });
  });

  it('reports a changed asset of the generated bag', async () => {
    const copy = path.join(tmp, 'bag');
    fs.cpSync(bags.formatB, copy, { recursive: true });
    const image = facts.images.find((entry) => entry.filename.includes(' '))!;
    const relative = `data/asset/${image.rid}/Image/${image.filename}`;
    fs.appendFileSync(path.join(copy, relative), 'x');
    const report = await verifyBag(copy, hashing);
    expect(kindsAndPaths(report)).toEqual([
      ['oxum-mismatch', 'bag-info.txt'],
      ['checksum-mismatch', relative],
    ]);
  });
});

describe.each(HASHING)('verifyBag problems, %s', (_mode, hashing) => {
  beforeAll(() => {
    if (hashing.hashWorker) requireBuiltWorker();
  });

  it('finds an intact holey bag incomplete, naming the file fetch.txt still has to bring', async () => {
    const report = await verifyBag(buildBag(), hashing);
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
    const error = await verifyBag(path.join(tmp, 'plain'), hashing).catch((caught: unknown) => caught);
    expect(isSatchelError(error) && error.kind).toBe('not-a-bag');
  });

  it('reports a missing bagit.txt', async () => {
    const bag = buildBag();
    fs.rmSync(path.join(bag, 'bagit.txt'));
    writeTagManifests(bag);
    expect(kindsAndPaths(await verifyBag(bag, hashing))).toEqual([['missing-bagit', 'bagit.txt']]);
  });

  it('reports a malformed bagit.txt', async () => {
    const bag = buildBag();
    fs.writeFileSync(
      path.join(bag, 'bagit.txt'),
      'BagIt-Version: 0.97\nTag-File-Character-Encoding: latin1\n',
    );
    writeTagManifests(bag);
    expect(kindsAndPaths(await verifyBag(bag, hashing))).toEqual([['bad-bagit', 'bagit.txt']]);
  });

  it('reports a payload file whose bytes changed', async () => {
    const bag = buildBag();
    const csv = path.join(bag, 'data/hematology/Cell_Type.csv');
    const bytes = fs.readFileSync(csv);
    bytes[10] = (bytes[10] ?? 0) ^ 0x01;
    fs.writeFileSync(csv, bytes);
    const report = await verifyBag(bag, hashing);
    expect(kindsAndPaths(report)).toEqual([['checksum-mismatch', 'data/hematology/Cell_Type.csv']]);
    expect(report.problems[0]?.message).toContain('md5 and sha256');
    expect(report.ok).toBe(false);
  });

  it('reports a tag file whose bytes changed', async () => {
    const bag = buildBag();
    fs.appendFileSync(path.join(bag, 'bag-info.txt'), 'Contact-Name: someone\n');
    expect(kindsAndPaths(await verifyBag(bag, hashing))).toEqual([['checksum-mismatch', 'bag-info.txt']]);
  });

  it('reports a listed payload file that is gone and not in fetch.txt', async () => {
    const bag = buildBag();
    fs.rmSync(path.join(bag, 'data/deriva-ml/Workflow.csv'));
    const report = await verifyBag(bag, hashing);
    expect(kindsAndPaths(report)).toEqual([['missing-file', 'data/deriva-ml/Workflow.csv']]);
    expect(report.files).toBe(2);
  });

  it('reports a payload file no manifest lists', async () => {
    const bag = buildBag();
    fs.writeFileSync(path.join(bag, 'data/deriva-ml/extra.csv'), 'RID\n');
    expect(kindsAndPaths(await verifyBag(bag, hashing))).toEqual([
      ['unexpected-file', 'data/deriva-ml/extra.csv'],
    ]);
  });

  it('reports a Payload-Oxum that disagrees with the manifests', async () => {
    const bag = buildBag();
    const info = path.join(bag, 'bag-info.txt');
    const oneByteMore = fs
      .readFileSync(info, 'utf8')
      .replace(/Payload-Oxum: (\d+)\./, (_line, bytes: string) => `Payload-Oxum: ${Number(bytes) + 1}.`);
    fs.writeFileSync(info, oneByteMore);
    writeTagManifests(bag);
    expect(kindsAndPaths(await verifyBag(bag, hashing))).toEqual([['oxum-mismatch', 'bag-info.txt']]);
  });

  it('reports malformed manifest and fetch.txt lines', async () => {
    const bag = buildBag();
    appendLine(path.join(bag, 'manifest-md5.txt'), 'not-a-checksum  data/x.csv');
    appendLine(path.join(bag, 'manifest-sha256.txt'), `${'a'.repeat(32)}  data/x.csv`);
    appendLine(path.join(bag, 'fetch.txt'), 'http://example.org/x\tmany\tdata/x.csv');
    writeTagManifests(bag);
    expect(kindsAndPaths(await verifyBag(bag, hashing))).toEqual([
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
    const report = await verifyBag(bag, hashing);
    expect(report.problems.filter((problem) => problem.path.startsWith('data/'))).toEqual([]);
    expect(report.checks).toBe(7);
  });
});

describe('the hash worker threads', () => {
  /** Writes a stand-in hash worker: it answers every request with `answer`, written in its source. */
  function workerAnswering(answer: string): URL {
    const file = path.join(tmp, 'worker.mjs');
    fs.writeFileSync(
      file,
      `import { parentPort } from 'node:worker_threads';\nparentPort.on('message', (request) => { ${answer} });\n`,
    );
    return pathToFileURL(file);
  }

  it('are the ones named by hashWorker: a worker that reports zero digests fails every file', async () => {
    const bag = buildBag();
    const zeros = workerAnswering(
      `parentPort.postMessage({ kind: 'done', outcome: { ok: true, bytes: 0, digests: Object.fromEntries(request.algorithms.map((a) => [a, '0'])) } });`,
    );
    const report = await verifyBag(bag, { hashWorker: zeros });
    const tagFiles = ['bag-info.txt', 'bagit.txt', 'fetch.txt', 'manifest-md5.txt', 'manifest-sha256.txt'];
    expect(kindsAndPaths(report)).toEqual(
      [...tagFiles, ...Object.keys(PAYLOAD)]
        .sort()
        .map((file): [string, string] => ['checksum-mismatch', file]),
    );
  });

  it('turn a worker that stops into a failed verification', async () => {
    const stops = workerAnswering('process.exit(3);');
    await expect(verifyBag(buildBag(), { hashWorker: stops })).rejects.toThrow(
      'The hash worker stopped unexpectedly with code 3.',
    );
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
