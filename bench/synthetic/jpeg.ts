import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { digestOf, type FileDigest } from './hashing-writer.js';
import { SeededRandom } from './random.js';

export const JPEG_WIDTH = 640;
export const JPEG_HEIGHT = 480;
const CHANNELS = 3;
/** Noise amplitude tuned so quality-85 JPEGs land around 35–45 KB, like real smear photos. */
const NOISE_AMPLITUDE = 0.06;
const CONCURRENCY = 4;

/**
 * Renders distinct JPEGs: a per-image colour gradient and wave pattern over a shared noise texture
 * (read at a per-image offset). Generating noise once keeps the per-image JS cost to a few ms.
 */
export class JpegFactory {
  private readonly noise: Int8Array;

  constructor(private readonly seed: number) {
    const random = new SeededRandom(seed ^ 0x5eed);
    this.noise = new Int8Array(JPEG_WIDTH * JPEG_HEIGHT * 2);
    for (let i = 0; i < this.noise.length; i++) this.noise[i] = random.int(256) - 128;
  }

  async render(index: number): Promise<Buffer> {
    const pixels = this.pixels(new SeededRandom(Math.imul(this.seed + 1, 0x9e3779b1) ^ index));
    return sharp(pixels, { raw: { width: JPEG_WIDTH, height: JPEG_HEIGHT, channels: CHANNELS } })
      .jpeg({ quality: 85 })
      .toBuffer();
  }

  private pixels(random: SeededRandom): Buffer {
    const base = [random.between(40, 215), random.between(40, 215), random.between(40, 215)];
    const slopeX = base.map(() => random.between(-80, 80));
    const slopeY = base.map(() => random.between(-80, 80));
    const frequencyX = random.between(0.01, 0.06);
    const frequencyY = random.between(0.01, 0.06);
    const phase = random.between(0, 2 * Math.PI);
    const noiseOffset = random.int(JPEG_WIDTH * JPEG_HEIGHT);
    const waveX = Float32Array.from({ length: JPEG_WIDTH }, (_, x) => 40 * Math.sin(x * frequencyX + phase));
    const out = new Uint8ClampedArray(JPEG_WIDTH * JPEG_HEIGHT * CHANNELS);
    let p = 0;
    for (let y = 0; y < JPEG_HEIGHT; y++) {
      const v = y / JPEG_HEIGHT;
      const waveY = Math.cos(y * frequencyY);
      const rowBase = base.map((value, c) => value + (slopeY[c] ?? 0) * v);
      const [r0 = 0, g0 = 0, b0 = 0] = rowBase;
      const [rx = 0, gx = 0, bx = 0] = slopeX;
      let n = noiseOffset + y * JPEG_WIDTH;
      for (let x = 0; x < JPEG_WIDTH; x++) {
        const u = x / JPEG_WIDTH;
        const shade = (waveX[x] ?? 0) * waveY + (this.noise[n++] ?? 0) * NOISE_AMPLITUDE;
        out[p++] = r0 + rx * u + shade;
        out[p++] = g0 + gx * u + shade;
        out[p++] = b0 + bx * u + shade;
      }
    }
    return Buffer.from(out.buffer);
  }
}

/**
 * Renders JPEGs 0..count-1 of `factory` and writes JPEG i to the new file `fileOf(i)` (folders made as
 * needed), a few encodes in flight at once. Returns the digest of each file's bytes, by index.
 */
export async function writeJpegFiles(
  factory: JpegFactory,
  count: number,
  fileOf: (index: number) => string,
): Promise<FileDigest[]> {
  const digests: FileDigest[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const data = await factory.render(i);
      const file = fileOf(i);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await fs.promises.writeFile(file, data, { flag: 'wx' });
      digests[i] = digestOf(data);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
  return digests;
}
