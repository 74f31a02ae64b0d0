import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CatalogUrl } from '../catalog/index.js';
import { pythonJsonDumps } from '../common/index.js';

export { pythonJsonDumps };

/** deriva-ml's folder settings: `DerivaML(working_dir=…, cache_dir=…)` or the same keys of its config. */
export interface DerivaMlFolders {
  /** Where `~/.deriva-ml` is; the user's home by default. */
  homeDir?: string;
  /** deriva-ml's `working_dir`: used as given (DerivaML.__init__ and DerivaMLConfig do not extend it). */
  workingDir?: string;
  /** deriva-ml's `cache_dir`: default `<working_dir>/cache`. */
  cacheDir?: string;
}

/**
 * Where deriva-ml HEAD caches bags (deriva-bags.md §3.1; deriva-ml: core/base.py DerivaML.__init__):
 * `<cache_dir>/bags/<spec16>_<snapshot>/Dataset_<RID>/`, with `cache_dir` = `<working_dir>/cache` and
 * `working_dir` = `~/.deriva-ml/<host>/<catalog>` unless the user chose other folders.
 */
export function derivaMlCacheRoot(url: CatalogUrl, folders: DerivaMlFolders = {}): string {
  if (folders.cacheDir) return path.resolve(folders.cacheDir);
  const workingDir = folders.workingDir
    ? path.resolve(folders.workingDir)
    : path.join(folders.homeDir ?? os.homedir(), '.deriva-ml', url.hostname, url.catalog);
  return path.join(workingDir, 'cache');
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
