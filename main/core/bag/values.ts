import type { CellValue } from '../../../shared/bag.js';
import { parsePgArray } from './csv.js';
import type { Column } from './model.js';

/**
 * Conversion of ERMrest CSV text to SQLite values and back. Integers, floats and booleans become
 * SQLite numbers; arrays become JSON text; everything else (dates, timestamps, markdown, RIDs)
 * stays text, as deriva-ml's own bag database keeps it.
 */
export type SqlValue = string | number | bigint | null;
/** Returns the SQLite value, or undefined when the text is not a valid value of the column's type. */
export type ToSql = (text: string) => SqlValue | undefined;
export type FromSql = (value: unknown) => CellValue;

const INTEGER = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^(NaN|[+-]?Infinity)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TRUE_WORDS = new Set(['t', 'T', 'true', 'True', 'TRUE', 'y', 'Y', 'yes', '1']);
const FALSE_WORDS = new Set(['f', 'F', 'false', 'False', 'FALSE', 'n', 'N', 'no', '0']);

export type StorageClass = 'integer' | 'real' | 'boolean' | 'array' | 'json' | 'date' | 'text';

export function storageClass(column: Column): StorageClass {
  if (column.isArray) return 'array';
  switch (column.typename) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'serial2':
    case 'serial4':
    case 'serial8':
      return 'integer';
    case 'float4':
    case 'float8':
    case 'numeric':
      return 'real';
    case 'boolean':
      return 'boolean';
    case 'json':
    case 'jsonb':
      return 'json';
    case 'date':
      return 'date';
    default:
      return 'text';
  }
}

export function sqlType(storage: StorageClass): string {
  switch (storage) {
    case 'integer':
    case 'boolean':
      return 'INTEGER';
    case 'real':
      return 'REAL';
    default:
      return 'TEXT';
  }
}

export function toSqlConverter(storage: StorageClass): ToSql {
  switch (storage) {
    case 'integer':
      return (text) => {
        if (!INTEGER.test(text)) return undefined;
        const number = Number(text);
        return Number.isSafeInteger(number) ? number : BigInt(text);
      };
    case 'real':
      return (text) => (FLOAT.test(text) ? Number(text) : undefined);
    case 'boolean':
      return (text) => (TRUE_WORDS.has(text) ? 1 : FALSE_WORDS.has(text) ? 0 : undefined);
    case 'array':
      return (text) => {
        const items = parsePgArray(text);
        return items ? JSON.stringify(items) : undefined;
      };
    case 'json':
      return (text) => {
        try {
          JSON.parse(text);
          return text;
        } catch {
          return undefined;
        }
      };
    case 'date':
      return (text) => (DATE.test(text) ? text : undefined);
    default:
      return (text) => text;
  }
}

export function fromSqlConverter(storage: StorageClass): FromSql {
  switch (storage) {
    case 'boolean':
      return (value) => (value === null || value === undefined ? null : value === 1 || value === 1n);
    case 'array':
      return (value) => (typeof value === 'string' ? (JSON.parse(value) as string[]) : null);
    case 'integer':
      return (value) => (typeof value === 'bigint' ? value.toString() : ((value as number | null) ?? null));
    default:
      return (value) => (value as string | number | null) ?? null;
  }
}
