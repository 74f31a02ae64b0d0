/** Memory of a process tree from Linux /proc: RSS (what the goal counts) and PSS (shared pages split fairly). */
import fs from 'node:fs';

export interface ProcessMemory {
  pid: number;
  /** The program and, for Chromium, its process type: "node", "chromium", "chromium renderer"… */
  label: string;
  rssBytes: number;
  pssBytes: number;
}

export interface TreeMemory {
  rssBytes: number;
  pssBytes: number;
  processes: number;
  /** Each process of the sample. */
  parts: ProcessMemory[];
}

/** The sample with the highest RSS sum (with its parts), the highest PSS sum of any sample. */
export interface MemoryPeak extends TreeMemory {
  samples: number;
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null; // The process left between listing and reading.
  }
}

function parentOf(pid: number): number | null {
  const stat = readText(`/proc/${pid}/stat`);
  // The command name (field 2) may hold spaces and parentheses: the fields after it follow the last ')'.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  const parent = Number(fields?.[1]);
  return Number.isInteger(parent) ? parent : null;
}

/** Every process below `root` (not `root` itself). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of fs.readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent === null) continue;
    const siblings = children.get(parent) ?? [];
    siblings.push(pid);
    children.set(parent, siblings);
  }
  const found: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    found.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** A "Name:   1234 kB" line of /proc status-like files, in bytes. */
function kilobytes(text: string | null, name: string): number {
  const match = text?.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'));
  return match ? Number(match[1]) * 1024 : 0;
}

function labelOf(pid: number): string {
  const cmdline = (readText(`/proc/${pid}/cmdline`) ?? '').replace(/\0+$/, '');
  // Chromium's helpers rewrite their command line as one space-separated string.
  const args = cmdline.includes('\0') ? cmdline.split('\0') : cmdline.split(' ');
  const program = args[0]?.split('/').at(-1) ?? '?';
  const option = (name: string): string | undefined =>
    args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
  const subType = option('utility-sub-type')?.split('.').at(-1);
  const browserUi = args.includes('--top-chrome-webui') ? '(browser UI)' : undefined;
  return [program, option('type'), subType, browserUi].filter(Boolean).join(' ');
}

export function treeMemory(pids: readonly number[]): TreeMemory {
  const parts: ProcessMemory[] = [];
  for (const pid of pids) {
    const status = readText(`/proc/${pid}/status`);
    if (status === null) continue;
    parts.push({
      pid,
      label: labelOf(pid),
      rssBytes: kilobytes(status, 'VmRSS'),
      pssBytes: kilobytes(readText(`/proc/${pid}/smaps_rollup`), 'Pss'),
    });
  }
  return {
    rssBytes: parts.reduce((sum, part) => sum + part.rssBytes, 0),
    pssBytes: parts.reduce((sum, part) => sum + part.pssBytes, 0),
    processes: parts.length,
    parts,
  };
}

/**
 * Samples the summed memory of every process below this one (servers, browsers and their helpers)
 * every `intervalMs` until stopped; stop() returns the highest sums seen.
 */
export function sampleDescendantMemory(intervalMs = 100): { stop(): MemoryPeak } {
  const peak: MemoryPeak = { rssBytes: 0, pssBytes: 0, processes: 0, parts: [], samples: 0 };
  const sample = (): void => {
    const now = treeMemory(descendants(process.pid));
    const highestPss = Math.max(peak.pssBytes, now.pssBytes);
    peak.samples++;
    // The RSS peak's sample is kept whole (its parts say where the memory was); PSS peaks on its own.
    if (now.rssBytes > peak.rssBytes) Object.assign(peak, now);
    peak.pssBytes = highestPss;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peak };
    },
  };
}
