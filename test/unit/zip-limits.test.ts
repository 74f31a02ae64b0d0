import fs from 'node:fs';
import path from 'node:path';
import { buffer as readAll } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { EXTRACTION_LIMITS, extractBagZip, type ExtractOptions } from '../../main/core/archive/index.js';
import { formatBytes, isSatchelError } from '../../main/core/common/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

/**
 * Issue 9, item 7: zips that expand to far more than they weigh, in many medium entries or in very
 * many entries, and zips that would not fit on the disk, are refused by one sentence naming the zip
 * and the limit, with nothing left behind. The zips are crafted small: sizes and counts are declared
 * in their headers, and the free space is injected, so no test writes more than a few megabytes.
 */

const MiB = 1024 * 1024;
let scratch: ReturnType<typeof temporaryDirectory>;
let workspace: string;
let extracted: string;

beforeEach(() => {
  scratch = temporaryDirectory();
  workspace = path.join(scratch.dir, 'workspace');
  extracted = path.join(workspace, 'extracted');
  fs.mkdirSync(path.join(scratch.dir, 'zips'));
});
afterEach(() => scratch.cleanup());

interface ZipEntry {
  name: string;
  data: Buffer;
}

async function writeZip(name: string, entries: ZipEntry[], zip64 = false): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) zip.addBuffer(entry.data, entry.name);
  zip.end({ forceZip64Format: zip64, comment: '' });
  const file = path.join(scratch.dir, 'zips', name);
  fs.writeFileSync(file, await readAll(zip.outputStream));
  return file;
}

function smallEntries(count: number): ZipEntry[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `Dataset_X/data/part-${String(index).padStart(4, '0')}.txt`,
    data: Buffer.from(`part ${index}\n`),
  }));
}

/** Rewrites the uncompressed size every central directory header of the zip declares. */
function declareEverySize(file: string, size: number): void {
  const bytes = fs.readFileSync(file);
  const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  let headers = 0;
  for (let at = bytes.indexOf(signature); at !== -1; at = bytes.indexOf(signature, at + 4)) {
    bytes.writeUInt32LE(size, at + 24);
    headers++;
  }
  expect(headers).toBe(512);
  fs.writeFileSync(file, bytes);
}

/** Rewrites the entry count of a zip64 end-of-central-directory record. */
function declareEntryCount(file: string, count: number): void {
  const bytes = fs.readFileSync(file);
  const record = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
  expect(record).toBeGreaterThan(0);
  bytes.writeBigUInt64LE(BigInt(count), record + 24);
  bytes.writeBigUInt64LE(BigInt(count), record + 32);
  fs.writeFileSync(file, bytes);
}

/** The bytes a materialized bag folder holds: what a zip of it declares it expands to. */
function folderBytes(folder: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

async function refusal(zip: string, options: ExtractOptions = {}, kind = 'zip-bomb'): Promise<string> {
  const error = await extractBagZip(zip, workspace, options).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isSatchelError(error) ? error.kind : error).toBe(kind);
  const message = (error as Error).message;
  expect(message.startsWith(`${zip} `), message).toBe(true);
  expect(message.match(/\.(\s|$)/g)?.length, message).toBe(1);
  expect(fs.existsSync(extracted) ? fs.readdirSync(extracted) : []).toEqual([]);
  return message;
}

