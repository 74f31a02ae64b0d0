export {
  commitDrafts,
  type CommitOptions,
  type CommitResult,
  type EarlierCommit,
  type LabelRef,
} from './commit.js';
export { CommitDriftError } from './errors.js';
export { formatDuration } from './lifecycle.js';
export { ROWS_PER_INSERT } from './steps.js';
export type { Drift } from './drift.js';
export type { CommitStep } from './journal.js';
