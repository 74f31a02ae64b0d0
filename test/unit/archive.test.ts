import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer as readAll } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { extractBagZip } from '../../main/core/archive/index.js';
import { isSatchelError } from '../../main/core/common/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import { generatedBags } from '../support/bags.js';

const bags = generatedBags();
const { facts } = bags;
/** Files of the Format B 1.0.0 payload: schema.json, one CSV per table with rows, the assets. */
const payloadFiles = 1 + Object.keys(facts.tables['1.0.0']).length + facts.assets['1.0.0'];

let tmp: string;
let workspace: string;
let extracted: string;

beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'satchel-')));
  workspace = path.join(tmp, 'workspace');
  extracted = path.join(workspace, 'extracted');
  fs.mkdirSync(path.join(tmp, 'zips'), { recursive: true });
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface EntrySpec {
  name: string;
  data?: Buffer;
  mode?: number;
  directory?: boolean;
}

/**
 * Writes a zip built by yazl. yazl refuses unsafe names, so such names are written as a harmless
 * placeholder of the same length and patched into the bytes afterwards.
 */
async function writeZip(
  name: string,
  entries: EntrySpec[],
  patch?: [placeholder: string, unsafe: string],
): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    if (entry.directory) zip.addEmptyDirectory(entry.name);
    else
      zip.addBuffer(
        entry.data ?? Buffer.from(`${entry.name}\n`),
        entry.name,
        entry.mode ? { mode: entry.mode } : {},
      );
  }
  zip.end();
  const bytes = await readAll(zip.outputStream);
  if (patch) replaceAll(bytes, patch[0], patch[1]);
  const file = path.join(tmp, 'zips', name);
  fs.writeFileSync(file, bytes);
  return file;
}

function replaceAll(bytes: Buffer, placeholder: string, replacement: string): void {
  expect(Buffer.byteLength(replacement)).toBe(Buffer.byteLength(placeholder));
  for (let at = bytes.indexOf(placeholder); at !== -1; at = bytes.indexOf(placeholder, at + 1)) {
    bytes.write(replacement, at);
  }
}

/** Sets the size the central directory declares for an entry (yazl writes it after the local headers). */
function declareSize(bytes: Buffer, entryName: string, size: number): void {
  const header = bytes.lastIndexOf(entryName) - 46;
  expect(bytes.readUInt32LE(header)).toBe(0x02014b50);
  bytes.writeUInt32LE(size, header + 24);
}

function bagEntries(top = 'Dataset_X'): EntrySpec[] {
  return [
    {
      name: `${top}/bagit.txt`,
      data: Buffer.from('BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n'),
    },
    { name: `${top}/data/readme.txt` },
  ];
}

function listTree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

/** Runs an extraction that must fail, and checks it left nothing behind anywhere. */
async function expectRefused(zip: string, kind: string, options = {}): Promise<string> {
  const before = listTree(tmp);
  const error = await extractBagZip(zip, workspace, options).catch((caught: unknown) => caught);
  expect(isSatchelError(error) ? [error.kind, error.message] : error).toEqual([
    kind,
    expect.stringContaining(zip),
  ]);
  const message = (error as Error).message;
  expect(message.match(/\.(\s|$)/g)?.length, message).toBe(1);
  expect(fs.existsSync(extracted) ? fs.readdirSync(extracted) : []).toEqual([]);
  expect(listTree(tmp).filter((file) => !file.startsWith('workspace'))).toEqual(
    before.filter((file) => !file.startsWith('workspace')),
  );
  return message;
}

describe('extractBagZip on the generated zips', () => {
  it('extracts the Format B zip into a bag that verifies, and reuses it on the second call', async () => {
    const progress: number[] = [];
    const bag = await extractBagZip(bags.formatBZip, workspace, {
      onProgress: (done) => progress.push(done),
    });
    expect(path.basename(bag)).toBe(`Dataset_${facts.rid}`);
    expect(path.dirname(path.dirname(bag))).toBe(extracted);
    expect(path.basename(path.dirname(bag))).toMatch(/^[0-9a-f]{24}$/);
    expect(progress.length).toBeGreaterThan(0);
    const report = await verifyBag(bag);
    expect(report).toMatchObject({
      ok: true,
      files: payloadFiles,
      checks: 2 * payloadFiles,
      materialized: true,
    });
    // The tricky file names (spaces, %, quotes, commas, non-ASCII) come out of the zip unchanged.
    for (const image of facts.images.filter((entry) => entry.release === '1.0.0'))
      expect(
        fs.existsSync(path.join(bag, 'data', 'asset', image.rid, 'Image', image.filename)),
        image.filename,
      ).toBe(true);

    const marker = path.join(bag, 'marker-left-by-test');
    fs.writeFileSync(marker, '');
    progress.length = 0;
    expect(
      await extractBagZip(bags.formatBZip, workspace, { onProgress: (done) => progress.push(done) }),
    ).toBe(bag);
    expect(progress).toEqual([]);
    expect(fs.existsSync(marker)).toBe(true);
    expect(fs.readdirSync(extracted)).toEqual([path.basename(path.dirname(bag))]);
  });

  it('extracts the holey zip into an intact bag that is not materialized', async () => {
    const report = await verifyBag(await extractBagZip(bags.holeyZip, workspace));
    expect(report).toMatchObject({
      problems: [],
      complete: false,
      materialized: false,
      unfetched: facts.assets['1.0.0'],
    });
  });

  it('extracts the Format A zip into a bag that verifies with md5 only', async () => {
    const report = await verifyBag(await extractBagZip(bags.formatAZip, workspace));
    expect(report.ok).toBe(true);
    expect(report.checks).toBe(report.files);
  });
});

