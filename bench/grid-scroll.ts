/**
 * Smoothness of the thumbnail grid over the synthetic bag's members in Chromium (browser mode):
 * a steady programmatic scroll from the top, frame rate from requestAnimationFrame timestamps and the
 * longest time a visible tile stayed blank.
 */
import { browserSession, SCROLL_PX_PER_SECOND, VIEWPORT } from './browser-session.js';
import { median, syntheticBag, type BenchContext, type Figure } from './context.js';
import { peerlessFigure } from './peerless-figure.js';

const FPS_GOAL = 58;
const BLANK_GOAL_MS = 150;

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await syntheticBag(context);
  const { scroll, members, columns } = await browserSession(context);
  const intervals = scroll.frameTimes.slice(1).map((time, index) => time - scroll.frameTimes[index]!);
  if (intervals.length === 0) throw new Error('the scroll recorded no frames');
  const setting =
    `${members} Image members (${bag.assetFiles} with JPEG files, the rest holey), ${columns} columns at ` +
    `${VIEWPORT.width}x${VIEWPORT.height}; steady ${SCROLL_PX_PER_SECOND} px/s from the top for ` +
    `${(scroll.durationMs / 1000).toFixed(1)} s (${scroll.distancePx.toFixed(0)} px, ${scroll.tilesSeen} tiles seen); ` +
    'thumbnails cold except those made while the bag was opened; headless Chromium, software rendering';
  const noPeer = 'no peer: no other viewer of DerivaML bags to scroll';
  return [
    peerlessFigure({
      name: 'grid-scroll.fps-median',
      value: 1000 / median(intervals),
      unit: 'fps',
      goal: { compare: '>=', bound: FPS_GOAL },
      note: `${setting}; ${intervals.length} frames; ${noPeer}`,
    }),
    peerlessFigure({
      name: 'grid-scroll.longest-frame',
      value: Math.max(...intervals),
      unit: 'ms',
      goal: null,
      note: `the longest interval between two animation frames during the same scroll; ${noPeer}`,
    }),
    peerlessFigure({
      name: 'grid-scroll.longest-blank',
      value: scroll.longestBlankMs,
      unit: 'ms',
      goal: { compare: '<=', bound: BLANK_GOAL_MS },
      note:
        `a tile is blank while inside the viewport without its thumbnail or missing-file state; ` +
        `${scroll.blankEpisodes} blank episodes; the longest wait for a row (members page) was ` +
        `${scroll.longestPendingMs.toFixed(0)} ms, the rest is the thumbnail; ${setting}; ${noPeer}`,
    }),
  ];
}
