import type { FeatureDefinition } from '../../../shared/bag.js';
import type { Draft, LabelChange } from '../../../shared/labels.js';

/** Drafts of the chosen feature known to the renderer: a Draft, null (known: none), absent (not asked yet). */
export type DraftMap = Map<string, Draft | null>;

/** Records what a LabelChange says about the targets it touched: their draft now, or none. */
export function applyChange(drafts: DraftMap, change: Pick<LabelChange, 'targets' | 'drafts'>): void {
  for (const target of change.targets) drafts.set(target, null);
  for (const draft of change.drafts) drafts.set(draft.target, draft);
}

/** Records the answer of `labels:drafts` for `asked`: the ones without a draft have none. */
export function applyDrafts(drafts: DraftMap, asked: readonly string[], found: readonly Draft[]): void {
  for (const target of asked) drafts.set(target, null);
  for (const draft of found) drafts.set(draft.target, draft);
}

/** Positions in the queue of the targets a change touched, in queue order (those outside the queue are left out). */
export function positionsOf(targets: readonly string[], positions: ReadonlyMap<string, number>): number[] {
  const found = new Set<number>();
  for (const target of targets) {
    const position = positions.get(target);
    if (position !== undefined) found.add(position);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * What the grid marks on a tile for the user's own drafts while browsing: per target, each drafted
 * feature's term (or first value), so drafts are never out of sight outside label mode.
 */
export function draftMarks(
  drafts: readonly Draft[],
  definitions: readonly FeatureDefinition[],
): Record<string, string[]> {
  const marks: Record<string, string[]> = {};
  for (const draft of drafts) {
    const definition = definitions.find(
      (candidate) => candidate.name === draft.featureName && candidate.target === draft.targetTable,
    );
    const column = definition?.termColumns[0] ?? definition?.valueColumns[0];
    const value =
      (column === undefined ? undefined : draft.values[column]) ??
      Object.values(draft.values).find((candidate) => candidate !== null && candidate !== undefined);
    const text =
      value === null || value === undefined ? '✓' : Array.isArray(value) ? value.join(', ') : String(value);
    (marks[draft.target] ??= []).push(text);
  }
  return marks;
}
