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

function fieldKind(type: string): FieldKind {
  if (type in INTEGER_RANGES) return 'integer';
  if (type === 'float4' || type === 'float8' || type === 'numeric') return 'float';
  if (type === 'boolean') return 'boolean';
  if (type === 'date') return 'date';
  return 'text';
}

export function recordShape(definition: FeatureDefinition): RecordShape {
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
      ...definition.values.map((value) => ({
        column: value.column,
        kind: fieldKind(value.type),
        required: !value.nullok,
        type: value.type,
      })),
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
      return Number.isInteger(number) && number >= min && number <= max
        ? number
        : invalid(`a whole number (${field.type})`);
    }
    case 'float': {
      const number = typeof raw === 'number' ? raw : text !== null && text.trim() !== '' ? Number(text) : NaN;
      return Number.isFinite(number) ? number : invalid('a number');
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
