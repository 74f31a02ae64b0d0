/**
 * Memory of Satchel as an Electron app would have it, during and right after the whole-grid scroll of
 * the browser session: the proportional set size (PSS: shared pages split between the processes that
 * share them) of `satchel serve` (Electron's main process, with the API worker thread) plus the
 * Chromium renderer of the page, sampled from /proc every 100 ms. See process-memory.ts for the
 * processes left out and why.
 */
import { browserSession } from './browser-session.js';
import type { BenchContext, Figure } from './context.js';
import { peerlessFigure } from './peerless-figure.js';
import type { AppMemory, ProcessMemory } from './process-memory.js';

const PSS_GOAL_MB = 350;
const MB = 1e6;

/** "chromium renderer 180, node 170, …" (MB, largest first). */
function breakdown(parts: readonly ProcessMemory[]): string {
  return [...parts]
    .sort((a, b) => b.pssBytes - a.pssBytes)
    .map((part) => `${part.label} ${(part.pssBytes / MB).toFixed(0)}`)
    .join(', ')
    .concat(' MB');
}

function describe(memory: AppMemory): string {
  return `counted: ${breakdown(memory.counted)}; left out: ${breakdown(memory.excluded)}`;
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const { memory, members } = await browserSession(context);
  const why =
    "left out are headless Chromium's browser, GPU, zygote and utility (network, storage) processes and any other " +
    'renderer: an Electron window brings its own, and their size is the browser, not Satchel; ' +
    'node is satchel serve, which runs the API worker thread';
  const noPeer = 'no peer: no other viewer of DerivaML bags';
  return [
    peerlessFigure({
      name: 'memory.pss',
      value: memory.peak.pssBytes / MB,
      unit: 'MB',
      goal: { compare: '<', bound: PSS_GOAL_MB },
      note:
        `highest PSS of server + page over ${memory.samples} samples while scrolling the whole grid of ${members} ` +
        `members and 1 s after; ${describe(memory.peak)}; before the scroll, with the bag open and its first ` +
        `screen painted: ${breakdown(memory.first.counted)}; ${why}; ${noPeer}`,
    }),
    peerlessFigure({
      name: 'memory.pss-after-scroll',
      value: memory.last.pssBytes / MB,
      unit: 'MB',
      goal: null,
      note: `PSS of server + page 1 s after the scroll ended; ${describe(memory.last)}; ${noPeer}`,
    }),
    peerlessFigure({
      name: 'memory.rss-all-processes',
      value: memory.peakTree.rssBytes / MB,
      unit: 'MB',
      goal: null,
      note:
        'sum of RSS of every process the benchmark started (servers, every Chromium process), in the sample of the ' +
        `PSS peak: what earlier runs reported as memory.peak-rss; ${noPeer}`,
    }),
  ];
}
