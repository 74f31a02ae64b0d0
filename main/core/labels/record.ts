/** Record shapes and validation are shared with the renderer's form: one set of rules and sentences. */
export { normaliseValue, recordShape, validateRecord } from '../../../shared/records.js';
export type { FieldKind, RecordField, RecordShape, RecordValues } from '../../../shared/labels.js';
