import type { RecordField, RecordShape, RecordValues } from '../../../shared/labels.js';
import { normaliseValue } from '../../../shared/records.js';

/**
 * The labeling form: what the user typed per column (strings; booleans as 'true'/'false'), checked
 * against the feature's record shape before anything is sent, with the very rules and sentences main
 * uses (shared/records.ts), so what the form accepts main accepts.
 */
export type FormInput = Record<string, string>;

export type FormCheck = { ok: true; values: RecordValues } | { ok: false; errors: Record<string, string> };

/** Save of the values form: every field, or (bulk edits) only the columns the user touched. */
export interface FormSubmission {
  values: RecordValues;
  /** Set for a bulk edit: the columns to change; each target keeps its other values. */
  only?: string[];
}

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

/**
 * Checks what the user typed. `only` (a bulk edit) checks just those columns: the others are not sent,
 * so a required one left empty is not missing (each image keeps its own value).
 */
export function checkForm(shape: RecordShape, input: FormInput, only?: ReadonlySet<string>): FormCheck {
  const errors: Record<string, string> = {};
  const values: RecordValues = {};
  for (const field of shape.fields) {
    if (only && !only.has(field.column)) continue;
    const raw = (input[field.column] ?? '').trim();
    if (raw === '') {
      if (field.required) errors[field.column] = `${field.column} is required.`;
      values[field.column] = null;
      continue;
    }
    const checked = normaliseValue(field, raw);
    if (typeof checked === 'object' && checked !== null && 'reason' in checked)
      errors[field.column] = checked.reason;
    else values[field.column] = checked;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, values };
}

/** The first term column: what digits set, what tiles and the agreement view show. */
export function labelColumn(shape: RecordShape): RecordField | null {
  return shape.fields.find((field) => field.kind === 'term') ?? null;
}

/**
 * Where the cursor starts in the form: the first value field not preset (E on an image goes straight to
 * Confidence, so "0.8" typed next lands there), else the first field not preset.
 */
export function firstFieldToFill(shape: RecordShape, preset: RecordValues): string | undefined {
  const open = (field: RecordField) => !(field.column in preset);
  return valueFields(shape).find(open)?.column ?? shape.fields.find(open)?.column ?? shape.fields[0]?.column;
}

/** What a number field accepts, in words: "number from 0 to 1", "whole number (int4)". */
export function describeField(field: RecordField): string {
  const range = field.range ? ` from ${field.range.min} to ${field.range.max}` : '';
  switch (field.kind) {
    case 'term':
      return 'term';
    case 'integer':
      return `whole number (${field.type})${range}`;
    case 'float':
      return `number${range}`;
    case 'boolean':
      return 'true / false';
    case 'date':
      return 'date';
    case 'asset':
      return 'asset RID';
    default:
      return 'text';
  }
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
