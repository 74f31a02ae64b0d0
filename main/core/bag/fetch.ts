import fs from 'node:fs';
import path from 'node:path';
import { SatchelError, safeRelativePath } from '../common/index.js';
import { readUtf8Chunks } from './utf8.js';

export interface FetchEntry {
  url: string;
  length: number | null;
  /** Bag-relative path, e.g. data/asset/42J/Image/BloodImage_00000.jpg. */
  path: string;
}

const CHUNK_BYTES = 1 << 22;

/** BagIt percent-encodes only %, CR and LF in fetch.txt paths. */
function decodeFetchPath(raw: string): string {
  return raw.replace(/%(0A|0D|25)/gi, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
}

/** Reads fetch.txt (absent = no entries). Every path must be a safe path under data/. */
export function readFetchFile(bagDir: string): FetchEntry[] {
  const entries: FetchEntry[] = [];
  forEachFetchEntry(bagDir, (entry) => entries.push(entry));
  return entries;
}

/**
 * Streams fetch.txt entry by entry (absent = none), so a million-line file never becomes a million
 * objects at once. Every path must be a safe path under data/.
 */
export function forEachFetchEntry(bagDir: string, onEntry: (entry: FetchEntry) => void): void {
  const file = path.join(bagDir, 'fetch.txt');
  if (!fs.existsSync(file)) return;
  let carried = '';
  let line = 0;
  const readLine = (text: string): void => {
    line++;
    if (text.trim() !== '') onEntry(parseFetchLine(text, line));
  };
  readUtf8Chunks(file, 'fetch.txt', CHUNK_BYTES, (text) => {
    const lines = (carried + text).split('\n');
    carried = lines.pop()!;
    for (const each of lines) readLine(each.endsWith('\r') ? each.slice(0, -1) : each);
  });
  if (carried !== '') readLine(carried.endsWith('\r') ? carried.slice(0, -1) : carried);
}

function parseFetchLine(line: string, number: number): FetchEntry {
  const parts = line.split('\t');
  const [url, length, rawPath] = parts.length >= 3 ? parts : line.split(/\s+/);
  if (!url || !length || !rawPath) {
    throw new SatchelError(
      'bad-fetch',
      `fetch.txt line ${number} is not "<url> <length> <path>".`,
      'fetch.txt',
    );
  }
  if (length !== '-' && !/^\d+$/.test(length)) {
    throw new SatchelError(
      'bad-fetch',
      `fetch.txt line ${number} has the length "${length}", which is not a number.`,
      'fetch.txt',
    );
  }
  const relative = safeRelativePath(decodeFetchPath(rawPath), `fetch.txt line ${number}`);
  if (!relative.startsWith('data/')) {
    throw new SatchelError(
      'unsafe-path',
      `fetch.txt line ${number} names "${rawPath}", which is outside the bag's data/ folder.`,
      rawPath,
    );
  }
  return { url, length: length === '-' ? null : Number(length), path: relative };
}

/** The path part of an asset URL (`http://host/hatrac/x:V` → `/hatrac/x:V`); relative URLs unchanged. */
export function urlPath(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(url);
  return match ? (match[1] ?? '/') : url;
}
