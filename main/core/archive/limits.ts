import { Transform } from 'node:stream';
import { SatchelError } from '../common/index.js';

export interface ExpansionLimits {
  maxExpandedBytes: number;
  maxRatio: number;
}

export const DEFAULT_LIMITS: ExpansionLimits = { maxExpandedBytes: 64 * 1024 ** 3, maxRatio: 200 };

/** Small entries may compress extremely well (a CSV of repeated values) without being a threat. */
const RATIO_THRESHOLD_BYTES = 8 * 1024 * 1024;

export function checkTotalExpansion(expandedBytes: number, zipLabel: string, limits: ExpansionLimits): void {
  if (expandedBytes <= limits.maxExpandedBytes) return;
  throw new SatchelError(
    'zip-bomb',
    `${zipLabel} expands to at least ${expandedBytes} bytes, over the limit of ${limits.maxExpandedBytes} bytes.`,
    zipLabel,
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
    private readonly zipLabel: string,
    private readonly limits: ExpansionLimits,
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
          checkTotalExpansion(this.expandedTotal, this.zipLabel, this.limits);
          checkEntryRatio(entryPath, expandedEntry, compressedBytes, this.zipLabel, this.limits);
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
