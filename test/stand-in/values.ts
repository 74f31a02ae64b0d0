// Column types: how ERMrest values are parsed from JSON, CSV and URLs, stored in SQLite and rendered back.
import { formatPgArray, parsePgArray } from './csv.js';

/** What a column value is stored as in SQLite (timestamptz as epoch microseconds, booleans 0/1, arrays and json as JSON text). */
export type SqlValue = string | number | null;

export interface TypeDoc {
  typename: string;
  is_domain?: boolean;
  is_array?: boolean;
  base_type?: TypeDoc;
}

type BaseType = 'text' | 'int' | 'float' | 'boolean' | 'date' | 'timestamptz' | 'timestamp' | 'json';

export interface ValueKind {
  typename: string;
  base: BaseType;
  /** Element kind when the column is an array. */
  element?: ValueKind;
}

const BASE_OF: Record<string, BaseType> = {
  int2: 'int',
  int4: 'int',
  int8: 'int',
  serial2: 'int',
  serial4: 'int',
  serial8: 'int',
  float4: 'float',
  float8: 'float',
  numeric: 'float',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  ermrest_rct: 'timestamptz',
  ermrest_rmt: 'timestamptz',
  json: 'json',
  jsonb: 'json',
};

/** Domains ERMrest reports with `is_domain` and a base type (deriva-protocol.md §6.1). */
const DOMAIN_BASE: Record<string, string> = {
  markdown: 'text',
  longtext: 'text',
  ermrest_uri: 'text',
  ermrest_curie: 'text',
  color_rgb_hex: 'text',
  gene_sequence: 'text',
  url: 'text',
  uri: 'text',
  curie: 'text',
  ermrest_rid: 'text',
  ermrest_rcb: 'text',
  ermrest_rmb: 'text',
  ermrest_rct: 'timestamptz',
  ermrest_rmt: 'timestamptz',
};

const KNOWN_TYPES = new Set([
  'text',
  'boolean',
  'date',
  'float4',
  'float8',
  'int2',
  'int4',
  'int8',
  'serial2',
  'serial4',
  'serial8',
  'timestamptz',
  'timestamp',
  'time',
  'timetz',
  'jsonb',
  'json',
  'uuid',
  'interval',
  'numeric',
  ...Object.keys(DOMAIN_BASE),
]);

export const isKnownTypename = (typename: string): boolean => KNOWN_TYPES.has(typename.replace(/\[\]$/, ''));

/** The full type document ERMrest reports for a type name. */
export function typeDocFor(typename: string): TypeDoc {
  if (typename.endsWith('[]'))
    return { typename, is_array: true, base_type: typeDocFor(typename.slice(0, -2)) };
  const domainBase = DOMAIN_BASE[typename];
  return domainBase ? { typename, is_domain: true, base_type: { typename: domainBase } } : { typename };
}

export function valueKind(typename: string): ValueKind {
  if (typename.endsWith('[]')) return { typename, base: 'json', element: valueKind(typename.slice(0, -2)) };
  return { typename, base: BASE_OF[typename] ?? 'text' };
}

const PG_TYPE_NAMES: Record<string, string> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  serial2: 'smallint',
  serial4: 'integer',
  serial8: 'bigint',
  float4: 'real',
  float8: 'double precision',
  numeric: 'numeric',
  boolean: 'boolean',
  date: 'date',
  timestamptz: 'timestamp with time zone',
  ermrest_rct: 'timestamp with time zone',
  ermrest_rmt: 'timestamp with time zone',
  timestamp: 'timestamp without time zone',
  json: 'json',
  jsonb: 'json',
};

/** A value PostgreSQL would refuse; `message` is PostgreSQL's wording. */
export class ValueError extends Error {}

const invalid = (kind: ValueKind, text: string): ValueError =>
  new ValueError(`invalid input syntax for type ${PG_TYPE_NAMES[kind.typename] ?? kind.typename}: "${text}"`);

/** A value from a JSON request body (what PostgreSQL's json_populate_recordset accepts). */
export function fromJson(kind: ValueKind, value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (kind.element) {
    if (typeof value === 'string') return fromText(kind, value);
    if (!Array.isArray(value)) throw new ValueError(`malformed array literal: "${JSON.stringify(value)}"`);
    return JSON.stringify(value.map((item) => fromJson(kind.element!, item)));
  }
  if (kind.base === 'json') return JSON.stringify(value);
  if (typeof value === 'object') {
    if (kind.base === 'text') return JSON.stringify(value);
    throw invalid(kind, JSON.stringify(value));
  }
  if (kind.base === 'boolean' && typeof value === 'boolean') return value ? 1 : 0;
  if ((kind.base === 'int' || kind.base === 'float') && typeof value === 'number') {
    if (kind.base === 'int' && !Number.isInteger(value)) throw invalid(kind, String(value));
    return value;
  }
  return fromText(kind, String(value));
}

