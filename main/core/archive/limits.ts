import fs from 'node:fs';
import { Transform } from 'node:stream';
import { SatchelError, formatBytes, formatCount } from '../common/index.js';

export interface ExpansionLimits {
  /** Largest total size the zip may expand to (declared and actual). */
  maxExpandedBytes: number;
  /** Largest expansion ratio of one entry bigger than 8 MiB. */
  maxRatio: number;
  /** Largest ratio of the whole expansion to the zip's own size, once the expansion passes the floor. */
  maxTotalRatio: number;
  totalRatioFloorBytes: number;
  /**
   * Most entries (files and folders) the zip may hold. A bag of 100k images zipped with its folders has
   * about 300k; every entry costs about 1 KB of memory while the central directory is checked.
   */
  maxEntries: number;
  /** Free space the extraction must leave on the disk. */
  reserveBytes: number;
}

const MiB = 1024 * 1024;

export const EXTRACTION_LIMITS: ExpansionLimits = {
  maxExpandedBytes: 64 * 1024 * MiB,
  maxRatio: 200,
  maxTotalRatio: 100,
  totalRatioFloorBytes: 64 * MiB,
  maxEntries: 500_000,
  reserveBytes: 256 * MiB,
};

/** Small entries may compress extremely well (a CSV of repeated values) without being a threat. */
const RATIO_THRESHOLD_BYTES = 8 * 1024 * 1024;

/** The bytes an unprivileged user may still write on the disk holding `folder`. */
export function statfsAvailableBytes(folder: string): number {
  const stats = fs.statfsSync(folder);
  return stats.bavail * stats.bsize;
}

/** What the limits need to know about the zip and where it goes. */
export interface ExpansionContext {
  zipLabel: string;
  zipBytes: number;
  limits: ExpansionLimits;
  /** The folder the zip is extracted under, as named in sentences, and its free space. */
  diskFolder: string;
  availableBytes: () => number;
}

export function checkEntryCount(entries: number, context: ExpansionContext): void {
  if (entries <= context.limits.maxEntries) return;
  throw new SatchelError(
    'zip-bomb',
    `${context.zipLabel} holds ${formatCount(entries)} entries, over the limit of ${formatCount(context.limits.maxEntries)}.`,
    context.zipLabel,
  );
}

/** Holds a total (declared before writing, counted while writing) to the absolute and the ratio limits. */
export function checkTotalExpansion(expandedBytes: number, context: ExpansionContext): void {
  const { zipLabel, zipBytes, limits } = context;
  if (expandedBytes > limits.maxExpandedBytes) {
    throw new SatchelError(
      'zip-bomb',
      `${zipLabel} expands to at least ${expandedBytes} bytes, over the limit of ${limits.maxExpandedBytes} bytes.`,
      zipLabel,
    );
  }
  if (expandedBytes <= Math.max(limits.totalRatioFloorBytes, limits.maxTotalRatio * zipBytes)) return;
  const times = Math.round(expandedBytes / Math.max(zipBytes, 1));
  throw new SatchelError(
    'zip-bomb',
    `${zipLabel} would expand to ${formatBytes(expandedBytes)}, ${formatCount(times)} times its own size, over the limit of ${limits.maxTotalRatio} times.`,
    zipLabel,
  );
}

/**
 * The bytes still to write must fit on the disk with the reserve to spare. Checked before anything is
 * written, then before every file, since other programs share the disk.
 */
export function checkFreeSpace(bytesToWrite: number, context: ExpansionContext, started: boolean): void {
  const available = context.availableBytes();
  if (bytesToWrite + context.limits.reserveBytes <= available) return;
  throw new SatchelError(
    'io-error',
    `${context.zipLabel} needs ${formatBytes(bytesToWrite)}${started ? ' more' : ''}, but ${context.diskFolder} has ${formatBytes(available)} free and Satchel always leaves ${formatBytes(context.limits.reserveBytes)} free.`,
    context.zipLabel,
  );
}

export function checkEntryRatio(
  entryPath: string,
  expandedBytes: number,
  compressedBytes: number,
  zipLabel: string,
  limits: ExpansionLimits,
): void {
  if (expandedBytes <= RATIO_THRESHOLD_BYTES) return;
  const ratio = expandedBytes / Math.max(compressedBytes, 1);
  if (ratio <= limits.maxRatio) return;
  throw new SatchelError(
    'zip-bomb',
    `${zipLabel} holds "${entryPath}", which expands ${Math.round(ratio)} times its compressed size, over the limit of ${limits.maxRatio}.`,
    zipLabel,
  );
}

/**
 * Counts the bytes actually inflated and holds them to the limits, so the limits never depend on what
 * the headers declare, and reports progress against the declared total. (yauzl's validateEntrySizes
 * already stops an entry that inflates past its declared size, as a bad-zip error.)
 */
export class ExpansionGuard {
  private expandedTotal = 0;

  constructor(
    private readonly context: ExpansionContext,
    private readonly declaredTotal: number,
    private readonly onProgress?: (done: number, total: number) => void,
  ) {}

  counterFor(entryPath: string, compressedBytes: number): Transform {
    let expandedEntry = 0;
    return new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        expandedEntry += chunk.length;
        this.expandedTotal += chunk.length;
        try {
          checkTotalExpansion(this.expandedTotal, this.context);
          checkEntryRatio(
            entryPath,
            expandedEntry,
            compressedBytes,
            this.context.zipLabel,
            this.context.limits,
          );
        } catch (error) {
          callback(error as Error);
          return;
        }
        this.onProgress?.(this.expandedTotal, this.declaredTotal);
        callback(null, chunk);
      },
    });
  }
}
