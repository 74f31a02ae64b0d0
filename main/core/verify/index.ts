import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_MISSING_LISTED, type VerifyReport } from '../../../shared/bag.js';
import { SatchelError, describeIoError } from '../common/index.js';
import { checkBagitDeclaration, checkPayloadOxum, readPayloadOxum } from './declaration.js';
import { readFetchFile } from './fetch.js';
import type { HashAlgorithm, HashOutcome, HashRequest } from './hash-file.js';
import { builtHashWorker, HashPool, PROGRESS_EVERY_MS } from './hash-pool.js';
import { algorithmsOf, listManifestAlgorithms, manifestName, readManifests } from './manifests.js';
import { listBag, type PayloadListing } from './payload.js';
import { planPayloadChecks, planTagChecks, reportUnlisted, type HashTask } from './plan.js';
import { ProblemList } from './problems.js';

export interface VerifyOptions {
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /**
   * Files hashed at once: by worker threads and, once the manifests are read, the calling thread;
   * default the number of CPUs, at least 2.
   */
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
  // The workers start first: their start-up overlaps the listing of the bag.
  const pool = new HashPool(workerCountOf(options), workerOf(options));
  try {
    return await verifyWith(pool, root, options);
  } finally {
    await pool.close();
  }
}

async function verifyWith(pool: HashPool, root: string, options: VerifyOptions): Promise<VerifyReport> {
  const problems = new ProblemList();
  const listing = listBag(root, problems);
  // The files on disk are hashed while the manifests and fetch.txt are being read, the tag files
  // with them.
  const early = startHashing(pool, root, listing, options);
  try {
    return await checkAndCompare(pool, root, listing, early, problems);
  } finally {
    early.stop();
  }
}

async function checkAndCompare(
  pool: HashPool,
  root: string,
  listing: PayloadListing,
  early: EarlyHashing,
  problems: ProblemList,
): Promise<VerifyReport> {
  await checkBagitDeclaration(root, problems);
  const oxum = await readPayloadOxum(root, problems);
  const payloadManifests = await readManifests(root, 'manifest', problems);
  const tagManifests = await readManifests(root, 'tagmanifest', problems);
  const fetchItems = await readFetchFile(root, listing, payloadManifests.keys(), problems);

  const payload = planPayloadChecks(root, payloadManifests, fetchItems, listing, early.sizes, problems);
  const tagTasks = planTagChecks(root, tagManifests, problems);
  reportUnlisted(payloadManifests, fetchItems, listing, problems);
  if (oxum !== null) checkPayloadOxum(oxum, payloadManifests.size, payload.listedBytes, problems);

  const hashed = await hashAndCompare(pool, [...payload.tasks, ...tagTasks], await early.finish(), problems);
  const sortedProblems = problems.sorted();
  const missing = missingFetchedFiles(fetchItems, payloadManifests, listing, MAX_MISSING_LISTED);
  const complete =
    payload.unfetched === 0 && !sortedProblems.some((problem) => problem.kind === 'missing-file');
  return {
    ok: sortedProblems.length === 0 && complete,
    complete,
    ...hashed,
    materialized: payload.unfetched === 0,
    fetchListed: fetchItems.size,
    unfetched: payload.unfetched,
    missing,
    problems: sortedProblems,
  };
}

