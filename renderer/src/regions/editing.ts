import type { DrawnRegion, ImageSize, RegionPoint } from '../../../shared/regions.js';
import { clampPoint } from './geometry.js';

/** Edits of an image's list of regions, each returning a new list (the store keeps the old for undo's sake). */

export function replaceAt(
  regions: readonly DrawnRegion[],
  index: number,
  region: DrawnRegion,
): DrawnRegion[] {
  return regions.map((current, at) => (at === index ? region : current));
}

export function removeAt(regions: readonly DrawnRegion[], index: number): DrawnRegion[] {
  return regions.filter((_, at) => at !== index);
}

export function labelAt(regions: readonly DrawnRegion[], index: number, label: string | null): DrawnRegion[] {
  return regions.map((current, at) => (at === index ? { ...current, label } : current));
}

/** The next region for Tab (or the previous for Shift+Tab), wrapping around; null when there is none. */
export function cycle(count: number, current: number | null, backwards: boolean): number | null {
  if (count === 0) return null;
  if (current === null) return backwards ? count - 1 : 0;
  return (current + (backwards ? count - 1 : 1)) % count;
}

/** Regions of another image placed on this one: clipped to its size, degenerate leftovers dropped. */
export function copyOnto(regions: readonly DrawnRegion[], size: ImageSize): DrawnRegion[] {
  return regions
    .map((region) => ({
      ...region,
      points: region.points.map((point) => clampPoint(point, size) as RegionPoint),
    }))
    .filter((region) => {
      if (region.kind === 'point') return true;
      const xs = region.points.map(([x]) => x);
      const ys = region.points.map(([, y]) => y);
      return Math.max(...xs) > Math.min(...xs) && Math.max(...ys) > Math.min(...ys);
    });
}
