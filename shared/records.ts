import type { CellValue, FeatureDefinition } from './bag.js';
import type { FieldKind, RecordField, RecordShape, RecordValues } from './labels.js';

/**
 * The record shape deriva-ml's feature_record_class derives from a feature table: the target column,
 * Feature_Name, then one field per term, value and asset column. Term values must be vocabulary
 * names; value columns are typed from their ERMrest types; nullable columns are optional.
 */
const INTEGER_RANGES: Record<string, [number, number]> = {
  int2: [-32768, 32767],
  int4: [-2147483648, 2147483647],
  int8: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** float4 holds about ±3.4e38; a larger number would be stored as infinity. */
const FLOAT4_LIMIT = 3.4028234663852886e38;

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)`;
const RANGE_PATTERNS = [
  new RegExp(String.raw`\bbetween\s+(${NUMBER})\s+and\s+(${NUMBER})`, 'i'),
  new RegExp(String.raw`\bfrom\s+(${NUMBER})\s+to\s+(${NUMBER})`, 'i'),
  new RegExp(String.raw`\[\s*(${NUMBER})\s*,\s*(${NUMBER})\s*\]`),
];

/**
 * The range a column's comment declares ("Model confidence from 0 to 1", "between 1 and 5", "in [0, 1]"),
 * or null. ERMrest has no range constraint, so the comment is where a model states one.
 */
export function declaredRange(comment: string | null | undefined): { min: number; max: number } | null {
  if (!comment) return null;
  for (const pattern of RANGE_PATTERNS) {
    const match = pattern.exec(comment);
    if (!match) continue;
    const [min, max] = [Number(match[1]), Number(match[2])];
    if (Number.isFinite(min) && Number.isFinite(max) && min < max) return { min, max };
  }
  return null;
}

function fieldKind(type: string): FieldKind {
  if (type in INTEGER_RANGES) return 'integer';
  if (type === 'float4' || type === 'float8' || type === 'numeric') return 'float';
  if (type === 'boolean') return 'boolean';
  if (type === 'date') return 'date';
  return 'text';
}

/** `comments`: the value columns' comments by column, where a declared range may be found. */
export function recordShape(
  definition: FeatureDefinition,
  comments: Record<string, string | null> = {},
): RecordShape {
  return {
    feature: definition.name,
    target: definition.target,
    table: definition.table,
    fields: [
      ...definition.terms.map((term) => ({
        column: term.column,
        kind: 'term' as const,
        required: !term.nullok,
        terms: term.terms.map((entry) => entry.name),
        type: 'text',
      })),
      ...definition.values.map((value) => {
        const kind = fieldKind(value.type);
        const range = kind === 'integer' || kind === 'float' ? declaredRange(comments[value.column]) : null;
        return {
          column: value.column,
          kind,
          required: !value.nullok,
          type: value.type,
          ...(range ? { range } : {}),
        };
      }),
      ...definition.assets.map((asset) => ({
        column: asset.column,
        kind: 'asset' as const,
        required: !asset.nullok,
        type: 'text',
      })),
    ],
  };
}

/** Checks and normalises values; returns them typed, or the reasons (one sentence each) they are invalid. */
export function validateRecord(
  shape: RecordShape,
  values: RecordValues,
): { ok: true; values: RecordValues } | { ok: false; reasons: string[] } {
  const reasons: string[] = [];
  const normalised: RecordValues = {};
  const known = new Set(shape.fields.map((field) => field.column));
  for (const column of Object.keys(values)) {
    if (!known.has(column)) reasons.push(`${shape.feature} has no column ${column}.`);
  }
  for (const field of shape.fields) {
    const raw = values[field.column];
    if (raw === undefined || raw === null || raw === '') {
      if (field.required) reasons.push(`${field.column} is required.`);
      normalised[field.column] = null;
      continue;
    }
    const result = normaliseValue(field, raw);
    if (typeof result === 'object' && result !== null && 'reason' in result) reasons.push(result.reason);
    else normalised[field.column] = result;
  }
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, values: normalised };
}

/** One field's value checked and typed, or the sentence saying why it is not valid. */
export function normaliseValue(field: RecordField, raw: CellValue): CellValue | { reason: string } {
  const text = Array.isArray(raw) ? null : String(raw);
  const invalid = (what: string) => ({ reason: `${field.column} must be ${what}, not "${String(raw)}".` });
  switch (field.kind) {
    case 'term':
      if (text !== null && field.terms?.includes(text)) return text;
      return {
        reason: `${field.column} must be one of ${field.terms?.join(', ') ?? 'its vocabulary'}, not "${String(raw)}".`,
      };
    case 'integer': {
      const number =
        typeof raw === 'number' ? raw : text !== null && /^[+-]?\d+$/.test(text.trim()) ? Number(text) : NaN;
      const [min, max] = INTEGER_RANGES[field.type] ?? INTEGER_RANGES.int8!;
      if (!Number.isInteger(number) || number < min || number > max)
        return invalid(`a whole number (${field.type})`);
      return withinDeclared(field, number, raw);
    }
    case 'float': {
      const number = typeof raw === 'number' ? raw : text !== null && text.trim() !== '' ? Number(text) : NaN;
      if (!Number.isFinite(number)) return invalid('a number');
      if (field.type === 'float4' && Math.abs(number) > FLOAT4_LIMIT)
        return invalid('a number a float4 column can hold (up to about ±3.4e38)');
      return withinDeclared(field, number, raw);
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (text !== null && /^(true|t|yes|y|1)$/i.test(text)) return true;
      if (text !== null && /^(false|f|no|n|0)$/i.test(text)) return false;
      return invalid('true or false');
    case 'date':
      return text !== null && /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text))
        ? text
        : invalid('a date (YYYY-MM-DD)');
    default:
      return text ?? invalid('text');
  }
}

function withinDeclared(field: RecordField, number: number, raw: CellValue): number | { reason: string } {
  const range = field.range;
  if (!range || (number >= range.min && number <= range.max)) return number;
  return { reason: `${field.column} must be between ${range.min} and ${range.max}, not "${String(raw)}".` };
}
