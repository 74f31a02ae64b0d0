import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { THUMBNAIL_SIZE, ThumbnailCache, type Thumbnail } from '../../main/core/thumbs/index.js';
import { PriorityQueue } from '../../main/core/thumbs/queue.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory('satchel-thumbs-');
afterAll(() => scratch.cleanup());
const images = path.join(scratch.dir, 'images');
let workspaceCounter = 0;
const freshCache = () => new ThumbnailCache(path.join(scratch.dir, `workspace-${++workspaceCounter}`));

function expectThumbnail(result: Thumbnail): string {
  if (!result.ok) throw new Error(`expected a thumbnail, got: ${result.reason}`);
  return result.path;
}

/** A real decompression bomb: a 20 000 × 20 000 one-colour PNG that is ~50 KB on disk. */
function writePngBomb(file: string, side = 20_000): void {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 1; // bit depth 1
  header[9] = 0; // grayscale
  // Every row: filter byte 0 then side/8 zero bytes, all zeros, so it deflates to almost nothing.
  const raw = Buffer.alloc(side * (1 + Math.ceil(side / 8)));
  fs.writeFileSync(
    file,
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

beforeAll(async () => {
  fs.mkdirSync(images, { recursive: true });
  const gradient = (width: number, height: number) =>
    sharp({ create: { width, height, channels: 3, background: { r: 40, g: 120, b: 200 } } });
  await gradient(1200, 800).jpeg().toFile(path.join(images, 'wide.jpg'));
  await gradient(300, 900).png().toFile(path.join(images, 'tall.png'));
  await gradient(100, 50).webp().toFile(path.join(images, 'small.webp'));
  await gradient(640, 480).gif().toFile(path.join(images, 'anim.gif'));
  await gradient(512, 512).tiff().toFile(path.join(images, 'scan.tiff'));
  for (let index = 0; index < 6; index++) {
    await sharp({
      create: { width: 900 + index, height: 700, channels: 3, background: { r: index * 40, g: 10, b: 10 } },
    })
      .jpeg()
      .toFile(path.join(images, `batch-${index}.jpg`));
  }
  fs.copyFileSync(path.join(images, 'wide.jpg'), path.join(images, 'wide-copy.jpg'));
  fs.writeFileSync(path.join(images, 'notes.txt'), 'not an image at all\n');
  fs.writeFileSync(
    path.join(images, 'vector.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
  );
  fs.writeFileSync(
    path.join(images, 'fake.png'),
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('garbage')]),
  );
  writePngBomb(path.join(images, 'bomb.png'));
});

describe('thumbnails', () => {
  it('makes a WebP of a bag JPEG, content-addressed and never enlarged, and reuses it without decoding again', async () => {
    const { formatB, facts } = generatedBags();
    const jpeg = facts.images.find((image) => image.format === 'jpeg')!;
    const source = path.join(formatB, 'data', 'asset', jpeg.rid, 'Image', jpeg.filename);
    const cache = freshCache();
    const first = expectThumbnail(await cache.get(source));
    expect(first).toMatch(new RegExp(`thumbs/([0-9a-f]{2})/\\1[0-9a-f]{62}\\.webp$`));
    const meta = await sharp(first).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([facts.design.imageSize, facts.design.imageSize]);
    // One decode, and no separate look at the header.
    expect(cache.work).toEqual({ headers: 0, decodes: 1 });
    const { mtimeMs } = fs.statSync(first);
    const second = expectThumbnail(await cache.get(source));
    expect(second).toBe(first);
    expect(cache.work).toEqual({ headers: 0, decodes: 1 });
    // Marked as used in its access time; the modification time (its creation) stays, to a few microseconds
    // (utimes takes seconds as a double).
    expect(fs.statSync(second).mtimeMs).toBeCloseTo(mtimeMs, 2);
  });

  it('keeps the aspect ratio within 256 px, never enlarges, and reads jpeg, png, webp, gif and tiff', async () => {
    const cache = freshCache();
    const sizes: Record<string, [number | undefined, number | undefined]> = {};
    for (const name of ['wide.jpg', 'tall.png', 'small.webp', 'anim.gif', 'scan.tiff']) {
      const meta = await sharp(expectThumbnail(await cache.get(path.join(images, name)))).metadata();
      sizes[name] = [meta.width, meta.height];
    }
    expect(sizes).toEqual({
      'wide.jpg': [256, 171],
      'tall.png': [85, 256],
      'small.webp': [100, 50],
      'anim.gif': [256, 192],
      'scan.tiff': [THUMBNAIL_SIZE, THUMBNAIL_SIZE],
    });
  });

  it('shares one file between identical sources and one encoding between concurrent requests', async () => {
    const cache = freshCache();
    const [a, b, c] = await Promise.all([
      cache.get(path.join(images, 'wide.jpg')),
      cache.get(path.join(images, 'wide.jpg'), { priority: 'prefetch' }),
      cache.get(path.join(images, 'wide-copy.jpg')),
    ]);
    expect(expectThumbnail(a)).toBe(expectThumbnail(b));
    expect(expectThumbnail(c)).toBe(expectThumbnail(a));
    const files = fs
      .readdirSync(cache.directory, { recursive: true })
      .filter((name) => String(name).endsWith('.webp'));
    expect(files).toHaveLength(1);
    // wide.jpg asked twice at once is decoded once; wide-copy.jpg, another path, once more.
    expect(cache.work.decodes).toBe(2);
  });

  it('refuses non-images, formats outside the allow-list and broken files with a reason', async () => {
    const cache = freshCache();
    const reasons = await Promise.all(
      ['notes.txt', 'vector.svg', 'fake.png', 'missing.jpg'].map(async (name) => {
        const result = await cache.get(path.join(images, name));
        expect(result.ok).toBe(false);
        return result.ok ? '' : result.reason;
      }),
    );
    expect(reasons[0]).toBe(
      'notes.txt is not an image Satchel makes thumbnails of (JPEG, PNG, WEBP, GIF, TIFF).',
    );
    expect(reasons[1]).toMatch(/^vector\.svg is not an image Satchel makes thumbnails of/);
    expect(reasons[2]).toMatch(/^fake\.png could not be decoded as an image \(.+\)\.$/);
    expect(reasons[3]).toBe('missing.jpg does not exist.');
    // Only fake.png looks like an image from its first bytes; it fails to decode, and its header to read.
    expect(cache.work).toEqual({ headers: 1, decodes: 0 });
    expect(
      fs.existsSync(cache.directory)
        ? fs
            .readdirSync(cache.directory, { recursive: true })
            .filter((name) => String(name).endsWith('.webp'))
        : [],
    ).toEqual([]);
  });

  it('refuses a decompression bomb from its header, before decoding any pixel', async () => {
    const cache = freshCache();
    const result = await cache.get(path.join(images, 'bomb.png'));
    expect(result).toEqual({
      ok: false,
      reason:
        'bomb.png is 20000×20000 pixels (400 megapixels), more than the 105 megapixels Satchel decodes for a thumbnail.',
    });
    expect(cache.work).toEqual({ headers: 1, decodes: 0 });
    expect(fs.existsSync(cache.directory) ? fs.readdirSync(cache.directory) : []).toEqual([]);
  });

  // How fast is for `npm run bench`; here only that 100 megapixels is under the limit and decodes once.
  it('still makes a thumbnail of a 10 000 × 10 000 JPEG, under the pixel limit', async () => {
    const large = path.join(images, 'large.jpg');
    await sharp({
      create: { width: 10_000, height: 10_000, channels: 3, background: { r: 10, g: 200, b: 30 } },
    })
      .jpeg({ quality: 50 })
      .toFile(large);
    const cache = freshCache();
    const meta = await sharp(expectThumbnail(await cache.get(large))).metadata();
    expect([meta.width, meta.height]).toEqual([256, 256]);
    expect(cache.work).toEqual({ headers: 0, decodes: 1 });
  });

  it('prunes the least recently used thumbnails down to a byte budget', async () => {
    const cache = freshCache();
    const made: string[] = [];
    for (let index = 0; index < 6; index++)
      made.push(expectThumbnail(await cache.get(path.join(images, `batch-${index}.jpg`))));
    // Mark them used one minute apart, batch-0 longest ago; then use batch-1 again now.
    made.forEach((file, index) =>
      fs.utimesSync(file, new Date(Date.UTC(2026, 0, 1, 10, index)), new Date(Date.UTC(2026, 0, 1, 9))),
    );
    await cache.get(path.join(images, 'batch-1.jpg'));
    const sizes = made.map((file) => fs.statSync(file).size);
    const keep = sizes[1]! + sizes[4]! + sizes[5]!;
    const result = await cache.prune(keep);
    expect(result).toEqual({ removed: 3, bytes: keep });
    expect(made.map((file) => fs.existsSync(file))).toEqual([false, true, false, false, true, true]);
  });
});

describe('the thumbnail queue', () => {
  it('runs two at a time and starts waiting visible work before prefetch work, promoting on request', async () => {
    const queue = new PriorityQueue(2);
    const started: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string) => async () => {
      started.push(name);
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
    };
    const jobs = [
      queue.add('prefetch', task('p1')),
      queue.add('prefetch', task('p2')),
      queue.add('prefetch', task('p3')),
      queue.add('prefetch', task('p4')),
      queue.add('visible', task('v1')),
    ];
    jobs[3]!.promote();
    await Promise.all(jobs.map((job) => job.result));
    await queue.idle();
    expect(started).toEqual(['p1', 'p2', 'v1', 'p4', 'p3']);
    expect(maxRunning).toBe(2);
  });

  it('cancels waiting tasks on request and lets running ones finish', async () => {
    const queue = new PriorityQueue(1);
    const slow = queue.add(
      'visible',
      () => new Promise<string>((resolve) => setTimeout(() => resolve('done'), 20)),
    );
    const waiting = queue.add('prefetch', async () => 'never');
    queue.cancelWaiting();
    await expect(waiting.result).rejects.toThrow(/cancelled/);
    await expect(slow.result).resolves.toBe('done');
    await queue.idle();
    expect(queue.size).toBe(0);
  });

  it('takes a withdrawn task out of the queue before it starts, and leaves a running one alone', async () => {
    const queue = new PriorityQueue(1);
    let finish: (value: string) => void = () => {};
    const running = queue.add('visible', () => new Promise<string>((resolve) => (finish = resolve)));
    const started: string[] = [];
    const withdrawn = queue.add('visible', async () => started.push('withdrawn'));
    const kept = queue.add('prefetch', async () => started.push('kept'));
    withdrawn.withdraw();
    running.withdraw();
    await expect(withdrawn.result).rejects.toThrow(/cancelled/);
    expect(queue.size).toBe(2);
    finish('done');
    await expect(running.result).resolves.toBe('done');
    await kept.result;
    await queue.idle();
    expect(started).toEqual(['kept']);
  });
});

