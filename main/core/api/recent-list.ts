import fs from 'node:fs';
import path from 'node:path';
import type { RecentBag } from '../../../shared/contract.js';
import { isInside } from './files.js';
import { shownPath } from './typed-paths.js';

/**
 * The recent bags as the library lists them: one entry per bag on disk (the same folder reached by a
 * link, a trailing slash or a typed `~` is one entry, the newest opening kept), each saying where it
 * came from, so five openings of one dataset are not five identical lines.
 */
export function describeRecentBags(
  recent: RecentBag[],
  places: { homeDir: string; samplePath: string },
): RecentBag[] {
  const seen = new Set<string>();
  const listed: RecentBag[] = [];
  for (const bag of recent) {
    const identity = realOrResolved(bag.path);
    if (seen.has(identity)) continue;
    seen.add(identity);
    listed.push({ ...bag, source: sourceOf(bag.path, places) });
  }
  return listed;
}

/** The recorded paths that lead to the same bag as `target` (forgetting one entry forgets them all). */
export function pathsOfSameBag(recent: RecentBag[], target: string): string[] {
  const identity = realOrResolved(target);
  return recent
    .filter((bag) => bag.path === target || realOrResolved(bag.path) === identity)
    .map((bag) => bag.path);
}

function realOrResolved(target: string): string {
  try {
    return fs.realpathSync(target);
  } catch {
    return path.resolve(target);
  }
}

function sourceOf(bagPath: string, { homeDir, samplePath }: { homeDir: string; samplePath: string }): string {
  const resolved = path.resolve(bagPath);
  if (resolved === path.resolve(samplePath)) return 'sample bag';
  const cache = path.join(path.resolve(homeDir), '.deriva-ml');
  if (isInside(cache, resolved)) {
    const [host, catalog] = path.relative(cache, resolved).split(path.sep);
    return `deriva-ml cache of ${host ?? '?'}, catalog ${catalog ?? '?'}`;
  }
  const where = shownPath(path.dirname(resolved), homeDir);
  if (!fs.existsSync(resolved)) return `missing, was in ${where}`;
  return /\.zip$/i.test(resolved) ? `zip file in ${where}` : `folder in ${where}`;
}
