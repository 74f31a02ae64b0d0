import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { CatalogClient } from '../catalog/index.js';
import { writeFileAtomic } from '../common/index.js';
import { bagDirectory, derivaMlCacheRoot, removeStaleStaging, stagingRoot } from './cache.js';
import { materializeBag, type MaterializeResult } from './materialize.js';
import { evaluatePlan, planBag } from './plan.js';
import { writeHoleyBag } from './writer.js';

export interface DownloadProgress {
  /** plan: resolving version and model; rows: walking the FK paths; tables: writing CSVs; assets: fetching files. */
  phase: 'plan' | 'rows' | 'tables' | 'assets';
  /** tables: tables written; assets: bytes fetched. */
  done: number;
  total: number;
  /** assets: files fetched (or found in place) so far. */
  files?: { done: number; total: number };
  /** tables: the table being written. */
  table?: string;
}

export interface DownloadOptions {
  rid: string;
  /** A version label (PEP 440 comparison); default the dataset's current version. */
  version?: string;
  /** The deriva-ml cache folder (`…/cache`); default `<homeDir>/.deriva-ml/<host>/<catalog>/cache`. */
  cacheRoot?: string;
  homeDir?: string;
  /** Fetch the asset files (default true); false leaves a holey bag. */
  materialize?: boolean;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface DownloadedBag {
  bagDir: string;
  rid: string;
  version: string;
  snapshot: string;
  /** The cache folder name, `<spec16>_<snapshot>`. */
  checksum: string;
  /** The bag folder was already in the cache (only missing files were fetched). */
  cached: boolean;
  materialized: boolean;
  /** Rows per table ("schema:Table") in the bag's CSVs. */
  tables: Record<string, number>;
  assets: MaterializeResult;
}

/** Kept beside the bag folder (never inside it): what was downloaded, for later runs and for people. */
const SUMMARY_FILE = 'satchel-download.json';
const summarySchema = z.object({
  rid: z.string(),
  version: z.string(),
  snapshot: z.string(),
  catalog: z.string(),
  tables: z.record(z.string(), z.number()),
  built: z.string(),
});

/**
 * Downloads dataset `rid` at a version's snapshot as a deriva-ml HEAD Format B bag into the
 * deriva-ml cache layout. The holey bag is built in a staging folder and renamed into place only
 * when complete; then the assets are fetched (resumably). A second call finds the bag in the cache
 * and only fetches what is missing.
 */
export async function downloadBag(client: CatalogClient, options: DownloadOptions): Promise<DownloadedBag> {
  const { signal, onProgress } = options;
  onProgress?.({ phase: 'plan', done: 0, total: 1 });
  const plan = await planBag(client, { rid: options.rid, version: options.version, signal });
  const cacheRoot = options.cacheRoot ?? derivaMlCacheRoot(client.url, options.homeDir);
  const checksumRoot = path.join(cacheRoot, 'bags', plan.checksum);
  const bagDir = bagDirectory(cacheRoot, plan.checksum, plan.rid);
  const cached = fs.existsSync(path.join(bagDir, 'bagit.txt'));
  let tables: Record<string, number>;
  if (cached) {
    tables = readSummary(checksumRoot)?.tables ?? {};
  } else {
    removeStaleStaging(cacheRoot, plan.checksum);
    const staging = stagingRoot(cacheRoot, plan.checksum);
    const stagingBag = path.join(staging, path.basename(bagDir));
    try {
      fs.mkdirSync(stagingBag, { recursive: true });
      onProgress?.({ phase: 'rows', done: 0, total: plan.tables.length });
      const reached = await evaluatePlan(plan, signal);
      const written = await writeHoleyBag(plan, reached, stagingBag, {
        signal,
        onTable: (done, total, table) => onProgress?.({ phase: 'tables', done, total, table }),
      });
      tables = written.tables;
      const summary = {
        rid: plan.rid,
        version: plan.version.version,
        snapshot: plan.snapshot,
        catalog: `${client.url.origin}/ermrest/catalog/${client.url.catalog}`,
        tables,
        built: new Date().toISOString(),
      };
      writeFileAtomic(path.join(staging, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
      moveIntoPlace(staging, checksumRoot);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  const materialize = options.materialize !== false;
  const assets = materialize
    ? await materializeBag(client, bagDir, {
        concurrency: options.concurrency ?? 4,
        signal,
        onProgress: (progress) =>
          onProgress?.({
            phase: 'assets',
            done: progress.doneBytes,
            total: progress.totalBytes,
            files: { done: progress.doneFiles, total: progress.totalFiles },
          }),
      })
    : { files: 0, bytes: 0, downloaded: 0, skipped: 0 };
  return {
    bagDir,
    rid: plan.rid,
    version: plan.version.version,
    snapshot: plan.snapshot,
    checksum: plan.checksum,
    cached,
    materialized: materialize,
    tables,
    assets,
  };
}

/** Renames the finished staging folder into place; if another run got there first, its bag is kept. */
function moveIntoPlace(staging: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') && fs.existsSync(target)) return;
    throw error;
  }
}

function readSummary(checksumRoot: string): z.infer<typeof summarySchema> | null {
  try {
    const parsed = summarySchema.safeParse(
      JSON.parse(fs.readFileSync(path.join(checksumRoot, SUMMARY_FILE), 'utf8')),
    );
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
