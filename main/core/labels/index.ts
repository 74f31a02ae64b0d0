export { LabelStore, type BagScope, type Draft, type ActionResult, type HistoryEntry } from './store.js';
export {
  recordShape,
  validateRecord,
  type RecordShape,
  type RecordField,
  type RecordValues,
} from './record.js';
export { cohensKappa, confusionMatrix, fleissKappa, type Confusion, type Ratings } from './agreement.js';
export { exportDrafts, parseDrafts, recordOf, type DraftFormat, type Reject } from './io.js';
export {
  LabelingSession,
  defaultAuthor,
  DRAFTS_RATER,
  type QueueKind,
  type QueueRequest,
  type AgreementReport,
} from './session.js';
