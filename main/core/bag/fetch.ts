import fs from 'node:fs';
import path from 'node:path';
import { SatchelError, safeRelativePath } from '../common/index.js';

export interface FetchEntry {
  url: string;
  length: number | null;
  /** Bag-relative path, e.g. data/asset/42J/Image/BloodImage_00000.jpg. */
  path: string;
}

/** BagIt percent-encodes only %, CR and LF in fetch.txt paths. */
function decodeFetchPath(raw: string): string {
  return raw.replace(/%(0A|0D|25)/gi, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
}

/** Reads fetch.txt (absent = no entries). Every path must be a safe path under data/. */
export function readFetchFile(bagDir: string): FetchEntry[] {
  const file = path.join(bagDir, 'fetch.txt');
  if (!fs.existsSync(file)) return [];
  const entries: FetchEntry[] = [];
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const parts = line.split(/\t/);
    const [url, length, rawPath] = parts.length >= 3 ? parts : line.split(/\s+/);
    if (!url || !length || !rawPath) {
      throw new SatchelError(
        'bad-fetch',
        `fetch.txt line ${index + 1} is not "<url> <length> <path>".`,
        'fetch.txt',
      );
    }
    if (length !== '-' && !/^\d+$/.test(length)) {
      throw new SatchelError(
        'bad-fetch',
        `fetch.txt line ${index + 1} has the length "${length}", which is not a number.`,
        'fetch.txt',
      );
    }
    const relative = safeRelativePath(decodeFetchPath(rawPath), `fetch.txt line ${index + 1}`);
    if (!relative.startsWith('data/')) {
      throw new SatchelError(
        'unsafe-path',
        `fetch.txt line ${index + 1} names "${rawPath}", which is outside the bag's data/ folder.`,
        rawPath,
      );
    }
    entries.push({ url, length: length === '-' ? null : Number(length), path: relative });
  });
  return entries;
}

/** The path part of an asset URL (`http://host/hatrac/x:V` → `/hatrac/x:V`); relative URLs unchanged. */
export function urlPath(url: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(url);
  return match ? (match[1] ?? '/') : url;
}
