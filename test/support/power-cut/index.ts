import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Power cuts for crash tests. power-cut.c, preloaded into a process, journals every write below a
 * folder together with the bytes it replaced, and every fsync. After the process is killed, cutPower
 * reads that journal and takes back what a real power failure at that moment could have lost: the
 * writes no fsync had made durable, and the files created in a folder that was not synced since.
 * Unsynced writes reach the disk in the order they were made, up to a point the caller picks.
 */

const SOURCE = fileURLToPath(new URL('./power-cut.c', import.meta.url));

export type PowerCutShim = { ok: true; library: string } | { ok: false; reason: string };

/** Compiles power-cut.c into `outDir` with the machine's C compiler (`$CC`, else cc or gcc). */
export function buildPowerCutShim(outDir: string): PowerCutShim {
  const compiler = [process.env.CC, 'cc', 'gcc'].find(
    (candidate) => candidate && !spawnSync(candidate, ['--version']).error,
  );
  if (!compiler) return { ok: false, reason: 'no C compiler (cc or gcc) to build the power-cut shim' };
  const library = path.join(outDir, 'power-cut.so');
  const result = spawnSync(
    compiler,
    ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-o', library, SOURCE, '-ldl', '-lpthread'],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) throw new Error(`${compiler} could not build ${SOURCE}:\n${result.stderr}`);
  return { ok: true, library };
}

/**
 * The environment that preloads the shim into a child watching `folder`, journaling to `journal`,
 * and killing the child just before its `cutAtWrite`-th write below the folder.
 */
export function powerCutEnvironment(
  library: string,
  folder: string,
  journal: string,
  cutAtWrite: number,
): NodeJS.ProcessEnv {
  return {
    LD_PRELOAD: library,
    POWER_CUT_DIR: path.resolve(folder),
    POWER_CUT_JOURNAL: journal,
    POWER_CUT_AT_WRITE: String(cutAtWrite),
  };
}

/** Record kinds, as power-cut.c numbers them. */
const Kind = { Write: 1, Sync: 2, Create: 3, FolderSync: 4, Unlink: 5 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface JournalRecord {
  index: number;
  kind: Kind;
  path: string;
  offset: number;
  oldSize: number;
  oldBytes: Buffer;
}

const HEADER_BYTES = 32;

/** The records of a journal; a last record cut short by the kill is left out (its write never ran). */
function readJournal(file: string): JournalRecord[] {
  const bytes = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
  const records: JournalRecord[] = [];
  for (let at = 0; at + HEADER_BYTES <= bytes.length;) {
    const pathLength = bytes.readUInt32LE(at + 4);
    const dataLength = Number(bytes.readBigUInt64LE(at + 24));
    const end = at + HEADER_BYTES + pathLength + dataLength;
    if (end > bytes.length) break;
    const pathStart = at + HEADER_BYTES;
    records.push({
      index: records.length,
      kind: bytes.readUInt32LE(at) as Kind,
      path: bytes.toString('utf8', pathStart, pathStart + pathLength),
      offset: Number(bytes.readBigUInt64LE(at + 8)),
      oldSize: Number(bytes.readBigUInt64LE(at + 16)),
      oldBytes: bytes.subarray(pathStart + pathLength, end),
    });
    at = end;
  }
  return records;
}

export interface PowerCutReport {
  /** Writes and creations not yet durable when the power went. */
  unsynced: number;
  /** How many of them were taken back. */
  lost: number;
}

/**
 * Cuts the power after the journaled process was killed: of the `unsynced` writes and creations,
 * the first `reachedDisk(unsynced)` stay, the rest are undone, newest first.
 */
export function cutPower(journalFile: string, reachedDisk: (unsynced: number) => number): PowerCutReport {
  const records = readJournal(journalFile);
  const lastSync = new Map<string, number>();
  for (const record of records) {
    if (record.kind === Kind.Sync || record.kind === Kind.Unlink || record.kind === Kind.FolderSync)
      lastSync.set(record.path, record.index);
  }
  const durable = (record: JournalRecord) =>
    (lastSync.get(record.kind === Kind.Create ? path.dirname(record.path) : record.path) ?? -1) >
    record.index;
  const unsynced = records.filter(
    (record) => (record.kind === Kind.Write || record.kind === Kind.Create) && !durable(record),
  );
  const kept = reachedDisk(unsynced.length);
  if (!Number.isInteger(kept) || kept < 0 || kept > unsynced.length)
    throw new Error(`reachedDisk gave ${kept}, not a count from 0 to ${unsynced.length}.`);
  const lost = unsynced.slice(kept).reverse();
  for (const record of lost) {
    if (record.kind === Kind.Create) fs.rmSync(record.path, { force: true });
    else if (fs.existsSync(record.path)) undoWrite(record);
  }
  return { unsynced: unsynced.length, lost: lost.length };
}

function undoWrite(record: JournalRecord): void {
  const fd = fs.openSync(record.path, 'r+');
  try {
    fs.writeSync(fd, record.oldBytes, 0, record.oldBytes.length, record.offset);
    fs.ftruncateSync(fd, record.oldSize);
  } finally {
    fs.closeSync(fd);
  }
}
