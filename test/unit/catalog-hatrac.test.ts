import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient, HatracClient, chunkLengthFor, toBase64Digest } from '../../main/core/catalog/index.js';
import { temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory('satchel-hatrac-');
const content = crypto.randomBytes(200_000);
/**
 * How the next GETs behave: each entry of `cuts` makes one answer stop after that many body bytes and
 * hold the connection open until `cutNow()` destroys it. The test calls it once the client has
 * written those bytes, so nothing is in flight when the connection dies: the cut is exact.
 */
let cuts: number[] = [];
let cutNow: (() => void) | null = null;
let ranges: (string | undefined)[] = [];
let origin = '';
const server = http.createServer((request, response) => {
  ranges.push(request.headers.range);
  const match = /^bytes=(\d+)-$/.exec(request.headers.range ?? '');
  const start = match ? Number(match[1]) : 0;
  if (start >= content.length) {
    response.writeHead(416, { 'content-range': `bytes */${content.length}` });
    response.end();
    return;
  }
  const body = content.subarray(start);
  response.writeHead(match ? 206 : 200, {
    'content-length': String(body.length),
    ...(match ? { 'content-range': `bytes ${start}-${content.length - 1}/${content.length}` } : {}),
  });
  const cut = cuts.shift();
  if (cut === undefined) {
    response.end(body);
    return;
  }
  response.write(body.subarray(0, cut));
  cutNow = () => response.socket?.destroy();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  scratch.cleanup();
});
beforeEach(() => {
  cuts = [];
  cutNow = null;
  ranges = [];
});

/** Retries without waiting: the delay is zero and the jitter fixed, so no clock is involved. */
const hatrac = () =>
  new HatracClient(
    new HttpClient(origin, { retry: { attempts: 5, baseDelayMs: 0, maxDelayMs: 0, random: () => 0 } }),
  );
const md5 = crypto.createHash('md5').update(content).digest('hex');

describe('resumable Hatrac downloads', () => {
  it('continues a dropped transfer with a Range request', async () => {
    cuts = [50_000, 30_000];
    const cutAt = [50_000, 80_000];
    const part = path.join(scratch.dir, 'a.part');
    let written = 0;
    const result = await hatrac().downloadToPart('/hatrac/ns/obj', part, {
      onBytes: (bytes) => {
        written += bytes;
        if (written === cutAt[0]) {
          cutAt.shift();
          cutNow!();
        }
      },
    });
    expect(cutAt).toEqual([]);
    expect(result).toEqual({
      bytes: content.length,
      md5Hex: md5,
      sha256Hex: crypto.createHash('sha256').update(content).digest('hex'),
    });
    expect(written).toBe(content.length);
    expect(fs.readFileSync(part).equals(content)).toBe(true);
    // Each cut costs exactly one ranged request from the first byte not yet written; never a restart.
    expect(ranges).toEqual([undefined, 'bytes=50000-', 'bytes=80000-']);
  });

  it('continues from a .part file left by an earlier run', async () => {
    const part = path.join(scratch.dir, 'b.part');
    fs.writeFileSync(part, content.subarray(0, 123_456));
    const result = await hatrac().downloadToPart('/hatrac/ns/obj', part);
    expect(ranges).toEqual(['bytes=123456-']);
    expect(result.md5Hex).toBe(md5);
  });

  it('starts over when the .part file is longer than the object', async () => {
    const part = path.join(scratch.dir, 'c.part');
    fs.writeFileSync(part, Buffer.concat([content, Buffer.from('extra')]));
    const result = await hatrac().downloadToPart('/hatrac/ns/obj', part);
    expect(ranges).toEqual([`bytes=${content.length + 5}-`, undefined]);
    expect(result.md5Hex).toBe(md5);
  });
});

describe('transfer shapes and digests', () => {
  it('uses 25 MiB chunks, raised and 64 KiB aligned to stay within 10000 chunks', () => {
    expect(chunkLengthFor(100)).toBe(25 * 1024 * 1024);
    // A smaller size asked for is kept while it makes at most 10000 chunks.
    expect(chunkLengthFor(24_476, 1024)).toBe(1024);
    expect(chunkLengthFor(20_000 * 1024, 1024)).toBe(65_536);
    const huge = 500 * 1024 * 1024 * 1024;
    const chunk = chunkLengthFor(huge);
    expect(chunk % 65_536).toBe(0);
    expect(Math.ceil(huge / chunk)).toBeLessThanOrEqual(10_000);
  });

  it('turns hex digests into the base64 Hatrac answers with', () => {
    expect(toBase64Digest('afd8ab2c0770ea7a98d7fc98b83a3ca6', 'md5')).toBe('r9irLAdw6nqY1/yYuDo8pg==');
    expect(toBase64Digest('r9irLAdw6nqY1/yYuDo8pg==', 'md5')).toBe('r9irLAdw6nqY1/yYuDo8pg==');
  });
});
