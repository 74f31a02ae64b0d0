import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_MISSING_LISTED, type VerifyReport } from '../../../shared/bag.js';
import { SatchelError, describeIoError } from '../common/index.js';
import { checkBagitDeclaration, checkPayloadOxum, readPayloadOxum } from './declaration.js';
import { readFetchFile } from './fetch.js';
import type { HashAlgorithm, HashOutcome } from './hash-file.js';
import { builtHashWorker, hashAll } from './hash-pool.js';
import { listManifestAlgorithms, manifestName, readManifests } from './manifests.js';
import { listPayload, type PayloadListing } from './payload.js';
import { planPayloadChecks, planTagChecks, reportUnlisted, type HashTask } from './plan.js';
import { ProblemList } from './problems.js';

export interface VerifyOptions {
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Files hashed at once, each in its own worker thread; default the number of CPUs, at least 2. */
  concurrency?: number;
  /**
   * The compiled hash worker (hash-worker.js) the threads run. By default the one built beside this
   * module; run from TypeScript source there is none and files are hashed on the calling thread, so
   * tests name the built one (dist/) to reach the worker path.
   */
  hashWorker?: URL;
}

/**
 * Checks a BagIt bag: its declaration, Payload-Oxum, manifests, tag manifests and fetch.txt, and
 * every payload file against every checksum listed for it. As RFC 8493 defines it, a bag whose
 * fetch.txt files are not all on disk (a holey bag) is incomplete and so not valid: the report counts
 * and names them. Paths that would leave the bag are never read.
 */
export async function verifyBag(bagDir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const root = openBag(bagDir);
  const problems = new ProblemList();
  // The payload files on disk are hashed while the manifests and fetch.txt are being read: with
  // 100k manifest lines, reading them takes as long as hashing the files.
  const listing = await listPayload(root, problems);
  const early = hashPayloadFiles(root, listing, listManifestAlgorithms(root, 'manifest'), options);
  await checkBagitDeclaration(root, problems);
  const oxum = await readPayloadOxum(root, problems);
  const payloadManifests = await readManifests(root, 'manifest', problems);
  const tagManifests = await readManifests(root, 'tagmanifest', problems);
  const fetchItems = await readFetchFile(root, listing, problems);

  const payload = planPayloadChecks(root, payloadManifests, fetchItems, listing, problems);
  const tagTasks = planTagChecks(root, tagManifests, problems);
  reportUnlisted(payloadManifests, fetchItems, listing, problems);
  if (oxum !== null) checkPayloadOxum(oxum, payloadManifests.size, payload.listedBytes, problems);

  const hashed = await hashAndCompare([...payload.tasks, ...tagTasks], await early, options, problems);
  const sortedProblems = problems.sorted();
  const missing = missingFetchedFiles(fetchItems, payloadManifests, listing);
  const complete =
    payload.unfetched === 0 && !sortedProblems.some((problem) => problem.kind === 'missing-file');
  return {
    ok: sortedProblems.length === 0 && complete,
    complete,
    ...hashed,
    materialized: payload.unfetched === 0,
    fetchListed: fetchItems.size,
    unfetched: payload.unfetched,
    missing: missing.slice(0, MAX_MISSING_LISTED),
    problems: sortedProblems,
  };
}

/** fetch.txt entries a manifest lists that are not on disk, in fetch.txt order (RFC 8493 §2.2.3). */
function missingFetchedFiles(
  fetchItems: Map<string, unknown>,
  manifests: Map<string, unknown>,
  listing: PayloadListing,
): string[] {
  return [...fetchItems.keys()].filter(
    (path) => manifests.has(path) && !listing.files.has(path) && !listing.links.has(path),
  );
}

/** True when `dir` is a folder that verifyBag treats as a bag: it has bagit.txt, a manifest or data/. */
export function isBagDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && hasBagMarks(dir);
  } catch {
    return false;
  }
}

function hasBagMarks(dir: string): boolean {
  return fs
    .readdirSync(dir)
    .some((name) => name === 'bagit.txt' || name === 'data' || /^manifest-.+\.txt$/.test(name));
}

