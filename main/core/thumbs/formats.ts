import fs from 'node:fs';

/** The decoders thumbnails may use: bag images are untrusted, so SVG, PDF, HEIF, RAW, magick… never run. */
export const THUMBNAIL_FORMATS = ['jpeg', 'png', 'webp', 'gif', 'tiff'] as const;
export type ThumbnailFormat = (typeof THUMBNAIL_FORMATS)[number];
export type SniffedFormat = ThumbnailFormat | 'bmp';

/** The image format from a file's first bytes, or null when it is none Satchel knows. */
export function sniffImageFormat(head: Uint8Array): SniffedFormat | null {
  const startsWith = (...bytes: number[]) => bytes.every((byte, index) => head[index] === byte);
  const ascii = (from: number, text: string) =>
    [...text].every((char, index) => head[from + index] === char.charCodeAt(0));
  if (startsWith(0xff, 0xd8, 0xff)) return 'jpeg';
  if (startsWith(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (startsWith(0x49, 0x49, 0x2a, 0x00) || startsWith(0x4d, 0x4d, 0x00, 0x2a)) return 'tiff';
  if (ascii(0, 'BM')) return 'bmp';
  return null;
}

/** Reads the first bytes of a file (fewer when it is shorter). */
export async function readHead(file: string, length = 32): Promise<Uint8Array> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function isThumbnailFormat(format: string | null | undefined): format is ThumbnailFormat {
  return (THUMBNAIL_FORMATS as readonly string[]).includes(format ?? '');
}
