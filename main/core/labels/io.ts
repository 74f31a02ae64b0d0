import type { CellValue } from '../../../shared/bag.js';
import { CsvParser } from '../bag/index.js';
import type { Draft } from './store.js';
import { validateRecord, type RecordShape, type RecordValues } from './record.js';

/**
 * Drafts as files: JSON lines in the shape of deriva-ml's FeatureRecord.model_dump() (Execution
 * empty until commit, Feature_Name, RCT empty, the target column, then the feature columns) or CSV
 * with the same columns. Imports validate every record and report rejects by line.
 */
export type DraftFormat = 'jsonl' | 'csv';

export interface ImportedRecord {
  line: number;
  target: string;
  values: RecordValues;
}

export interface Reject {
  line: number;
  reason: string;
}

function columnsOf(shape: RecordShape): string[] {
  return ['Execution', 'Feature_Name', 'RCT', shape.target, ...shape.fields.map((field) => field.column)];
}

export function recordOf(
  shape: RecordShape,
  draft: Pick<Draft, 'target' | 'values'>,
): Record<string, CellValue> {
  const record: Record<string, CellValue> = {
    Execution: null,
    Feature_Name: shape.feature,
    RCT: null,
    [shape.target]: draft.target,
  };
  for (const field of shape.fields) record[field.column] = draft.values[field.column] ?? null;
  return record;
}

export function exportDrafts(
  shape: RecordShape,
  drafts: Pick<Draft, 'target' | 'values'>[],
  format: DraftFormat,
): string {
  if (format === 'jsonl')
    return drafts.map((draft) => `${JSON.stringify(recordOf(shape, draft))}\n`).join('');
  const columns = columnsOf(shape);
  const lines = drafts.map((draft) => {
    const record = recordOf(shape, draft);
    return columns.map((column) => csvCell(record[column] ?? null)).join(',');
  });
  return [columns.join(','), ...lines].map((line) => `${line}\n`).join('');
}

function csvCell(value: CellValue): string {
  if (value === null) return '';
  const text = Array.isArray(value) ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Parses and validates a drafts file; `knownTarget` says whether a RID is a member the bag holds. */
export function parseDrafts(
  shape: RecordShape,
  text: string,
  format: DraftFormat,
  knownTarget: (rid: string) => boolean,
): { records: ImportedRecord[]; rejects: Reject[] } {
  const raw = format === 'jsonl' ? jsonLines(text) : csvRecords(text, shape);
  const records: ImportedRecord[] = [];
  const rejects: Reject[] = [];
  const seen = new Map<string, number>();
  for (const entry of raw) {
    if ('reason' in entry) {
      rejects.push(entry);
      continue;
    }
    const reason = checkRecord(shape, entry.record, knownTarget, seen, entry.line);
    if (typeof reason === 'string') rejects.push({ line: entry.line, reason });
    else records.push({ line: entry.line, ...reason });
  }
  return { records, rejects };
}

function checkRecord(
  shape: RecordShape,
  record: Record<string, CellValue>,
  knownTarget: (rid: string) => boolean,
  seen: Map<string, number>,
  line: number,
): string | { target: string; values: RecordValues } {
  const allowed = new Set(columnsOf(shape));
  const extra = Object.keys(record).find((key) => !allowed.has(key));
  if (extra) return `the field ${extra} is not part of a ${shape.feature} record.`;
  if (
    record.Feature_Name !== undefined &&
    record.Feature_Name !== null &&
    record.Feature_Name !== shape.feature
  ) {
    return `Feature_Name is "${String(record.Feature_Name)}", not "${shape.feature}".`;
  }
  if (record.Execution !== undefined && record.Execution !== null && record.Execution !== '') {
    return `Execution must be empty in a draft (it is set when the labels are committed).`;
  }
  const target = record[shape.target];
  if (typeof target !== 'string' || target === '') return `the ${shape.target} column is missing.`;
  if (!knownTarget(target)) return `${shape.target} ${target} is not in this bag.`;
  const earlier = seen.get(target);
  if (earlier !== undefined)
    return `${shape.target} ${target} already has a record on line ${earlier}; one value per target.`;
  const values: RecordValues = {};
  for (const field of shape.fields) values[field.column] = record[field.column] ?? null;
  const checked = validateRecord(shape, values);
  if (!checked.ok) return checked.reasons.join(' ');
  seen.set(target, line);
  return { target, values: checked.values };
}

type RawEntry = { line: number; record: Record<string, CellValue> } | Reject;

function jsonLines(text: string): RawEntry[] {
  const entries: RawEntry[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        entries.push({ line: index + 1, reason: 'the line is not a JSON object.' });
      } else {
        entries.push({ line: index + 1, record: value as Record<string, CellValue> });
      }
    } catch {
      entries.push({ line: index + 1, reason: 'the line is not valid JSON.' });
    }
  });
  return entries;
}

function csvRecords(text: string, shape: RecordShape): RawEntry[] {
  const entries: RawEntry[] = [];
  let header: string[] | null = null;
  const parser = new CsvParser('drafts.csv', (fields, line) => {
    if (!header) {
      header = fields.map((field) => field ?? '');
      return;
    }
    if (fields.length !== header.length) {
      entries.push({ line, reason: `the row has ${fields.length} fields, the header ${header.length}.` });
      return;
    }
    const record: Record<string, CellValue> = {};
    header.forEach((column, index) => {
      record[column] = fields[index] ?? null;
    });
    entries.push({ line, record });
  });
  parser.push(text);
  parser.finish();
  if (!header)
    entries.push({ line: 1, reason: `the file is empty; expected a header with ${shape.target}.` });
  return entries;
}
