import fs from 'node:fs';
import path from 'node:path';
import { describeIoError, namingWriteFailures, removeStalePartials } from '../common/index.js';
import { createPartialDir, extractionKey, findCompletedBag, publishExtraction } from './cache.js';
import { extractInto } from './extract.js';
import { EXTRACTION_LIMITS, statfsAvailableBytes, type ExpansionLimits } from './limits.js';

export { EXTRACTION_LIMITS, type ExpansionLimits } from './limits.js';

/** Any limit left out takes its value from EXTRACTION_LIMITS. */
export interface ExtractOptions extends Partial<ExpansionLimits> {
  /** Bytes free for an unprivileged user on the disk holding `folder` (statfs unless given). */
  availableBytes?: (folder: string) => number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Extracts a bag zip into `<workspace>/extracted/<key>/` and returns the absolute path of its single
 * top-level folder. An earlier complete extraction of the same zip (same real path, size and mtime)
 * is reused. Nothing half-written is ever left behind under that key.
 */
export async function extractBagZip(
  zipPath: string,
  workspace: string,
  options: ExtractOptions = {},
): Promise<string> {
  const realZipPath = realPathOf(zipPath);
  const key = extractionKey(realZipPath);
  const extractedRoot = path.resolve(workspace, 'extracted');
  namingWriteFailures(extractedRoot, () => fs.mkdirSync(extractedRoot, { recursive: true }));
  const keyDir = path.join(extractedRoot, key);
  const completed = findCompletedBag(keyDir);
  if (completed !== null) return completed;

  removeStalePartials(extractedRoot);
  const partial = namingWriteFailures(extractedRoot, () => createPartialDir(extractedRoot, key));
  try {
    const topFolder = await extractInto({
      realZipPath,
      zipLabel: zipPath,
      target: partial,
      limits: {
        maxExpandedBytes: options.maxExpandedBytes ?? EXTRACTION_LIMITS.maxExpandedBytes,
        maxRatio: options.maxRatio ?? EXTRACTION_LIMITS.maxRatio,
        maxTotalRatio: options.maxTotalRatio ?? EXTRACTION_LIMITS.maxTotalRatio,
        totalRatioFloorBytes: options.totalRatioFloorBytes ?? EXTRACTION_LIMITS.totalRatioFloorBytes,
        maxEntries: options.maxEntries ?? EXTRACTION_LIMITS.maxEntries,
        reserveBytes: options.reserveBytes ?? EXTRACTION_LIMITS.reserveBytes,
      },
      diskFolder: extractedRoot,
      availableBytes: options.availableBytes ?? statfsAvailableBytes,
      onProgress: options.onProgress,
    });
    return publishExtraction(partial, keyDir, topFolder);
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
}

function realPathOf(zipPath: string): string {
  try {
    return fs.realpathSync(zipPath);
  } catch (error) {
    throw describeIoError(error, zipPath);
  }
}
