import { DRAFTS_RATER } from '../../stores/regions/index.js';

const PALETTE = ['#4fc3f7', '#f06292', '#81c784', '#ba68c8', '#ff8a65', '#4db6ac', '#9575cd'];
const assigned = new Map<string, string>();

/** A stable colour per rater for the session: the drafts are always yellow. */
export function raterColour(rater: string | null): string {
  if (rater === DRAFTS_RATER) return '#ffd54a';
  const key = rater ?? '';
  let colour = assigned.get(key);
  if (!colour) {
    colour = PALETTE[assigned.size % PALETTE.length]!;
    assigned.set(key, colour);
  }
  return colour;
}
