import fs from 'node:fs';
import nodePath from 'node:path';
import type { FetchLengths } from './fetch.js';
import {
  algorithmsOf,
  manifestName,
  type ExpectedDigests,
  type ManifestKind,
  type ManifestListing,
} from './manifests.js';
import { leadsThroughLink, type PayloadListing } from './payload.js';
import { safeRelativePath } from '../common/index.js';
import { locate, type ProblemList } from './problems.js';
import { isPlainPath as isPlainText } from './scan.js';

export interface HashTask {
  path: string;
  absolute: string;
  size: number;
  kind: ManifestKind;
  expected: ExpectedDigests;
}

export interface PayloadPlan {
  tasks: HashTask[];
  /** Listed payload files that are absent but will come from fetch.txt. */
  unfetched: number;
  /** Total size of the listed payload, from disk or fetch.txt; null when some size is unknown. */
  listedBytes: number | null;
}

export function planPayloadChecks(
  root: string,
  manifests: ManifestListing,
  fetchItems: FetchLengths,
  listing: PayloadListing,
  sizes: Map<string, number>,
  problems: ProblemList,
): PayloadPlan {
  const plan: PayloadPlan = { tasks: [], unfetched: 0, listedBytes: 0 };
  for (const [path, expected] of manifests) {
    // A link was reported by the payload walk; it is neither read nor reported twice.
    const size = listing.links.has(path)
      ? null
      : planPayloadFile(root, path, expected, fetchItems, plan, problems, listing, sizes);
    plan.listedBytes = plan.listedBytes === null || size === null ? null : plan.listedBytes + size;
  }
  return plan;
}

/** Plans one listed payload file and returns its size, or null when the size is unknown. */
function planPayloadFile(
  root: string,
  path: string,
  expected: ExpectedDigests,
  fetchItems: FetchLengths,
  plan: PayloadPlan,
  problems: ProblemList,
  listing: PayloadListing,
  sizes: Map<string, number>,
): number | null {
  // The walk of data/ saw every file without entering a link: a regular file it found needs no
  // second look, and a plain path it did not see is absent (a holey bag lists 100k such paths).
  const size = sizes.get(path);
  if (size !== undefined) {
    plan.tasks.push({
      path,
      absolute: nodePath.join(root, ...path.split('/')),
      size,
      kind: 'manifest',
      expected,
    });
    return size;
  }
  const seenAbsent = isPlainPath(path) && !listing.files.has(path) && !leadsThroughLink(path, listing);
  const task = seenAbsent ? 'absent' : planFile(root, path, 'manifest', expected, problems);
  if (task === null) return null;
  if (task !== 'absent') {
    plan.tasks.push(task);
    return task.size;
  }
  const fetchLength = fetchItems.get(path);
  if (fetchLength === undefined) {
    problems.add(path, 'missing-file', `${path} is listed in the payload manifest but is not in the bag.`);
    return null;
  }
  plan.unfetched += 1;
  return fetchLength;
}

export function planTagChecks(root: string, manifests: ManifestListing, problems: ProblemList): HashTask[] {
  const tasks: HashTask[] = [];
  for (const [path, expected] of manifests) {
    const task = planFile(root, path, 'tagmanifest', expected, problems);
    if (task === 'absent') {
      problems.add(path, 'missing-file', `${path} is listed in the tag manifest but is not in the bag.`);
    } else if (task !== null) {
      tasks.push(task);
    }
  }
  return tasks;
}

/** Files on disk that no manifest lists, and fetch.txt entries no manifest can check. */
export function reportUnlisted(
  manifests: ManifestListing,
  fetchItems: FetchLengths,
  listing: PayloadListing,
  problems: ProblemList,
): void {
  for (const path of listing.files) {
    if (!manifests.has(path)) {
      problems.add(path, 'unexpected-file', `${path} is in the payload but no manifest lists it.`);
    }
  }
  for (const path of fetchItems.keys()) {
    if (!manifests.has(path)) {
      problems.add(path, 'bad-fetch', `fetch.txt lists ${path}, but no payload manifest gives its checksum.`);
    }
  }
}

/** A task for a present regular file, 'absent', or null when the path was refused (already reported). */
function planFile(
  root: string,
  path: string,
  kind: ManifestKind,
  expected: ExpectedDigests,
  problems: ProblemList,
): HashTask | 'absent' | null {
  const [algorithm = 'md5'] = algorithmsOf(expected);
  const location = locate(root, path, manifestName(kind, algorithm), problems);
  if (location.state === 'absent') return 'absent';
  if (location.state === 'refused') return null;
  const stats = fs.statSync(location.absolute);
  if (!stats.isFile()) {
    problems.add(path, 'missing-file', `${path} is listed in a manifest but is not a regular file.`);
    return null;
  }
  return { path, absolute: location.absolute, size: stats.size, kind, expected };
}

function isPlainPath(path: string): boolean {
  // The character check settles the common path without the regular expressions.
  if (isPlainText(path, 0, path.length)) return true;
  try {
    return safeRelativePath(path, 'a manifest') === path;
  } catch {
    return false;
  }
}