function openBag(bagDir: string): string {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(bagDir);
  } catch (error) {
    throw describeIoError(error, bagDir);
  }
  if (!stats.isDirectory() || !hasBagMarks(bagDir)) {
    throw new SatchelError(
      'not-a-bag',
      `${bagDir} is not a BagIt bag: it is not a folder with bagit.txt, a manifest or a data folder.`,
      bagDir,
    );
  }
  return fs.realpathSync(bagDir);
}

interface PayloadTotals {
  files: number;
  bytes: number;
  checks: number;
}

interface EarlyHash {
  outcome: HashOutcome;
  algorithms: HashAlgorithm[];
}

/** Hashes every plain file under data/ with every payload manifest's algorithm, largest first. */
async function hashPayloadFiles(
  root: string,
  listing: PayloadListing,
  algorithms: HashAlgorithm[],
  options: VerifyOptions,
): Promise<Map<string, EarlyHash>> {
  const files = [...listing.files].flatMap((relative) => {
    const absolute = path.join(root, ...relative.split('/'));
    const stat = fs.statSync(absolute, { throwIfNoEntry: false });
    return stat?.isFile() ? [{ relative, absolute, size: stat.size }] : [];
  });
  // Largest first, so one big file does not start last and keep a single worker busy at the end.
  files.sort((a, b) => b.size - a.size);
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  let doneBytes = 0;
  options.onProgress?.(0, totalBytes);
  if (algorithms.length === 0) return new Map();
  const outcomes = await hashAll(
    files.map((file) => ({ file: file.absolute, algorithms })),
    concurrencyOf(options),
    (bytes) => {
      doneBytes += bytes;
      options.onProgress?.(doneBytes, totalBytes);
    },
    workerOf(options),
  );
  return new Map(files.map((file, index) => [file.relative, { outcome: outcomes[index]!, algorithms }]));
}

async function hashAndCompare(
  tasks: HashTask[],
  early: Map<string, EarlyHash>,
  options: VerifyOptions,
  problems: ProblemList,
): Promise<PayloadTotals> {
  const covered = (task: HashTask) => {
    const found = task.kind === 'manifest' ? early.get(task.path) : undefined;
    return found && [...task.expected.keys()].every((algorithm) => found.algorithms.includes(algorithm))
      ? found
      : undefined;
  };
  const remaining = tasks.filter((task) => !covered(task));
  const requests = remaining.map((task) => ({ file: task.absolute, algorithms: [...task.expected.keys()] }));
  const lateOutcomes = await hashAll(requests, concurrencyOf(options), () => {}, workerOf(options));
  const outcomeOf = new Map(remaining.map((task, index) => [task, lateOutcomes[index] as HashOutcome]));
  const totals: PayloadTotals = { files: 0, bytes: 0, checks: 0 };
  tasks.forEach((task) => {
    const outcome = covered(task)?.outcome ?? (outcomeOf.get(task) as HashOutcome);
    if (!outcome.ok) {
      problems.addError(Object.assign(new Error(outcome.message), { code: outcome.code }), task.path);
      return;
    }
    compareDigests(task, outcome.digests, problems);
    if (task.kind !== 'manifest') return;
    totals.files += 1;
    totals.bytes += outcome.bytes;
    totals.checks += task.expected.size;
  });
  return totals;
}

function compareDigests(
  task: HashTask,
  actual: Partial<Record<HashAlgorithm, string>>,
  problems: ProblemList,
): void {
  const failed = [...task.expected]
    .filter(([algorithm, digest]) => actual[algorithm] !== digest)
    .map(([algorithm]) => algorithm);
  if (failed.length === 0) return;
  const manifests = failed.map((algorithm) => manifestName(task.kind, algorithm)).join(' and ');
  const checksums = failed.length === 1 ? 'checksum' : 'checksums';
  problems.add(
    task.path,
    'checksum-mismatch',
    `${task.path} does not match its ${failed.join(' and ')} ${checksums} in ${manifests}.`,
  );
}

function workerOf(options: VerifyOptions): URL | null {
  return options.hashWorker ?? builtHashWorker();
}

function concurrencyOf(options: VerifyOptions): number {
  if (options.concurrency !== undefined) return Math.max(1, Math.floor(options.concurrency) || 1);
  return Math.max(2, os.availableParallelism());
}
