import fs from 'node:fs';
import path from 'node:path';
import type { FoundBag } from '../../../shared/contract.js';
import { listCachedBags } from './cache-index.js';

/** Limits that keep a scan of a large or odd cache quick. */
const MAX_DEPTH_UNDER_CACHE = 3;
const MAX_ENTRIES = 20_000;
const MAX_BAGS = 500;
const BAG_FOLDER = /^Dataset_([A-Za-z0-9-]+)$/;

/** deriva-ml folders beyond `~/.deriva-ml`: its `working_dir` (cache in `<working_dir>/cache`) or `cache_dir`. */
export interface DerivaCacheLocations {
  workingDirs?: readonly string[];
  cacheDirs?: readonly string[];
}

/**
 * Bags that deriva-ml already downloaded: `~/.deriva-ml/<host>/<catalog>/cache/` holds them as
 * `bags/<checksum>/Dataset_<RID>/` (deriva-ml HEAD) or `<RID>_<sha>/Dataset_<RID>/` (v1.24), and so
 * does the cache of any working folder named in `locations`. deriva-ml's cache index
 * (`<cache>/index.sqlite`) says which version each bag holds; besides, any `Dataset_<RID>` folder
 * holding bagit.txt within a few levels of a cache counts. Symbolic links are not followed and the
 * walk is bounded, so a huge or looping cache cannot stall the library.
 */
export function findDerivaCacheBags(homeDir: string, locations: DerivaCacheLocations = {}): FoundBag[] {
  const root = path.join(homeDir, '.deriva-ml');
  const budget = { entries: MAX_ENTRIES };
  const found = new Map<string, FoundBag>();
  const scan = (cacheDir: string, source: string) => {
    for (const entry of listCachedBags(cacheDir)) {
      if (!found.has(entry.bagDir) && fs.existsSync(path.join(entry.bagDir, 'bagit.txt')))
        found.set(entry.bagDir, { path: entry.bagDir, rid: entry.rid, version: entry.version, source });
    }
    walk(
      cacheDir,
      0,
      (bagDir, rid) => {
        if (!found.has(bagDir)) found.set(bagDir, { path: bagDir, rid, version: null, source });
      },
      budget,
    );
  };
  for (const host of subfolders(root, budget)) {
    for (const catalog of subfolders(path.join(root, host), budget))
      scan(path.join(root, host, catalog, 'cache'), `~/.deriva-ml/${host}/${catalog}/cache`);
  }
  for (const workingDir of locations.workingDirs ?? []) {
    const cacheDir = path.join(path.resolve(workingDir), 'cache');
    scan(cacheDir, cacheDir);
  }
  for (const cacheDir of locations.cacheDirs ?? []) scan(path.resolve(cacheDir), path.resolve(cacheDir));
  return [...found.values()]
    .sort((a, b) => a.source.localeCompare(b.source) || a.path.localeCompare(b.path))
    .slice(0, MAX_BAGS);
}

function walk(
  dir: string,
  depth: number,
  onBag: (dir: string, rid: string) => void,
  budget: { entries: number },
): void {
  for (const name of subfolders(dir, budget)) {
    const child = path.join(dir, name);
    const match = BAG_FOLDER.exec(name);
    if (match && fs.existsSync(path.join(child, 'bagit.txt'))) {
      onBag(child, match[1]!);
      continue;
    }
    if (depth + 1 < MAX_DEPTH_UNDER_CACHE) walk(child, depth + 1, onBag, budget);
  }
}

/** Real subfolders (no links), in name order, counted against the budget; unreadable folders are empty. */
function subfolders(dir: string, budget: { entries: number }): string[] {
  if (budget.entries <= 0) return [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  budget.entries -= entries.length;
  return entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}
