import {
  hasArea,
  regionBounds,
  type Box,
  type Region,
  type RegionAgreementReport,
  type RegionImageComparison,
  type RegionRater,
} from '../../../shared/regions.js';
import { maximumWeightMatching } from './matching.js';

/**
 * Region agreement between two raters. On each image both drew on, the regions with an area
 * (rectangles, polygons, circles, masks) are compared by the IoU of their boxes and paired one-to-one
 * so that the total IoU is largest (Hungarian method); a pair counts as matched when its IoU is at least
 * the threshold (0.5, PASCAL VOC's). Points and lines have no area: they are counted, not matched.
 */

export const DEFAULT_IOU_THRESHOLD = 0.5;

/** Regions per image, of one rater. */
export type RaterDrawings = Map<string, Region[]>;

function boxArea(box: Box): number {
  return Math.max(0, box.x1 - box.x0) * Math.max(0, box.y1 - box.y0);
}

/** Intersection over union of two boxes; 0 when the union has no area. */
export function intersectionOverUnion(a: Box, b: Box): number {
  const intersection = boxArea({
    x0: Math.max(a.x0, b.x0),
    y0: Math.max(a.y0, b.y0),
    x1: Math.min(a.x1, b.x1),
    y1: Math.min(a.y1, b.y1),
  });
  const union = boxArea(a) + boxArea(b) - intersection;
  return union > 0 ? intersection / union : 0;
}

export function compareImage(
  target: string,
  first: readonly Region[],
  second: readonly Region[],
  threshold = DEFAULT_IOU_THRESHOLD,
): RegionImageComparison {
  const areasA = first.filter((region) => hasArea(region.kind));
  const areasB = second.filter((region) => hasArea(region.kind));
  const boxesB = areasB.map(regionBounds);
  const ious = areasA.map((region) => {
    const box = regionBounds(region);
    return boxesB.map((other) => intersectionOverUnion(box, other));
  });
  const admissible = ious.map((row) => row.map((iou) => (iou >= threshold ? iou : 0)));
  const pairs = maximumWeightMatching(admissible);
  let matched = 0;
  let sum = 0;
  let labelMismatches = 0;
  pairs.forEach((column, row) => {
    if (column < 0) return;
    matched++;
    sum += ious[row]![column]!;
    if ((areasA[row]!.label ?? null) !== (areasB[column]!.label ?? null)) labelMismatches++;
  });
  const unmatchedA = areasA.length - matched;
  const unmatchedB = areasB.length - matched;
  return {
    target,
    matched,
    unmatchedA,
    unmatchedB,
    labelMismatches,
    meanIoU: matched > 0 ? sum / matched : null,
    notComparedA: first.length - areasA.length,
    notComparedB: second.length - areasB.length,
    difference: unmatchedA + unmatchedB + labelMismatches + (matched - sum),
  };
}

function raterSummary(id: string, label: string, drawings: RaterDrawings): RegionRater {
  let regions = 0;
  for (const shapes of drawings.values()) regions += shapes.length;
  return { id, label, images: drawings.size, regions };
}

/** Compares two raters (the first two when no pair is given) over every image; the queue is worst first. */
export function regionAgreement(
  raters: Map<string, { label: string; drawings: RaterDrawings }>,
  pair: [string, string] | null,
  threshold = DEFAULT_IOU_THRESHOLD,
  problems: string[] = [],
): RegionAgreementReport {
  const ids = [...raters.keys()];
  const chosen: [string, string] | null =
    pair && raters.has(pair[0]) && raters.has(pair[1]) ? pair : ids.length >= 2 ? [ids[0]!, ids[1]!] : null;
  const report: RegionAgreementReport = {
    threshold,
    raters: ids.map((id) => raterSummary(id, raters.get(id)!.label, raters.get(id)!.drawings)),
    pair: chosen,
    images: 0,
    onlyA: 0,
    onlyB: 0,
    matched: 0,
    unmatchedA: 0,
    unmatchedB: 0,
    labelMismatches: 0,
    meanIoU: null,
    queue: [],
    problems,
  };
  if (!chosen) return report;
  const a = raters.get(chosen[0])!.drawings;
  const b = raters.get(chosen[1])!.drawings;
  let iouSum = 0;
  for (const [target, regions] of a) {
    const other = b.get(target);
    if (!other) {
      report.onlyA++;
      continue;
    }
    const comparison = compareImage(target, regions, other, threshold);
    report.images++;
    report.matched += comparison.matched;
    report.unmatchedA += comparison.unmatchedA;
    report.unmatchedB += comparison.unmatchedB;
    report.labelMismatches += comparison.labelMismatches;
    iouSum += (comparison.meanIoU ?? 0) * comparison.matched;
    report.queue.push(comparison);
  }
  for (const target of b.keys()) if (!a.has(target)) report.onlyB++;
  report.meanIoU = report.matched > 0 ? iouSum / report.matched : null;
  report.queue.sort((x, y) => y.difference - x.difference || x.target.localeCompare(y.target));
  return report;
}
