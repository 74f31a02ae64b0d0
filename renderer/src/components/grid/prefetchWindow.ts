/** How far beyond the visible range the grid prepares thumbnails: further ahead the faster it scrolls. */

/** Members beyond each end of the visible range prepared while the grid stands still. */
export const PREFETCH_MARGIN = 150;
/** The most members prepared ahead in the direction of a scroll. */
export const MAX_AHEAD = 500;
/** A moving grid prepares what the scroll reaches in this time. */
const LOOKAHEAD_SECONDS = 1.5;
/** Renders further apart than this are a new scroll, not the same one. */
const SAME_SCROLL_MS = 1000;

export interface VisibleStart {
  /** Index of the first visible member. */
  start: number;
  /** When it was visible (performance.now()). */
  at: number;
}

export interface PrefetchMargins {
  before: number;
  after: number;
}

/** Members per second the first visible member moved since the previous render; 0 after a pause. */
export function scrollVelocity(previous: VisibleStart | null, current: VisibleStart): number {
  if (!previous || current.at <= previous.at || current.at - previous.at > SAME_SCROLL_MS) return 0;
  return ((current.start - previous.start) * 1000) / (current.at - previous.at);
}

/** Members to prepare before and after the visible range at `velocity` members per second. */
export function prefetchMargins(velocity: number): PrefetchMargins {
  if (velocity === 0) return { before: PREFETCH_MARGIN, after: PREFETCH_MARGIN };
  const ahead = Math.min(MAX_AHEAD, PREFETCH_MARGIN + Math.round(Math.abs(velocity) * LOOKAHEAD_SECONDS));
  const behind = Math.round(PREFETCH_MARGIN / 3);
  return velocity > 0 ? { before: behind, after: ahead } : { before: ahead, after: behind };
}
