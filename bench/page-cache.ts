/**
 * Making a cold start cold: `sync -f` writes the folder's file system's dirty pages out (a page not yet
 * written cannot be dropped), `vmtouch -e` (Debian's vmtouch) asks the kernel to drop the folder's files
 * from the page cache (posix_fadvise POSIX_FADV_DONTNEED on each file), and `vmtouch` then counts how
 * many of their pages are still resident, which the figure reports.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

export const VMTOUCH = '/usr/bin/vmtouch';

export function vmtouchAvailable(): boolean {
  return fs.existsSync(VMTOUCH);
}

export interface Residency {
  residentPages: number;
  totalPages: number;
  files: number;
}

function vmtouch(args: string[]): string {
  const result = spawnSync(VMTOUCH, args, { encoding: 'utf8', timeout: 300_000, maxBuffer: 16 << 20 });
  if (result.error) throw new Error(`vmtouch: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`vmtouch exited with ${result.status}: ${result.stderr.trim()}`);
  return result.stdout;
}

/** How much of the folder's files is in the page cache. */
export function residency(dir: string): Residency {
  const output = vmtouch([dir]);
  const pages = /Resident Pages:\s*(\d+)\/(\d+)/.exec(output);
  const files = /Files:\s*(\d+)/.exec(output);
  if (!pages || !files) throw new Error(`vmtouch printed no page counts for ${dir}`);
  return { residentPages: Number(pages[1]), totalPages: Number(pages[2]), files: Number(files[1]) };
}

/** Evicts the folder's files from the page cache and returns what is left resident. */
export function evictFromPageCache(dir: string): Residency {
  const synced = spawnSync('sync', ['-f', dir], { encoding: 'utf8', timeout: 300_000 });
  if (synced.status !== 0)
    throw new Error(`sync -f ${dir} failed: ${synced.stderr || synced.error?.message}`);
  vmtouch(['-e', '-q', dir]);
  return residency(dir);
}

export function describeResidency({ residentPages, totalPages, files }: Residency): string {
  return `${residentPages} of ${totalPages} pages (${((100 * residentPages) / Math.max(1, totalPages)).toFixed(1)}%) of its ${files} files resident`;
}
