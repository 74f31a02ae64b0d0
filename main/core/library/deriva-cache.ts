import fs from 'node:fs';
import path from 'node:path';
import type { FoundBag } from '../../../shared/contract.js';

/** Limits that keep a scan of a large or odd cache quick. */
const MAX_DEPTH_UNDER_CACHE = 3;
const MAX_ENTRIES = 20_000;
const MAX_BAGS = 500;
const BAG_FOLDER = /^Dataset_([A-Za-z0-9-]+)$/;

/**
 * Bags that deriva-ml already downloaded: `~/.deriva-ml/<host>/<catalog>/cache/` holds them as
 * `bags/<checksum>/Dataset_<RID>/` (deriva-ml HEAD) or `<RID>_<sha>/Dataset_<RID>/` (v1.24). Any
 * `Dataset_<RID>` folder holding bagit.txt within a few levels of a cache counts; symbolic links are
 * not followed and the walk is bounded, so a huge or looping cache cannot stall the library.
 */
export function findDerivaCacheBags(homeDir: string): FoundBag[] {
  const root = path.join(homeDir, '.deriva-ml');
  const budget = { entries: MAX_ENTRIES };
  const found: FoundBag[] = [];
  for (const host of subfolders(root, budget)) {
    for (const catalog of subfolders(path.join(root, host), budget)) {
      const source = `~/.deriva-ml/${host}/${catalog}/cache`;
      walk(
        path.join(root, host, catalog, 'cache'),
        0,
        (bagDir, rid) => found.push({ path: bagDir, rid, source }),
        budget,
      );
    }
  }
  return found
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