describe('zip expansion limits (issue 9, item 7)', () => {
  it('words byte counts in binary units with one decimal at most', () => {
    expect([0, 1023, 1024, 1536, 1394221, 80 * MiB, 256 * MiB - 1, 4096 * MiB].map(formatBytes)).toEqual([
      '0 bytes',
      '1023 bytes',
      '1 KiB',
      '1.5 KiB',
      '1.3 MiB',
      '80 MiB',
      '256 MiB',
      '4 GiB',
    ]);
  });

  it('states the limits it enforces', () => {
    expect(EXTRACTION_LIMITS).toEqual({
      maxExpandedBytes: 64 * 1024 * MiB,
      maxRatio: 200,
      maxTotalRatio: 100,
      totalRatioFloorBytes: 64 * MiB,
      maxEntries: 500_000,
      reserveBytes: 256 * MiB,
    });
  });

  it('refuses 512 entries declaring 8 MiB each in a zip of a few kilobytes, before writing anything', async () => {
    const zip = await writeZip('many-medium.zip', smallEntries(512));
    declareEverySize(zip, 8 * MiB);
    const zipBytes = fs.statSync(zip).size;
    expect(zipBytes).toBeLessThan(100_000);
    const times = Math.round((512 * 8 * MiB) / zipBytes);
    expect(await refusal(zip)).toBe(
      `${zip} would expand to 4 GiB, ${times.toLocaleString('en-US')} times its own size, over the limit of 100 times.`,
    );
  });

  it('refuses a real zip of forty 2 MiB entries of zeros by the ratio of the whole zip', async () => {
    const zeros = Buffer.alloc(2 * MiB);
    const entries = Array.from({ length: 40 }, (_, index) => ({
      name: `Dataset_X/data/zeros-${index}.bin`,
      data: zeros,
    }));
    const zip = await writeZip('zeros.zip', entries);
    expect(await refusal(zip)).toMatch(
      / would expand to 80 MiB, [\d,]+ times its own size, over the limit of 100 times\.$/,
    );
  });

  it('lets a small zip expand more than 100 times while the total stays under 64 MiB', async () => {
    const zip = await writeZip('repetitive.zip', [
      { name: 'Dataset_X/data/rows.csv', data: Buffer.from('1-A,Same,Same,Same\n'.repeat(200_000)) },
    ]);
    expect(fs.statSync(zip).size * 100).toBeLessThan(200_000 * 19);
    const bag = await extractBagZip(zip, workspace);
    expect(fs.statSync(path.join(bag, 'data', 'rows.csv')).size).toBe(200_000 * 19);
  });

  it('refuses a zip that declares more entries than the limit, before reading them', async () => {
    const zip = await writeZip('many-entries.zip', smallEntries(3), true);
    declareEntryCount(zip, 2_000_000);
    expect(await refusal(zip)).toBe(`${zip} holds 2,000,000 entries, over the limit of 500,000.`);
  });

  it('holds the entry count to a lowered limit exactly', async () => {
    const zip = await writeZip('twelve.zip', smallEntries(12));
    expect(await refusal(zip, { maxEntries: 11 })).toBe(`${zip} holds 12 entries, over the limit of 11.`);
    const bag = await extractBagZip(zip, workspace, { maxEntries: 12 });
    expect(fs.readdirSync(path.join(bag, 'data'))).toHaveLength(12);
  });

  it('refuses a zip that would not leave 256 MiB free on the disk, and extracts it when it would', async () => {
    const bags = generatedBags();
    const needed = folderBytes(bags.formatB);
    const asked: string[] = [];
    const message = await refusal(
      bags.formatBZip,
      {
        availableBytes: (folder) => {
          asked.push(folder);
          return needed + 256 * MiB - 1;
        },
      },
      'io-error',
    );
    expect(asked).toEqual([extracted]);
    expect(message).toBe(
      `${bags.formatBZip} needs ${formatBytes(needed)}, but ${extracted} has ${formatBytes(needed + 256 * MiB - 1)} free and Satchel always leaves 256 MiB free.`,
    );
    const bag = await extractBagZip(bags.formatBZip, workspace, {
      availableBytes: () => needed + 256 * MiB,
    });
    expect(folderBytes(bag)).toBe(needed);
  });

  it('stops in the middle when the disk fills up during the extraction, removing what it wrote', async () => {
    const bags = generatedBags();
    let checks = 0;
    // Plenty at first; then another program takes the disk.
    const availableBytes = () => (++checks <= 200 ? 1024 * 1024 * MiB : 100 * MiB);
    const message = await refusal(bags.formatBZip, { availableBytes }, 'io-error');
    expect(checks).toBe(201);
    const [head, tail] = message.split(/ needs [\d.]+ (?:KiB|MiB) more, /);
    expect(head).toBe(bags.formatBZip);
    expect(tail).toBe(`but ${extracted} has 100 MiB free and Satchel always leaves 256 MiB free.`);
  });
});
