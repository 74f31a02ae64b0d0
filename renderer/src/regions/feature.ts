import type { RecordShape } from '../../../shared/labels.js';

/** Regions are drawn for features with an asset column: the drawing becomes that column's file. */
export function isRegionFeature(shape: RecordShape | undefined | null): boolean {
  return shape?.fields.some((field) => field.kind === 'asset') ?? false;
}

/** The terms a region may carry: the first term column's vocabulary. */
export function regionTerms(shape: RecordShape): string[] {
  return shape.fields.find((field) => field.kind === 'term')?.terms ?? [];
}
