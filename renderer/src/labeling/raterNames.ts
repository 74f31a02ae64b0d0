import type { RaterInfo } from '../../../shared/raters.js';

/** Names executions as people read them ("annotator A", "model"); the RID where the bag does not say. */
export function raterNamer(raters: readonly RaterInfo[]): (execution: string) => string {
  const names = new Map(raters.map((rater) => [rater.execution, rater.name]));
  return (execution) => names.get(execution) ?? execution;
}