describe('extractBagZip on built zips', () => {
  it('extracts a small bag and returns its top-level folder', async () => {
    const bag = await extractBagZip(await writeZip('bag.zip', bagEntries()), workspace);
    expect(path.basename(bag)).toBe('Dataset_X');
    expect(fs.readFileSync(path.join(bag, 'data/readme.txt'), 'utf8')).toBe('Dataset_X/data/readme.txt\n');
  });

  it('lets two simultaneous extractions of one zip end with a single folder', async () => {
    const zip = await writeZip('bag.zip', bagEntries());
    const [first, second] = await Promise.all([extractBagZip(zip, workspace), extractBagZip(zip, workspace)]);
    expect(second).toBe(first);
    expect(fs.readdirSync(extracted)).toHaveLength(1);
  });

  it('extracts a rewritten zip again', async () => {
    const zip = await writeZip('bag.zip', bagEntries());
    const first = await extractBagZip(zip, workspace);
    fs.utimesSync(zip, new Date(), new Date(Date.now() + 5000));
    expect(await extractBagZip(zip, workspace)).not.toBe(first);
  });
});

describe('extractBagZip refusals', () => {
  it.each([
    ['a ".." entry', 'Dataset_X/__/__/__/evil.txt', '__/', '../', '..'],
    ['a backslash', 'Dataset_X/a_b.txt', 'a_b', 'a\\b', 'backslash'],
    ['a drive letter', 'C_/evil.txt', 'C_/', 'C:/', 'absolute'],
  ])('refuses %s as unsafe-path', async (_label, name, placeholder, unsafe, why) => {
    const zip = await writeZip('unsafe.zip', [...bagEntries(), { name }], [placeholder, unsafe]);
    expect(await expectRefused(zip, 'unsafe-path')).toContain(why);
    expect(fs.existsSync(path.join(tmp, 'evil.txt'))).toBe(false);
  });

  it('refuses an absolute entry path as unsafe-path', async () => {
    const target = path.join(tmp, 'outside', 'evil.txt');
    const placeholder = `_${target.slice(1)}`;
    const zip = await writeZip(
      'absolute.zip',
      [...bagEntries(), { name: placeholder }],
      [placeholder, target],
    );
    expect(await expectRefused(zip, 'unsafe-path')).toContain('absolute');
    expect(fs.existsSync(target)).toBe(false);
  });

  it('refuses a symbolic link entry as unsafe-path', async () => {
    const link = { name: 'Dataset_X/data/passwd', data: Buffer.from('/etc/passwd'), mode: 0o120777 };
    const zip = await writeZip('symlink.zip', [...bagEntries(), link]);
    expect(await expectRefused(zip, 'unsafe-path')).toContain('symbolic link');
  });

  it('refuses a zip bomb by its expansion ratio', async () => {
    const zeros = { name: 'Dataset_X/data/zeros.bin', data: Buffer.alloc(50 * 1024 * 1024) };
    const zip = await writeZip('bomb.zip', [...bagEntries(), zeros]);
    expect(fs.statSync(zip).size).toBeLessThan(1024 * 1024);
    expect(await expectRefused(zip, 'zip-bomb')).toContain('zeros.bin');
  });

  it('refuses a zip larger than maxExpandedBytes', async () => {
    await expectRefused(await writeZip('big.zip', bagEntries()), 'zip-bomb', { maxExpandedBytes: 20 });
  });

  it('refuses an entry that inflates to more bytes than its header declares, removing what was written', async () => {
    const bytes = Buffer.from('0123456789'.repeat(1000));
    const zip = await writeZip('lying.zip', [
      ...bagEntries(),
      { name: 'Dataset_X/data/lying.txt', data: bytes },
    ]);
    const patched = fs.readFileSync(zip);
    declareSize(patched, 'Dataset_X/data/lying.txt', 10);
    fs.writeFileSync(zip, patched);
    expect(await expectRefused(zip, 'bad-zip')).toContain('too many bytes');
  });

  it.each([
    ['several top-level folders', [...bagEntries('A'), ...bagEntries('B')]],
    ['a file at the top level', [...bagEntries(), { name: 'loose.txt' }]],
  ])('refuses %s as bad-zip', async (_label, entries) => {
    await expectRefused(await writeZip('layout.zip', entries), 'bad-zip');
  });

  it('refuses a file that is not a zip as bad-zip', async () => {
    const zip = path.join(tmp, 'zips', 'corrupt.zip');
    const whole = fs.readFileSync(await writeZip('whole.zip', bagEntries()));
    fs.writeFileSync(zip, whole.subarray(0, whole.length - 30));
    expect(await expectRefused(zip, 'bad-zip')).toContain('is not a readable zip archive');
  });

  it.each([
    ['no entries', []],
    [
      'only folders',
      [
        { name: 'Dataset_X', directory: true },
        { name: 'Dataset_X/data', directory: true },
      ],
    ],
  ])('refuses a zip with %s as empty-bag', async (_label, entries: EntrySpec[]) => {
    await expectRefused(await writeZip('empty.zip', entries), 'empty-bag');
  });
});
