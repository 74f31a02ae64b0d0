import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { compareVersions } from '../bag/index.js';
import { CsvParser } from '../bag/csv.js';
import { readFetchFile } from '../bag/fetch.js';
import type { CatalogClient } from '../catalog/index.js';
import { isSatchelError, writeFileAtomic } from '../common/index.js';
import { folderSize, listCachedBags, recordCachedBag } from '../library/index.js';
import { bagDirectory, derivaMlCacheRoot, removeStaleStaging, stagingRoot } from './cache.js';
import { materializeBag, type MaterializeResult } from './materialize.js';
import { reuseSources } from './reuse.js';
import { evaluatePlan, planBag } from './plan.js';
import { writeHoleyBag } from './writer.js';

export interface DownloadProgress {
  /** plan: resolving version and model; rows: walking the FK paths; tables: writing CSVs; assets: fetching files. */
  phase: 'plan' | 'rows' | 'tables' | 'assets';
  /** tables: tables written; assets: bytes fetched. */
  done: number;
  total: number;
  /** assets: files in place so far (found, reused or fetched). */
  files?: { done: number; total: number };
  /** assets: files reused from disk, files fetched and the bytes fetched so far. */
  transfer?: { reused: number; fetched: number; fetchedBytes: number };
  /** tables: the table being written. */
  table?: string;
}

export interface DownloadOptions {
  rid: string;
  /** A version label (PEP 440 comparison); default the dataset's current version. */
  version?: string;
  /** The deriva-ml cache folder (deriva-ml's `cache_dir`); default `<workingDir>/cache`. */
  cacheRoot?: string;
  /** deriva-ml's `working_dir`, used as given; default `<homeDir>/.deriva-ml/<host>/<catalog>`. */
  workingDir?: string;
  homeDir?: string;
  /** Fetch the asset files (default true); false leaves a holey bag. */
  materialize?: boolean;
  /** The workspace whose content-addressed asset store is used; none: other bags only. */
  workspace?: string;
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
  /** Who put it there: Satchel's own download, or deriva-ml's (found through its cache index). */
  cachedBy: 'satchel' | 'deriva-ml' | null;
  /** Why the bag could not be recorded in deriva-ml's cache index (null: recorded). */
  indexProblem: string | null;
  materialized: boolean;
  /** Entries of the bag's fetch.txt (the asset files). */
  fetchListed: number;
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
 * when complete; then the assets are fetched (resumably). A second call, or one after deriva-ml
 * downloaded the same version, finds the bag in the cache and only fetches what is missing. Every
 * download is recorded in deriva-ml's cache index, so deriva-ml finds it too.
 */
export async function downloadBag(client: CatalogClient, options: DownloadOptions): Promise<DownloadedBag> {
  const { signal, onProgress } = options;
  onProgress?.({ phase: 'plan', done: 0, total: 1 });
  const plan = await planBag(client, { rid: options.rid, version: options.version, signal });
  const cacheRoot =
    options.cacheRoot ??
    derivaMlCacheRoot(client.url, { homeDir: options.homeDir, workingDir: options.workingDir });
  const found = findCachedBag(cacheRoot, plan.checksum, plan.rid, plan.snapshot, plan.version.version);
  const checksum = found?.checksum ?? plan.checksum;
  const checksumRoot = path.join(cacheRoot, 'bags', checksum);
  const bagDir = bagDirectory(cacheRoot, checksum, plan.rid);
  let tables: Record<string, number>;
  if (found) {
    tables = readSummary(checksumRoot)?.tables ?? countTableRows(bagDir);
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
    ? await materializeBag(client.hatrac, bagDir, {
        concurrency: options.concurrency ?? 4,
        signal,
        ...reuseSources(bagDir, {
          homeDir: options.homeDir,
          cacheDirs: [cacheRoot],
          workspace: options.workspace,
        }),
        onProgress: (progress) =>
          onProgress?.({
            phase: 'assets',
            done: progress.doneBytes,
            total: progress.totalBytes,
            files: { done: progress.doneFiles, total: progress.totalFiles },
            transfer: {
              reused: progress.reusedFiles,
              fetched: progress.fetchedFiles,
              fetchedBytes: progress.fetchedBytes,
            },
          }),
      })
    : { files: 0, bytes: 0, downloaded: 0, skipped: 0, reused: 0, fetchedBytes: 0 };
  return {
    bagDir,
    rid: plan.rid,
    version: plan.version.version,
    snapshot: plan.snapshot,
    checksum,
    cached: found !== null,
    cachedBy: found?.by ?? null,
    indexProblem: recordInIndex(cacheRoot, checksum, plan.rid, plan.version.version),
    materialized: materialize,
    fetchListed: readFetchFile(bagDir).length,
    tables,
    assets,
  };
}

/**
 * A bag of this dataset at this snapshot already in the cache: Satchel's own folder, else one that
 * deriva-ml's cache index records for the dataset at the same snapshot (its folder name ends with
 * `_<snapshot>`) and version, whose folder is still there.
 */
function findCachedBag(
  cacheRoot: string,
  ownChecksum: string,
  rid: string,
  snapshot: string,
  version: string,
): { checksum: string; by: 'satchel' | 'deriva-ml' } | null {
  const present = (checksum: string) =>
    fs.existsSync(path.join(bagDirectory(cacheRoot, checksum, rid), 'bagit.txt'));
  if (present(ownChecksum)) return { checksum: ownChecksum, by: 'satchel' };
  const recorded = listCachedBags(cacheRoot).find(
    (entry) =>
      entry.rid === rid &&
      entry.checksum.endsWith(`_${snapshot}`) &&
      (entry.version === null || compareVersions(entry.version, version) === 0) &&
      present(entry.checksum),
  );
  return recorded ? { checksum: recorded.checksum, by: 'deriva-ml' } : null;
}

/** Records the bag in deriva-ml's cache index; returns the sentence when that is not possible. */
function recordInIndex(cacheRoot: string, checksum: string, rid: string, version: string): string | null {
  try {
    recordCachedBag(cacheRoot, {
      checksum,
      rid,
      version,
      sizeBytes: folderSize(path.join(cacheRoot, 'bags', checksum)),
    });
    return null;
  } catch (error) {
    if (isSatchelError(error)) return error.message;
    return `deriva-ml's cache index in ${cacheRoot} could not be updated (${(error as Error).message}).`;
  }
}

/** Records per `schema:Table` of a Format B bag's CSVs (for a bag another tool downloaded). */
function countTableRows(bagDir: string): Record<string, number> {
  const tables: Record<string, number> = {};
  const data = path.join(bagDir, 'data');
  for (const schema of fs.readdirSync(data, { withFileTypes: true })) {
    if (!schema.isDirectory() || schema.name === 'asset') continue;
    for (const file of fs.readdirSync(path.join(data, schema.name))) {
      if (!file.endsWith('.csv')) continue;
      let records = -1;
      const parser = new CsvParser(file, () => (records += 1));
      parser.push(fs.readFileSync(path.join(data, schema.name, file), 'utf8'));
      parser.finish();
      if (records > 0) tables[`${schema.name}:${file.slice(0, -'.csv'.length)}`] = records;
    }
  }
  return tables;
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
