import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type yauzl from 'yauzl';
import { SatchelError } from '../common/index.js';
import {
  ExpansionGuard,
  checkEntryCount,
  checkFreeSpace,
  type ExpansionContext,
  type ExpansionLimits,
} from './limits.js';
import { planExtraction, type ExtractionPlan, type PlannedEntry } from './plan.js';
import { notReadable, openEntryStream, openZip, readEntries } from './zip-reader.js';

export interface ExtractionRequest {
  realZipPath: string;
  /** How the zip is named in error sentences: the path the caller gave. */
  zipLabel: string;
  target: string;
  limits: ExpansionLimits;
  /** The folder holding `target`, as named in sentences about free space. */
  diskFolder: string;
  availableBytes: (folder: string) => number;
  onProgress?: (done: number, total: number) => void;
}

/** Extracts the zip into `target` (an empty folder) and returns the name of its top-level folder. */
export async function extractInto(request: ExtractionRequest): Promise<string> {
  const zipfile = await openZip(request.realZipPath, request.zipLabel);
  try {
    const context: ExpansionContext = {
      zipLabel: request.zipLabel,
      zipBytes: zipfile.fileSize,
      limits: request.limits,
      diskFolder: request.diskFolder,
      availableBytes: () => request.availableBytes(request.diskFolder),
    };
    checkEntryCount(zipfile.entryCount, context);
    const entries = await readEntries(zipfile, request.zipLabel);
    const plan = planExtraction(entries, context);
    await writeEntries(zipfile, plan, request, context);
    return plan.topFolder;
  } finally {
    zipfile.close();
  }
}

async function writeEntries(
  zipfile: yauzl.ZipFile,
  plan: ExtractionPlan,
  request: ExtractionRequest,
  context: ExpansionContext,
): Promise<void> {
  const guard = new ExpansionGuard(context, plan.declaredBytes, request.onProgress);
  let bytesToWrite = plan.declaredBytes;
  for (const item of plan.entries) {
    // Paths were checked by planExtraction and the target holds no links, so this stays inside it.
    const destination = path.join(request.target, ...item.relative.split('/'));
    try {
      if (item.isDirectory) fs.mkdirSync(destination, { recursive: true });
      else {
        checkFreeSpace(bytesToWrite, context, true);
        await writeFile(zipfile, item, destination, guard, request.zipLabel);
        bytesToWrite -= item.entry.uncompressedSize;
      }
    } catch (error) {
      throw describeWriteFailure(error, item, request);
    }
  }
}

async function writeFile(
  zipfile: yauzl.ZipFile,
  item: PlannedEntry,
  destination: string,
  guard: ExpansionGuard,
  zipLabel: string,
): Promise<void> {
  fs.mkdirSync(path.dirname(destination), { recursive: true });
  const source = await openEntryStream(zipfile, item.entry, zipLabel);
  const counter = guard.counterFor(item.relative, item.entry.compressedSize);
  await pipeline(source, counter, fs.createWriteStream(destination, { flags: 'wx' }));
}

function describeWriteFailure(error: unknown, item: PlannedEntry, request: ExtractionRequest): unknown {
  if (error instanceof SatchelError) return error;
  const { code, syscall } = error as NodeJS.ErrnoException;
  // Only file-system errors carry a syscall; everything else came from reading or inflating the zip.
  if (syscall === undefined) return notReadable(request.zipLabel, error);
  if (code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTDIR') {
    return new SatchelError(
      'bad-zip',
      `${request.zipLabel} has several entries that would be written to "${item.relative}".`,
      request.zipLabel,
    );
  }
  const reason = code === 'ENOSPC' ? 'no space is left on the disk' : (error as Error).message;
  return new SatchelError(
    'io-error',
    `${request.zipLabel} could not be extracted into ${request.target}: ${reason}.`,
    request.zipLabel,
  );
}
