// ERMrest's data representations: JSON arrays, CSV and JSON streams (deriva-protocol.md §8.5).
import { formatCsvRow } from './csv.js';
import type { RowSet } from './query.js';
import { toCsv, toJson } from './values.js';

export type Representation = 'json' | 'csv' | 'json-stream';

export const CONTENT_TYPES: Record<Representation, string> = {
  json: 'application/json',
  csv: 'text/csv',
  'json-stream': 'application/x-json-stream',
};

/** Picks the representation from `?accept=` first, then the Accept header; JSON by default. */
export function negotiate(acceptParameter: string | null, acceptHeader: string | undefined): Representation {
  const wanted = (acceptParameter ?? acceptHeader ?? '').toLowerCase();
  if (/(^|[\s,])(csv|text\/csv)\b/.test(wanted)) return 'csv';
  if (/x-json-stream/.test(wanted)) return 'json-stream';
  return 'json';
}

/**
 * Serializes rows by hand rather than with JSON.stringify of objects, because ERMrest's insert
 * responses repeat the system columns (duplicate keys in JSON, duplicate header names in CSV).
 */
export function renderRows(rowSet: RowSet, representation: Representation): string {
  const { columns, rows } = rowSet;
  if (representation === 'csv') {
    return (
      formatCsvRow(columns.map((column) => column.name)) +
      rows.map((row) => formatCsvRow(row.map((value, index) => toCsv(columns[index]!.kind, value)))).join('')
    );
  }
  const objects = rows.map(
    (row) =>
      `{${row.map((value, index) => `${JSON.stringify(columns[index]!.name)}:${JSON.stringify(toJson(columns[index]!.kind, value))}`).join(',')}}`,
  );
  return representation === 'json'
    ? `[${objects.join(',\n ')}]\n`
    : objects.map((line) => line + '\n').join('');
}