describe('thumbnails nobody waits for', () => {
  const bagJpegs = () => {
    const { formatB, facts } = generatedBags();
    return facts.images
      .filter((image) => image.format === 'jpeg')
      .map((image) => path.join(formatB, 'data', 'asset', image.rid, 'Image', image.filename));
  };
  const webpFiles = (cache: ThumbnailCache) =>
    fs.existsSync(cache.directory)
      ? fs.readdirSync(cache.directory, { recursive: true }).filter((name) => String(name).endsWith('.webp'))
      : [];

  it('are not made once the only caller has gone, and its promise says so at once', async () => {
    const [first, second] = bagJpegs();
    const cache = freshCache();
    const gone = new AbortController();
    const asked = cache.get(first!, { signal: gone.signal });
    gone.abort();
    expect(await asked).toEqual({
      ok: false,
      reason: `The thumbnail of ${path.basename(first!)} is no longer wanted.`,
    });
    expect(await cache.get(second!, { signal: AbortSignal.abort() })).toEqual({
      ok: false,
      reason: `The thumbnail of ${path.basename(second!)} is no longer wanted.`,
    });
    await cache.idle();
    expect(cache.work).toEqual({ headers: 0, decodes: 0 });
    expect(webpFiles(cache)).toEqual([]);
  });

  it('are made while another caller still waits, and the caller who left gets its reason', async () => {
    const [source] = bagJpegs();
    const cache = freshCache();
    const gone = new AbortController();
    const left = cache.get(source!, { signal: gone.signal });
    const stays = cache.get(source!, { signal: new AbortController().signal });
    gone.abort();
    expect((await left).ok).toBe(false);
    expectThumbnail(await stays);
    expect(cache.work).toEqual({ headers: 0, decodes: 1 });
    expect(webpFiles(cache)).toHaveLength(1);
  });

  it('leave the queue when their callers go while they wait, and the others are still made', async () => {
    const sources = bagJpegs().slice(0, 12);
    const cache = freshCache();
    const callers = sources.map(() => new AbortController());
    const results = sources.map((source, index) => cache.get(source, { signal: callers[index]!.signal }));
    // Two decode at a time: once the first is made, most of the others still wait in the queue.
    expectThumbnail(await results[0]!);
    for (const caller of callers.slice(6)) caller.abort();
    const outcomes = await Promise.all(results);
    await cache.idle();
    expect(outcomes.slice(6).every((outcome) => !outcome.ok)).toBe(true);
    const made = outcomes.filter((outcome) => outcome.ok).length;
    expect(made).toBeGreaterThanOrEqual(6);
    expect(cache.work.decodes).toBe(webpFiles(cache).length);
    expect(cache.work.decodes).toBeLessThan(sources.length);
  });
});