/** The first `limit` fetch.txt entries a manifest lists that are not on disk, in fetch.txt order (RFC 8493 §2.2.3). */
function missingFetchedFiles(
  fetchItems: Map<string, unknown>,
  manifests: Map<string, unknown>,
  listing: PayloadListing,
  limit: number,
): string[] {
  const missing: string[] = [];
  for (const path of fetchItems.keys()) {
    if (missing.length === limit) break;
    if (manifests.has(path) && !listing.files.has(path) && !listing.links.has(path)) missing.push(path);
  }
  return missing;
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

interface EarlyHashing {
  /** Sizes of the regular files under data/. */
  sizes: Map<string, number>;
  /** Joins the hashing and returns the outcomes by bag path. */
  finish(): Promise<Map<string, EarlyHash>>;
  /** Stops reporting progress. */
  stop(): void;
}

/**
 * Starts hashing every regular file under data/ with every payload manifest's algorithm, largest
 * first, and the files at the top of the bag with every tag manifest's algorithm.
 */
function startHashing(
  pool: HashPool,
  root: string,
  listing: PayloadListing,
  options: VerifyOptions,
): EarlyHashing {
  const sizes = new Map<string, number>();
  const files: { relative: string; absolute: string; size: number }[] = [];
  for (const relative of listing.regular) {
    const absolute = path.join(root, ...relative.split('/'));
    const stat = fs.statSync(absolute, { throwIfNoEntry: false });
    if (!stat?.isFile()) continue;
    sizes.set(relative, stat.size);
    files.push({ relative, absolute, size: stat.size });
  }
  // Largest first, so one big file does not start last and keep a single thread busy at the end.
  files.sort((a, b) => b.size - a.size);
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  options.onProgress?.(0, totalBytes);
  const payloadAlgorithms = listManifestAlgorithms(root, 'manifest');
  const tagAlgorithms = listManifestAlgorithms(root, 'tagmanifest');
  const payloadFiles = payloadAlgorithms.length === 0 ? [] : files;
  // Tag manifests list .txt files (bagit.txt, bag-info.txt, the manifests, fetch.txt).
  const tagFiles = tagAlgorithms.length === 0 ? [] : listing.tagFiles.filter((name) => name.endsWith('.txt'));
  const requests: HashRequest[] = [
    ...payloadFiles.map((file) => ({ file: file.absolute, algorithms: payloadAlgorithms })),
    ...tagFiles.map((name) => ({ file: path.join(root, name), algorithms: tagAlgorithms })),
  ];
  const batch = pool.start(requests, payloadFiles.length);
  const report = () => options.onProgress?.(Math.min(batch.doneBytes(), totalBytes), totalBytes);
  // While this thread reads the manifests, the workers' progress is looked at now and then.
  const timer = options.onProgress ? setInterval(report, PROGRESS_EVERY_MS) : undefined;
  return {
    sizes,
    finish: async () => {
      const outcomes = await batch.finish(report);
      clearInterval(timer);
      report();
      const early = new Map<string, EarlyHash>();
      payloadFiles.forEach((file, index) =>
        early.set(file.relative, { outcome: outcomes[index]!, algorithms: payloadAlgorithms }),
      );
      tagFiles.forEach((name, index) =>
        early.set(name, { outcome: outcomes[payloadFiles.length + index]!, algorithms: tagAlgorithms }),
      );
      return early;
    },
    stop: () => clearInterval(timer),
  };
}

/** Compares every task's digests; a task the early hashing did not cover (a tag file in a folder, a path not seen as a plain file) is hashed now. */
async function hashAndCompare(
  pool: HashPool,
  tasks: HashTask[],
  early: Map<string, EarlyHash>,
  problems: ProblemList,
): Promise<PayloadTotals> {
  const covered = (task: HashTask) => {
    const found = early.get(task.path);
    return found && algorithmsOf(task.expected).every((algorithm) => found.algorithms.includes(algorithm))
      ? found
      : undefined;
  };
  const earlyOutcomes = tasks.map((task) => covered(task)?.outcome);
  const remaining = tasks.filter((_task, index) => earlyOutcomes[index] === undefined);
  const requests = remaining.map((task) => ({
    file: task.absolute,
    algorithms: algorithmsOf(task.expected),
  }));
  const lateOutcomes = await pool.start(requests).finish();
  const outcomeOf = new Map(remaining.map((task, index) => [task, lateOutcomes[index] as HashOutcome]));
  const totals: PayloadTotals = { files: 0, bytes: 0, checks: 0 };
  tasks.forEach((task, index) => {
    const outcome = earlyOutcomes[index] ?? (outcomeOf.get(task) as HashOutcome);
    if (!outcome.ok) {
      problems.addError(Object.assign(new Error(outcome.message), { code: outcome.code }), task.path);
      return;
    }
    compareDigests(task, outcome.digests, problems);
    if (task.kind !== 'manifest') return;
    totals.files += 1;
    totals.bytes += outcome.bytes;
    totals.checks += algorithmsOf(task.expected).length;
  });
  return totals;
}

function compareDigests(
  task: HashTask,
  actual: Partial<Record<HashAlgorithm, string>>,
  problems: ProblemList,
): void {
  const failed = algorithmsOf(task.expected).filter(
    (algorithm) => actual[algorithm] !== task.expected[algorithm],
  );
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

/** Worker threads besides the calling thread, which joins the hashing once it has read the manifests. */
function workerCountOf(options: VerifyOptions): number {
  const threads =
    options.concurrency !== undefined
      ? Math.max(1, Math.floor(options.concurrency) || 1)
      : Math.max(2, os.availableParallelism());
  return threads - 1;
}