/** A value from text: a CSV cell or a %-decoded URL literal. */
export function fromText(kind: ValueKind, text: string): SqlValue {
  if (kind.element) {
    const items = parsePgArray(text);
    if (!items) throw new ValueError(`malformed array literal: "${text}"`);
    return JSON.stringify(items.map((item) => (item === null ? null : fromText(kind.element!, item))));
  }
  switch (kind.base) {
    case 'text':
      return text;
    case 'int':
      if (!/^\s*[+-]?\d+\s*$/.test(text)) throw invalid(kind, text);
      return Number(text);
    case 'float': {
      const number = Number(text);
      if (text.trim() === '' || Number.isNaN(number)) throw invalid(kind, text);
      return number;
    }
    case 'boolean': {
      const word = text.trim().toLowerCase();
      if (['t', 'true', 'y', 'yes', 'on', '1'].includes(word)) return 1;
      if (['f', 'false', 'n', 'no', 'off', '0'].includes(word)) return 0;
      throw invalid(kind, text);
    }
    case 'date': {
      const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(text.trim());
      if (!match || !validDate(+match[1]!, +match[2]!, +match[3]!)) throw invalid(kind, text);
      return `${match[1]}-${match[2]}-${match[3]}`;
    }
    case 'timestamptz': {
      const microseconds = parseTimestamp(text, true);
      if (microseconds === undefined) throw invalid(kind, text);
      return microseconds;
    }
    case 'timestamp': {
      const microseconds = parseTimestamp(text, false);
      if (microseconds === undefined) throw invalid(kind, text);
      return formatTimestamp(microseconds, ' ', '');
    }
    case 'json':
      try {
        JSON.parse(text);
      } catch {
        throw invalid(kind, text);
      }
      return text;
  }
}

/** A value as ERMrest's JSON representation shows it. */
export function toJson(kind: ValueKind, stored: SqlValue): unknown {
  if (stored === null) return null;
  if (kind.element)
    return (JSON.parse(String(stored)) as SqlValue[]).map((item) => toJson(kind.element!, item));
  switch (kind.base) {
    case 'boolean':
      return stored === 1;
    case 'timestamptz':
      return formatTimestamp(Number(stored), 'T', '+00:00');
    case 'timestamp':
      return String(stored).replace(' ', 'T');
    case 'json':
      return JSON.parse(String(stored));
    default:
      return stored;
  }
}

/** A value as ERMrest's CSV shows it; null for an empty (NULL) field. */
export function toCsv(kind: ValueKind, stored: SqlValue): string | null {
  if (stored === null) return null;
  if (kind.element) {
    const items = JSON.parse(String(stored)) as SqlValue[];
    // ERMrest's CSV cannot tell an empty array from NULL (fixtures README, surprise 3).
    return items.length === 0 ? null : formatPgArray(items.map((item) => toCsv(kind.element!, item)));
  }
  switch (kind.base) {
    case 'boolean':
      return stored === 1 ? 't' : 'f';
    case 'timestamptz':
      return formatTimestamp(Number(stored), ' ', '+00');
    case 'json':
      return pgJsonText(JSON.parse(String(stored)));
    default:
      return String(stored);
  }
}

/** jsonb's text output: `{"a": 1, "b": [1, 2]}`. */
function pgJsonText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pgJsonText).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}: ${pgJsonText(item)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value);
}

function validDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Epoch microseconds of an ISO-ish timestamp; a missing zone means UTC (the server's zone). */
export function parseTimestamp(text: string, withZone: boolean): number | undefined {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  if (!validDate(+year!, +month!, +day!) || +hour > 23 || +minute > 59 || +second > 60) return undefined;
  let offsetMinutes = 0;
  if (withZone && zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes =
      (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
  }
  const micros = Math.round(Number((fraction + '000000').slice(0, 7)) / 10);
  return (
    (Date.UTC(+year!, +month! - 1, +day!, +hour, +minute, +second) - offsetMinutes * 60_000) * 1000 + micros
  );
}

/** `2026-11-23 20:03:14.171746+00` style; trailing zeros of the fraction dropped as PostgreSQL does. */
export function formatTimestamp(microseconds: number, separator: 'T' | ' ', zone: string): string {
  const seconds = Math.floor(microseconds / 1_000_000);
  const fraction = microseconds - seconds * 1_000_000;
  const iso = new Date(seconds * 1000).toISOString();
  const digits = fraction ? '.' + String(fraction).padStart(6, '0').replace(/0+$/, '') : '';
  return `${iso.slice(0, 10)}${separator}${iso.slice(11, 19)}${digits}${zone}`;
}
