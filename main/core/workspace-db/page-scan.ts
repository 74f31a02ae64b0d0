import { draftChecksum, DRAFT_COLUMNS } from './checksum.js';

/**
 * Reads draft rows straight from the pages of a damaged database file, as SQLite's `.recover` does:
 * every index b-tree page (label_drafts is a WITHOUT ROWID table, so its rows live in index pages)
 * that is not on the free list is decoded cell by cell, whatever the state of the pages above it.
 * A row counts only when it has the draft shape and its stored checksum matches its columns, so
 * nothing from another table and nothing damaged gets through.
 */

const INDEX_INTERIOR = 0x02;
const INDEX_LEAF = 0x0a;
const DRAFT_VALUES = DRAFT_COLUMNS.length + 1;

type Value = string | number | bigint | Buffer | null;

export function scanDraftRows(bytes: Buffer): Value[][] {
  const pageSize = pageSizeOf(bytes);
  const usable = pageSize - (bytes[20] ?? 0);
  const pageCount = Math.floor(bytes.length / pageSize);
  const free = freePages(bytes, pageSize, pageCount);
  const rows: Value[][] = [];
  for (let page = 1; page <= pageCount; page++) {
    if (free.has(page)) continue;
    const start = (page - 1) * pageSize;
    const header = start + (page === 1 ? 100 : 0);
    const type = bytes[header];
    if (type !== INDEX_INTERIOR && type !== INDEX_LEAF) continue;
    const cells = bytes.readUInt16BE(header + 3);
    const pointers = header + (type === INDEX_LEAF ? 8 : 12);
    for (let cell = 0; cell < cells && pointers + 2 * cell + 2 <= start + pageSize; cell++) {
      const offset = start + bytes.readUInt16BE(pointers + 2 * cell) + (type === INDEX_INTERIOR ? 4 : 0);
      const row = readCell(bytes, offset, start + pageSize, { pageSize, usable, pageCount });
      if (row && isDraft(row)) rows.push(row);
    }
  }
  return rows;
}

function pageSizeOf(bytes: Buffer): number {
  const raw = bytes.length >= 18 ? bytes.readUInt16BE(16) : 0;
  const size = raw === 1 ? 65_536 : raw;
  return size >= 512 && (size & (size - 1)) === 0 ? size : 4096;
}

/** Trunk and leaf pages of the free list, when the header still points at a sane one. */
function freePages(bytes: Buffer, pageSize: number, pageCount: number): Set<number> {
  const free = new Set<number>();
  let trunk = bytes.length >= 40 ? bytes.readUInt32BE(32) : 0;
  while (trunk > 0 && trunk <= pageCount && !free.has(trunk)) {
    free.add(trunk);
    const start = (trunk - 1) * pageSize;
    const leaves = bytes.readUInt32BE(start + 4);
    if (leaves > (pageSize - 8) / 4) break;
    for (let leaf = 0; leaf < leaves; leaf++) free.add(bytes.readUInt32BE(start + 8 + 4 * leaf));
    trunk = bytes.readUInt32BE(start);
  }
  return free;
}

interface Geometry {
  pageSize: number;
  usable: number;
  pageCount: number;
}

/** The record of one index cell, its overflow pages followed; null when anything is out of bounds. */
function readCell(bytes: Buffer, offset: number, pageEnd: number, geometry: Geometry): Value[] | null {
  try {
    const [payloadSize, sizeLength] = varint(bytes, offset);
    if (payloadSize <= 0 || payloadSize > 1_000_000) return null;
    const { usable } = geometry;
    const maxLocal = Math.floor(((usable - 12) * 64) / 255) - 23;
    const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
    let local = payloadSize;
    if (payloadSize > maxLocal) {
      const spill = minLocal + ((payloadSize - minLocal) % (usable - 4));
      local = spill <= maxLocal ? spill : minLocal;
    }
    const begin = offset + sizeLength;
    if (begin + local > pageEnd) return null;
    const parts = [bytes.subarray(begin, begin + local)];
    let remaining = payloadSize - local;
    let next = remaining > 0 ? bytes.readUInt32BE(begin + local) : 0;
    const seen = new Set<number>();
    while (remaining > 0) {
      if (next < 1 || next > geometry.pageCount || seen.has(next)) return null;
      seen.add(next);
      const start = (next - 1) * geometry.pageSize;
      const take = Math.min(remaining, usable - 4);
      parts.push(bytes.subarray(start + 4, start + 4 + take));
      remaining -= take;
      next = bytes.readUInt32BE(start);
    }
    return decodeRecord(Buffer.concat(parts));
  } catch {
    return null;
  }
}

function decodeRecord(record: Buffer): Value[] | null {
  const [headerSize, first] = varint(record, 0);
  if (headerSize > record.length || headerSize < first) return null;
  const types: number[] = [];
  for (let at = first; at < headerSize;) {
    const [type, length] = varint(record, at);
    types.push(type);
    at += length;
  }
  const values: Value[] = [];
  let at = headerSize;
  for (const type of types) {
    const size = valueSize(type);
    if (size === null || at + size > record.length) return null;
    values.push(valueOf(record, at, type, size));
    at += size;
  }
  return at === record.length ? values : null;
}

function valueSize(type: number): number | null {
  if (type >= 12) return Math.floor((type - (type % 2 === 0 ? 12 : 13)) / 2);
  return [0, 1, 2, 3, 4, 6, 8, 8, 0, 0][type] ?? null;
}

function valueOf(record: Buffer, at: number, type: number, size: number): Value {
  if (type === 0) return null;
  if (type === 8) return 0;
  if (type === 9) return 1;
  if (type === 7) return record.readDoubleBE(at);
  if (type >= 12) {
    const content = record.subarray(at, at + size);
    return type % 2 === 1 ? content.toString('utf8') : Buffer.from(content);
  }
  let value = 0n;
  for (let index = 0; index < size; index++) value = (value << 8n) | BigInt(record[at + index]!);
  const signed = BigInt.asIntN(size * 8, value);
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(signed)
    : signed;
}

/** SQLite's big-endian varint of 1 to 9 bytes: [value, length]. */
function varint(bytes: Buffer, offset: number): [number, number] {
  let value = 0;
  for (let index = 0; index < 8; index++) {
    const byte = bytes[offset + index];
    if (byte === undefined) throw new RangeError('varint past the end');
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return [value, index + 1];
  }
  const last = bytes[offset + 8];
  if (last === undefined) throw new RangeError('varint past the end');
  return [value * 256 + last, 9];
}

function isDraft(row: Value[]): boolean {
  if (row.length !== DRAFT_VALUES) return false;
  const columns = row.slice(0, DRAFT_COLUMNS.length);
  return (
    columns.every((value) => typeof value === 'string') &&
    typeof row[DRAFT_COLUMNS.length] === 'number' &&
    draftChecksum(columns) === row[DRAFT_COLUMNS.length]
  );
}
