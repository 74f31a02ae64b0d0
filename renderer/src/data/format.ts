import type { CellValue } from '../../../shared/bag.js';

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

const COUNT_FORMAT = new Intl.NumberFormat();
/** Counts already written out: the labeler shows the same few on every key, and formatting is not cheap. */
const countTexts = new Map<number, string>();
const MAX_COUNT_TEXTS = 1000;

/** A count with the user's digit grouping (what `toLocaleString()` gives). */
export function formatCount(count: number): string {
  let text = countTexts.get(count);
  if (text === undefined) {
    text = COUNT_FORMAT.format(count);
    if (countTexts.size >= MAX_COUNT_TEXTS) countTexts.clear();
    countTexts.set(count, text);
  }
  return text;
}

/** A cell as text: arrays (synonyms, types) joined, booleans spelled out, null empty. */
export function formatCell(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(', ');
  return String(value);
}

export function stringField(row: Record<string, CellValue> | undefined, column: string): string | null {
  const value = row?.[column];
  return typeof value === 'string' && value !== '' ? value : null;
}

const IMAGE_EXTENSIONS = /\.(jpe?g|png|gif|webp|bmp|avif|svg)$/i;

export function looksLikeImage(filename: string | null): boolean {
  return filename !== null && IMAGE_EXTENSIONS.test(filename);
}
