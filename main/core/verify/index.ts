import fs from 'node:fs';
import os from 'node:os';
import type { VerifyReport } from '../../../shared/bag.js';
import { SatchelError, describeIoError } from '../common/index.js';
import { checkBagitDeclaration, checkPayloadOxum, readPayloadOxum } from './declaration.js';
import { readFetchFile } from './fetch.js';
import type { HashAlgorithm, HashOutcome } from './hash-file.js';
import { hashAll } from './hash-pool.js';
import { manifestName, readManifests } from './manifests.js';
import { listPayload } from './payload.js';
import { planPayloadChecks, planTagChecks, reportUnlisted, type HashTask } from './plan.js';
import { ProblemList } from './problems.js';

export interface VerifyOptions {
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  /** Files hashed at once, each in its own worker thread; default the number of CPUs, at least 2. */
  concurrency?: number;
}

/**
 * Checks a BagIt bag: its declaration, Payload-Oxum, manifests, tag manifests and fetch.txt, and
 * every payload file against every checksum listed for it. A holey bag (absent files that fetch.txt
 * will supply) is valid and reported as not materialized. Paths that would leave the bag are never read.
 */
export async function verifyBag(bagDir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const root = openBag(bagDir);
  const problems = new ProblemList();
  await checkBagitDeclaration(root, problems);
  const oxum = await readPayloadOxum(root, problems);
  const payloadManifests = await readManifests(root, 'manifest', problems);
  const tagManifests = await readManifests(root, 'tagmanifest', problems);
  const listing = await listPayload(root, problems);
  const fetchItems = await readFetchFile(root, listing, problems);

  const payload = planPayloadChecks(root, payloadManifests, fetchItems, listing, problems);
  const tagTasks = planTagChecks(root, tagManifests, problems);
  reportUnlisted(payloadManifests, fetchItems, listing, problems);
  if (oxum !== null) checkPayloadOxum(oxum, payloadManifests.size, payload.listedBytes, problems);

  const hashed = await hashAndCompare([...payload.tasks, ...tagTasks], options, problems);
  const sortedProblems = problems.sorted();
  return {
    ok: sortedProblems.length === 0,
    ...hashed,
    materialized: payload.unfetched === 0,
    unfetched: payload.unfetched,
    problems: sortedProblems,
  };
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

async function hashAndCompare(
  tasks: HashTask[],
  options: VerifyOptions,
  problems: ProblemList,
): Promise<PayloadTotals> {
  // Largest first, so one big file does not start last and keep a single worker busy at the end.
  const ordered = [...tasks].sort((a, b) => b.size - a.size);
  const totalBytes = ordered.reduce((sum, task) => sum + task.size, 0);
  let doneBytes = 0;
  options.onProgress?.(0, totalBytes);
  const requests = ordered.map((task) => ({ file: task.absolute, algorithms: [...task.expected.keys()] }));
  const outcomes = await hashAll(requests, concurrencyOf(options), (bytes) => {
    doneBytes += bytes;
    options.onProgress?.(doneBytes, totalBytes);
  });
  const totals: PayloadTotals = { files: 0, bytes: 0, checks: 0 };
  ordered.forEach((task, index) => {
    const outcome = outcomes[index] as HashOutcome;
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

function concurrencyOf(options: VerifyOptions): number {
  if (options.concurrency !== undefined) return Math.max(1, Math.floor(options.concurrency) || 1);
  return Math.max(2, os.availableParallelism());
}
