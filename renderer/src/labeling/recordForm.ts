import type { CellValue } from '../../../shared/bag.js';
import type { RecordField, RecordShape, RecordValues } from '../../../shared/labels.js';

/**
 * The labeling form: what the user typed per column (strings; booleans as 'true'/'false'), checked
 * against the feature's record shape before anything is sent. The rules and sentences are main's
 * (main/core/labels/record.ts, which refuses the same records), so what the form accepts main accepts.
 */
export type FormInput = Record<string, string>;

export type FormCheck = { ok: true; values: RecordValues } | { ok: false; errors: Record<string, string> };

const INTEGER_RANGES: Record<string, [number, number]> = {
  int2: [-32768, 32767],
  int4: [-2147483648, 2147483647],
  int8: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** The form's starting text: the draft's values, else empty; `preset` (a chosen term) wins. */
export function formInput(
  shape: RecordShape,
  values: RecordValues | null,
  preset: RecordValues = {},
): FormInput {
  const input: FormInput = {};
  for (const field of shape.fields) {
    const value = field.column in preset ? preset[field.column] : values?.[field.column];
    input[field.column] =
      value === null || value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return input;
}

export function checkForm(shape: RecordShape, input: FormInput): FormCheck {
  const errors: Record<string, string> = {};
  const values: RecordValues = {};
  for (const field of shape.fields) {
    const raw = (input[field.column] ?? '').trim();
    if (raw === '') {
      if (field.required) errors[field.column] = `${field.column} is required.`;
      values[field.column] = null;
      continue;
    }
    const checked = checkValue(field, raw);
    if (typeof checked === 'object' && checked !== null && 'reason' in checked)
      errors[field.column] = checked.reason;
    else values[field.column] = checked;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values };
}

function checkValue(field: RecordField, text: string): CellValue | { reason: string } {
  const invalid = (what: string) => ({ reason: `${field.column} must be ${what}, not "${text}".` });
  switch (field.kind) {
    case 'term':
      return field.terms?.includes(text)
        ? text
        : {
            reason: `${field.column} must be one of ${field.terms?.join(', ') ?? 'its vocabulary'}, not "${text}".`,
          };
    case 'integer': {
      const [min, max] = INTEGER_RANGES[field.type] ?? INTEGER_RANGES.int8!;
      const number = /^[+-]?\d+$/.test(text) ? Number(text) : NaN;
      return Number.isInteger(number) && number >= min && number <= max
        ? number
        : invalid(`a whole number (${field.type})`);
    }
    case 'float': {
      const number = Number(text);
      return Number.isFinite(number) ? number : invalid('a number');
    }
    case 'boolean':
      if (/^(true|t|yes|y|1)$/i.test(text)) return true;
      if (/^(false|f|no|n|0)$/i.test(text)) return false;
      return invalid('true or false');
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text))
        ? text
        : invalid('a date (YYYY-MM-DD)');
    default:
      return text;
  }
}

/** The first term column: what digits set, what tiles and the agreement view show. */
export function labelColumn(shape: RecordShape): RecordField | null {
  return shape.fields.find((field) => field.kind === 'term') ?? null;
}

/** Columns other than the first term column: the ones only the form can fill. */
export function valueFields(shape: RecordShape): RecordField[] {
  const label = labelColumn(shape);
  return shape.fields.filter((field) => field !== label);
}

/** A required column a term key cannot fill: setting a term alone would be refused, so the form opens. */
export function needsForm(shape: RecordShape, values: RecordValues): boolean {
  return valueFields(shape).some((field) => field.required && (values[field.column] ?? null) === null);
}

/** What a draft shows on a tile: its term, else its first value. */
export function draftText(shape: RecordShape, values: RecordValues): string {
  const label = labelColumn(shape);
  const value = label
    ? values[label.column]
    : shape.fields.map((field) => values[field.column]).find((v) => v !== null && v !== undefined);
  if (value === null || value === undefined) return '✓';
  return Array.isArray(value) ? value.join(', ') : String(value);
}
