import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Files and folders written in place and renamed when complete carry the suffix
 * `.partial-<pid>-<random>`, so that what a killed process left behind can be told from the work of a
 * live one.
 */
const STALE_SUFFIX = /\.partial-(\d+)-[0-9a-f]+$/;

export function partialName(finalName: string): string {
  return `${finalName}.partial-${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
}

/**
 * Removes the partial files and folders in `folder` whose process has ended. Tidying only: what cannot
 * be removed now (a read-only disk) is left for a later call.
 */
export function removeStalePartials(folder: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const match = STALE_SUFFIX.exec(name);
    if (!match || isProcessAlive(Number(match[1]))) continue;
    try {
      fs.rmSync(path.join(folder, name), { recursive: true, force: true });
    } catch {
      // Left for the next open.
    }
  }
}

function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
