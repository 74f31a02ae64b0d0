import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CatalogUrl } from '../catalog/index.js';

/**
 * Where deriva-ml HEAD caches bags (deriva-bags.md §3.1):
 * `~/.deriva-ml/<host>/<catalog>/cache/bags/<spec16>_<snapshot>/Dataset_<RID>/`.
 */
export function derivaMlCacheRoot(url: CatalogUrl, homeDir: string = os.homedir()): string {
  return path.join(homeDir, '.deriva-ml', url.hostname, url.catalog, 'cache');
}

/** What decides a bag's content; its hash names the cache folder. */
export interface BagSpec {
  catalog: string;
  snapshot: string;
  dataset: string;
  anchors: readonly string[];
  excluded: readonly string[];
  reached: readonly string[];
  terminal: readonly string[];
}

/**
 * The cache folder name `<first 16 hex of the spec hash>_<snapshot>`. deriva-ml hashes its own export
 * spec (deriva-py's processor list), which Satchel cannot reproduce byte for byte without deriva-py;
 * so this hashes Satchel's spec instead, serialized the way deriva-ml's `_hash_spec` serializes
 * (Python `json.dumps(sort_keys=True)`, SHA-256). The folder layout is deriva-ml's; the name differs
 * from the one deriva-ml would choose, so the two tools never mistake each other's bags for their own.
 */
export function cacheChecksum(spec: BagSpec): string {
  const document = { format: 'satchel-deriva-ml-format-b', version: 1, vocabulary_export: 'full', ...spec };
  const hash = crypto.createHash('sha256').update(pythonJsonDumps(document), 'utf8').digest('hex');
  return `${hash.slice(0, 16)}_${spec.snapshot}`;
}

export function bagDirectory(cacheRoot: string, checksum: string, rid: string): string {
  return path.join(cacheRoot, 'bags', checksum, `Dataset_${rid}`);
}

/** A fresh staging root beside the final one; renamed into place only when the bag is complete. */
export function stagingRoot(cacheRoot: string, checksum: string): string {
  return path.join(
    cacheRoot,
    'bags',
    `${checksum}_staging.${process.pid}.${crypto.randomBytes(4).toString('hex')}`,
  );
}

const STALE_STAGING_MS = 60 * 60 * 1000;

/** Removes staging folders of this checksum left by crashed runs (older than an hour). */
export function removeStaleStaging(cacheRoot: string, checksum: string, now: number = Date.now()): void {
  const bags = path.join(cacheRoot, 'bags');
  let names: string[];
  try {
    names = fs.readdirSync(bags);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${checksum}_staging`)) continue;
    const full = path.join(bags, name);
    try {
      if (now - fs.statSync(full).mtimeMs > STALE_STAGING_MS)
        fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // Another process may be removing it at the same time.
    }
  }
}

/** Python's `json.dumps(value, sort_keys=True)`: `", "` and `": "` separators, non-ASCII escaped. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'string') return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${pythonString(key)}: ${pythonJsonDumps(item)}`).join(', ')}}`;
}

function pythonString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
