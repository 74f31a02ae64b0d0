import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AssetPreview } from '../../../shared/contract.js';
import { readHead, sniffImageFormat } from '../thumbs/index.js';

const IMAGE_EXTENSIONS = new Set(['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'bmp']);
const TEXT_EXTENSIONS = new Set(['txt', 'csv', 'json', 'md', 'tsv', 'log', 'xml', 'yaml', 'yml']);
export const TEXT_PREVIEW_BYTES = 64 * 1024;

const IMAGE_TYPES: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  bmp: 'image/bmp',
};

function extensionOf(file: string): string {
  return path.extname(file).slice(1).toLowerCase();
}

/** How the detail view shows a file: by its extension, else by its first bytes. */
export async function previewKind(file: string, exists: boolean): Promise<AssetPreview> {
  const extension = extensionOf(file);
  if (IMAGE_EXTENSIONS.has(extension)) return 'image';
  if (TEXT_EXTENSIONS.has(extension)) return 'text';
  if (exists && sniffImageFormat(await readHead(file))) return 'image';
  return 'other';
}

/**
 * The Content-Type an asset is served with. Only images Satchel knows and plain text get a real
 * type; anything else (HTML, SVG, scripts…) is an opaque download, so a bag file can never run as
 * a page of the app.
 */
export async function servedContentType(file: string): Promise<string> {
  const sniffed = sniffImageFormat(await readHead(file));
  if (sniffed) return IMAGE_TYPES[sniffed]!;
  if (TEXT_EXTENSIONS.has(extensionOf(file))) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

/** The first 64 KiB as UTF-8 text (a character cut at the end is dropped). */
export async function textHead(file: string): Promise<string> {
  const head = await readHead(file, TEXT_PREVIEW_BYTES);
  return new TextDecoder('utf-8').decode(head, { stream: true });
}

const md5Memo = new Map<string, string>();

export async function md5OfFile(file: string, stat: fs.Stats): Promise<string> {
  const key = `${file}\0${stat.size}\0${stat.mtimeMs}`;
  const known = md5Memo.get(key);
  if (known) return known;
  const hash = crypto.createHash('md5');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  if (md5Memo.size > 10_000) md5Memo.clear();
  md5Memo.set(key, digest);
  return digest;
}

/** True when `file` (already real) lies inside the real folder `root`. */
export function isInside(root: string, file: string): boolean {
  const relative = path.relative(root, file);
  return relative !== '' && relative.split(path.sep)[0] !== '..' && !path.isAbsolute(relative);
}
