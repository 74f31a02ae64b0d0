/**
 * Scrolling the whole thumbnail grid of the synthetic bag in Chromium (browser mode): stretches of
 * steady scrolling at three screens a second, spread from the grid's top to its end, holey members
 * included (see browser-session.ts). A tile counts as blank until its thumbnail is loaded and decoded
 * (or it shows its missing-file state), as the user sees it.
 */
import { browserSession, VIEWPORT } from './browser-session.js';
import { median, syntheticBag, type BenchContext, type Figure } from './context.js';
import { peerlessFigure } from './peerless-figure.js';

const FPS_GOAL = 58;
const BLANK_GOAL_MS = 150;

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await syntheticBag(context);
  const { scroll, scrollPlan, members, columns } = await browserSession(context);
  const intervals = scroll.frameIntervals;
  if (intervals.length === 0) throw new Error('the scroll recorded no frames');
  const setting =
    `${members} Image members (${bag.assetFiles} with JPEG files spread over the grid, the rest holey), ${columns} columns at ` +
    `${VIEWPORT.width}x${VIEWPORT.height}; ${scrollPlan.stretches} stretches of ${scrollPlan.stretchMs / 1000} s at ` +
    `${scrollPlan.screensPerSecond} screens/s (${scroll.gridHeightPx} px each) starting evenly from the top to the end ` +
    `of the ${scroll.scrollHeightPx} px grid (${scroll.distancePx.toFixed(0)} px scrolled, ${scroll.tilesSeen} tiles seen); ` +
    'thumbnails cold except those made while the bag was opened; headless Chromium, software rendering';
  const noPeer = 'no peer: no other viewer of DerivaML bags to scroll';
  const landings = scroll.landingsMs.map((ms) => ms.toFixed(0)).join(', ');
  return [
    peerlessFigure({
      name: 'grid-scroll.fps-median',
      value: 1000 / median(intervals),
      unit: 'fps',
      goal: { compare: '>=', bound: FPS_GOAL },
      note: `${setting}; ${intervals.length} frames while scrolling; ${noPeer}`,
    }),
    peerlessFigure({
      name: 'grid-scroll.longest-frame',
      value: Math.max(...intervals),
      unit: 'ms',
      goal: null,
      note: `the longest interval between two animation frames while scrolling; ${noPeer}`,
    }),
    peerlessFigure({
      name: 'grid-scroll.longest-blank',
      value: scroll.longestBlankMs,
      unit: 'ms',
      goal: { compare: '<=', bound: BLANK_GOAL_MS },
      note:
        'a tile inside the viewport is blank until its thumbnail is loaded and decoded (img.decode()) or it shows ' +
        `its missing-file state; longest for tiles that showed an image ${scroll.longestBlankImageMs.toFixed(0)} ms, ` +
        `for holey ones ${scroll.longestBlankHoleyMs.toFixed(0)} ms; ${scroll.blankEpisodes} blank episodes; the longest ` +
        `wait for a row (members page) was ${scroll.longestPendingMs.toFixed(0)} ms; ${setting}; ${noPeer}`,
    }),
    peerlessFigure({
      name: 'grid-scroll.landing',
      value: Math.max(...scroll.landingsMs),
      unit: 'ms',
      goal: null,
      note:
        `after each jump to a stretch's start (as a scrollbar drag does), the time until every tile on screen was ` +
        `finished, longest of: ${landings} ms (capped at ${scrollPlan.landingTimeoutMs} ms); ${noPeer}`,
    }),
  ];
}
