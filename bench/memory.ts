/**
 * Peak memory during the grid scroll of the browser session: every process this benchmark started
 * (satchel serve with its API worker thread, Chromium's browser, renderer, GPU and utility processes),
 * sampled from /proc every 100 ms and summed per sample.
 */
import { browserSession } from './browser-session.js';
import type { BenchContext, Figure } from './context.js';
import { peerlessFigure } from './peerless-figure.js';
import type { ProcessMemory } from './process-memory.js';

const RSS_GOAL_MB = 350;
const MB = 1e6;

/** "chromium renderer 2x: 180+80, node 170, …" (MB, largest groups first). */
function breakdown(parts: readonly ProcessMemory[], measure: 'rssBytes' | 'pssBytes'): string {
  const groups = new Map<string, number[]>();
  for (const part of parts) groups.set(part.label, [...(groups.get(part.label) ?? []), part[measure] / MB]);
  const total = (values: number[]): number => values.reduce((sum, value) => sum + value, 0);
  return [...groups]
    .sort(([, a], [, b]) => total(b) - total(a))
    .map(([label, values]) =>
      values.length === 1
        ? `${label} ${values[0]!.toFixed(0)}`
        : `${label} ${values.length}x: ${values.map((value) => value.toFixed(0)).join('+')}`,
    )
    .join(', ')
    .concat(' MB');
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const { memory, members } = await browserSession(context);
  const setting = (measure: 'rssBytes' | 'pssBytes'): string =>
    `${members} Image members, grid scrolling; in the sample with the highest RSS, ${memory.processes} processes: ` +
    `${breakdown(memory.parts, measure)}; ${memory.samples} samples every 100 ms`;
  const noPeer = 'no peer: no other viewer of DerivaML bags';
  return [
    peerlessFigure({
      name: 'memory.peak-rss',
      value: memory.rssBytes / MB,
      unit: 'MB',
      goal: { compare: '<', bound: RSS_GOAL_MB },
      note:
        `sum of VmRSS, so pages shared between Chromium processes count once per process; ` +
        `node is satchel serve with its API worker thread; ${setting('rssBytes')}; ${noPeer}`,
    }),
    peerlessFigure({
      name: 'memory.peak-pss',
      value: memory.pssBytes / MB,
      unit: 'MB',
      goal: null,
      note: `highest sum of Pss (smaps_rollup: shared pages split between their processes); ${setting('pssBytes')}; ${noPeer}`,
    }),
  ];
}
