/** Memory of a process tree from Linux /proc: RSS, and PSS (shared pages split between the processes sharing them). */
import fs from 'node:fs';

export interface ProcessMemory {
  pid: number;
  parent: number | null;
  /** The command line, its arguments separated by spaces. */
  command: string;
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
      parent: parentOf(pid),
      label: labelOf(pid),
      command: (readText(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ').trim(),
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
 * What an Electron app's memory would be, out of a browser-mode sample: the `satchel serve` processes
 * with everything they started (Electron's main process, which also runs the API worker thread) and
 * the Chromium renderer of the page (the window's renderer: the renderer with the most PSS, the page
 * being the only one open). Chromium's browser, GPU, zygote and utility processes and any other
 * renderer are left out: an Electron window has its own, smaller ones of those, so counting headless
 * Chromium's would measure the browser rather than Satchel.
 */
export interface AppMemory {
  pssBytes: number;
  rssBytes: number;
  counted: ProcessMemory[];
  excluded: ProcessMemory[];
}

export function appMemory(sample: TreeMemory): AppMemory {
  const servers = new Set(
    sample.parts.filter((part) => /satchel\.js serve\b/.test(part.command)).map((part) => part.pid),
  );
  // Their children (processes they started) count as Satchel's too.
  for (let grew = true; grew;) {
    grew = false;
    for (const part of sample.parts) {
      if (part.parent !== null && servers.has(part.parent) && !servers.has(part.pid)) {
        servers.add(part.pid);
        grew = true;
      }
    }
  }
  const renderers = sample.parts
    .filter((part) => part.label.startsWith('chromium renderer') || part.label.startsWith('chrome renderer'))
    .sort((a, b) => b.pssBytes - a.pssBytes);
  const page = renderers[0];
  const counted = sample.parts.filter((part) => servers.has(part.pid) || part === page);
  const excluded = sample.parts.filter((part) => !counted.includes(part));
  return {
    pssBytes: counted.reduce((sum, part) => sum + part.pssBytes, 0),
    rssBytes: counted.reduce((sum, part) => sum + part.rssBytes, 0),
    counted,
    excluded,
  };
}

export interface MemoryRecord {
  /** The first sample (taken when sampling starts), the one in which Satchel's server and page had the most PSS, and the last. */
  first: AppMemory;
  peak: AppMemory;
  last: AppMemory;
  /** The whole tree in the peak sample, as the figure used to count it (every Chromium process by RSS). */
  peakTree: TreeMemory;
  samples: number;
}

/** Samples every process below this one every `intervalMs` until stopped; see appMemory for what counts. */
export function sampleAppMemory(intervalMs = 100): { stop(): MemoryRecord } {
  let record: MemoryRecord | null = null;
  const sample = (): void => {
    const tree = treeMemory(descendants(process.pid));
    const app = appMemory(tree);
    if (!record) record = { first: app, peak: app, last: app, peakTree: tree, samples: 0 };
    record.samples++;
    record.last = app;
    if (app.pssBytes > record.peak.pssBytes) Object.assign(record, { peak: app, peakTree: tree });
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return record!;
    },
  };
}
