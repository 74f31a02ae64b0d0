export { commitDrafts, type CommitOptions, type CommitResult } from './commit.js';
export { CommitDriftError } from './errors.js';
export { formatDuration } from './lifecycle.js';
export { bagOrigin, catalogName, CatalogMismatchError, checkCommitTarget } from './origin.js';
export { lastCommitCatalog, planCommit, type CommitPlan, type PlannedDraft } from './preview.js';
export { ROWS_PER_INSERT } from './steps.js';
export type { Drift } from './drift.js';
export type { CommitStep } from './journal.js';
