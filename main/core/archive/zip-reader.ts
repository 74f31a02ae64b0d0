import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { SatchelError } from '../common/index.js';

/** yauzl 3 documents these, but @types/yauzl (written for 2.x) does not declare them yet. */
export type RawEntry = yauzl.Entry & { fileNameRaw: Buffer };
const { getFileNameLowLevel } = yauzl as typeof yauzl & {
  getFileNameLowLevel(
    flags: number,
    name: Buffer,
    extraFields: yauzl.Entry['extraFields'],
    strict: boolean,
  ): string;
};

export function notReadable(zipLabel: string, error: unknown): SatchelError {
  // yauzl's messages may hold several sentences; they are folded into one clause of ours.
  const text = error instanceof Error ? error.message : String(error);
  const reason = text.trim().replace(/\.$/, '').replace(/\.\s+/g, '; ');
  return new SatchelError('bad-zip', `${zipLabel} is not a readable zip archive (${reason}).`, zipLabel);
}

// Names are decoded here rather than by yauzl so that an unsafe name becomes our own
// `unsafe-path` error instead of a generic yauzl failure; strict mode keeps backslashes visible.
export function entryName(entry: RawEntry): string {
  return getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
}

export function openZip(realPath: string, zipLabel: string): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, validateEntrySizes: true, decodeStrings: false, autoClose: false };
  return new Promise((resolve, reject) => {
    yauzl.open(realPath, options, (error, zipfile) => {
      if (error) reject(notReadable(zipLabel, error));
      else resolve(zipfile);
    });
  });
}

/** Reads the whole central directory before anything is written, so every rule can be checked first. */
export function readEntries(zipfile: yauzl.ZipFile, zipLabel: string): Promise<RawEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: RawEntry[] = [];
    zipfile.on('entry', (entry: RawEntry) => {
      entries.push(entry);
      zipfile.readEntry();
    });
    zipfile.once('end', () => resolve(entries));
    zipfile.once('error', (error: unknown) => reject(notReadable(zipLabel, error)));
    zipfile.readEntry();
  });
}

export function openEntryStream(
  zipfile: yauzl.ZipFile,
  entry: RawEntry,
  zipLabel: string,
): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zipfile.openReadStream(entry, (error, stream) => {
      if (error) reject(notReadable(zipLabel, error));
      else resolve(stream);
    });
  });
}
