import { SatchelError, safeRelativePath } from '../common/index.js';
import { checkEntryRatio, checkFreeSpace, checkTotalExpansion, type ExpansionContext } from './limits.js';
import { entryName, type RawEntry } from './zip-reader.js';

export interface PlannedEntry {
  entry: RawEntry;
  /** Safe, normalised path with forward slashes, starting with the top-level folder. */
  relative: string;
  isDirectory: boolean;
}

export interface ExtractionPlan {
  topFolder: string;
  entries: PlannedEntry[];
  declaredBytes: number;
}

const FILE_TYPE_MASK = 0o170000;
const SYMLINK_TYPE = 0o120000;

/** Checks every entry of the central directory; throws before anything is written if one rule fails. */
export function planExtraction(entries: RawEntry[], context: ExpansionContext): ExtractionPlan {
  const { zipLabel, limits } = context;
  const planned = entries.map((entry) => describeEntry(entry, zipLabel));
  const files = planned.filter((item) => !item.isDirectory);
  if (files.length === 0) {
    throw new SatchelError('empty-bag', `${zipLabel} contains no files.`, zipLabel);
  }
  const topFolder = singleTopFolder(planned, zipLabel);
  let declaredBytes = 0;
  for (const file of files) {
    checkEntryRatio(file.relative, file.entry.uncompressedSize, file.entry.compressedSize, zipLabel, limits);
    declaredBytes += file.entry.uncompressedSize;
  }
  checkTotalExpansion(declaredBytes, context);
  checkFreeSpace(declaredBytes, context, false);
  return { topFolder, entries: planned, declaredBytes };
}

function describeEntry(entry: RawEntry, zipLabel: string): PlannedEntry {
  const raw = entryName(entry);
  const relative = safeRelativePath(raw, `An entry of ${zipLabel}`);
  if (((entry.externalFileAttributes >>> 16) & FILE_TYPE_MASK) === SYMLINK_TYPE) {
    throw new SatchelError(
      'unsafe-path',
      `${zipLabel} contains the symbolic link "${raw}"; Satchel never extracts links.`,
      raw,
    );
  }
  return { entry, relative, isDirectory: raw.endsWith('/') };
}

function singleTopFolder(planned: PlannedEntry[], zipLabel: string): string {
  const looseFile = planned.find((item) => !item.isDirectory && !item.relative.includes('/'));
  if (looseFile) {
    throw new SatchelError(
      'bad-zip',
      `${zipLabel} has the file "${looseFile.relative}" at its top level instead of inside a single bag folder.`,
      zipLabel,
    );
  }
  const tops = [...new Set(planned.map((item) => item.relative.split('/')[0] ?? ''))];
  if (tops.length !== 1 || tops[0] === undefined) {
    throw new SatchelError(
      'bad-zip',
      `${zipLabel} has ${tops.length} top-level folders (${tops.slice(0, 3).join(', ')}) instead of a single bag folder.`,
      zipLabel,
    );
  }
  return tops[0];
}
