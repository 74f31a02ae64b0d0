/**
 * Agreement between labelers over the same targets: a confusion matrix for two raters, Cohen's
 * kappa for a pair, and Fleiss' kappa over several raters (targets rated by fewer than two are
 * skipped; Fleiss uses the targets rated by every rater, the textbook form).
 */
import type { Confusion } from '../../../shared/labels.js';

export type { Confusion } from '../../../shared/labels.js';
export type Ratings = Map<string, string>;

export function confusionMatrix(first: Ratings, second: Ratings, vocabulary: string[] = []): Confusion {
  const labels = [...new Set([...vocabulary, ...first.values(), ...second.values()])].sort();
  const index = new Map(labels.map((label, position) => [label, position]));
  const matrix = labels.map(() => labels.map(() => 0));
  const targets: Record<string, string[]> = {};
  let shared = 0;
  for (const [target, a] of first) {
    const b = second.get(target);
    if (b === undefined) continue;
    const i = index.get(a)!;
    const j = index.get(b)!;
    matrix[i]![j]! += 1;
    (targets[`${i},${j}`] ??= []).push(target);
    shared++;
  }
  return { labels, matrix, targets, shared };
}

/** Cohen's kappa from a confusion matrix; null when undefined (no shared targets). */
export function cohensKappa(confusion: Confusion): number | null {
  const n = confusion.shared;
  if (n === 0) return null;
  const size = confusion.labels.length;
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < size; i++) {
    observed += confusion.matrix[i]![i]!;
    const rowTotal = confusion.matrix[i]!.reduce((sum, value) => sum + value, 0);
    const columnTotal = confusion.matrix.reduce((sum, row) => sum + row[i]!, 0);
    expected += (rowTotal * columnTotal) / (n * n);
  }
  const po = observed / n;
  if (expected === 1) return po === 1 ? 1 : null;
  return (po - expected) / (1 - expected);
}

/** Fleiss' kappa over the targets every rater labeled; null when fewer than two raters or targets. */
export function fleissKappa(raters: Ratings[]): { kappa: number | null; subjects: number } {
  if (raters.length < 2) return { kappa: null, subjects: 0 };
  const subjects = [...raters[0]!.keys()].filter((target) => raters.every((rater) => rater.has(target)));
  const n = raters.length;
  const N = subjects.length;
  if (N === 0) return { kappa: null, subjects: 0 };
  const categoryTotals = new Map<string, number>();
  let agreementSum = 0;
  for (const subject of subjects) {
    const counts = new Map<string, number>();
    for (const rater of raters) {
      const label = rater.get(subject)!;
      counts.set(label, (counts.get(label) ?? 0) + 1);
      categoryTotals.set(label, (categoryTotals.get(label) ?? 0) + 1);
    }
    let pairs = 0;
    for (const count of counts.values()) pairs += count * (count - 1);
    agreementSum += pairs / (n * (n - 1));
  }
  const pBar = agreementSum / N;
  let pe = 0;
  for (const total of categoryTotals.values()) pe += (total / (N * n)) ** 2;
  if (pe === 1) return { kappa: pBar === 1 ? 1 : null, subjects: N };
  return { kappa: (pBar - pe) / (1 - pe), subjects: N };
}
