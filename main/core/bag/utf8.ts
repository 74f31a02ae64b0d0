import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import { SatchelError } from '../common/index.js';

/**
 * Bags are UTF-8 (bagit.txt says so). Text is checked before it is decoded, so a stray Latin-1 byte
 * is reported where it is instead of becoming U+FFFD in the database.
 */

/** Throws, naming the line and column, if `bytes` (a whole file) is not UTF-8. */
export function requireUtf8(bytes: Buffer, label: string): void {
  if (isUtf8(bytes)) return;
  const bad = firstInvalidByte(bytes);
  const lineStart = bytes.lastIndexOf(0x0a, bad - 1) + 1;
  throw invalidByte(
    label,
    countLineFeeds(bytes, 0, lineStart) + 1,
    columnOf(bytes.subarray(lineStart, bad)),
    bytes[bad]!,
  );
}

/**
 * Reads a file as text in chunks of about `chunkBytes`, never splitting a character between chunks,
 * and hands each chunk to `onText`. Throws at the first byte that is not UTF-8.
 */
export function readUtf8Chunks(
  file: string,
  label: string,
  chunkBytes: number,
  onText: (text: string) => void,
): void {
  const fd = fs.openSync(file, 'r');
  try {
    // Up to three bytes of a character cut by the previous read are carried to the front.
    const buffer = Buffer.allocUnsafe(chunkBytes + 3);
    let carried = 0;
    let offset = 0;
    for (;;) {
      const read = fs.readSync(fd, buffer, carried, chunkBytes, null);
      const filled = carried + read;
      const complete = read === 0 ? filled : completeLength(buffer, filled);
      const bytes = buffer.subarray(0, complete);
      if (!isUtf8(bytes)) throw locateInFile(fd, label, offset + firstInvalidByte(bytes));
      if (read === 0) return;
      if (complete > 0) onText(bytes.toString('utf8'));
      buffer.copyWithin(0, complete, filled);
      carried = filled - complete;
      offset += complete;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** The length of `bytes[0, filled)` without a last character that is cut short. */
function completeLength(bytes: Buffer, filled: number): number {
  for (let at = filled - 1; at >= Math.max(0, filled - 4); at--) {
    const byte = bytes[at]!;
    if (byte < 0x80) return filled;
    if (byte >= 0xc0) {
      const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return filled - at < size ? at : filled;
    }
  }
  return filled;
}

/** Index of the first byte that does not start a well-formed UTF-8 character (RFC 3629). */
function firstInvalidByte(bytes: Uint8Array): number {
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at]!;
    if (lead < 0x80) {
      at++;
      continue;
    }
    const size =
      lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
    if (size === 0 || at + size > bytes.length) return at;
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    const second = bytes[at + 1]!;
    if (second < low || second > high) return at;
    for (let next = at + 2; next < at + size; next++) if ((bytes[next]! & 0xc0) !== 0x80) return at;
    at += size;
  }
  return bytes.length;
}

/** Error path only: reads the file again up to the bad byte to tell its line and column. */
function locateInFile(fd: number, label: string, badOffset: number): SatchelError {
  const chunk = Buffer.allocUnsafe(1 << 22);
  let lineFeeds = 0;
  let lineStart = 0;
  for (let offset = 0; offset < badOffset;) {
    const read = fs.readSync(fd, chunk, 0, Math.min(chunk.length, badOffset - offset), offset);
    if (read === 0) break;
    lineFeeds += countLineFeeds(chunk, 0, read);
    const last = chunk.subarray(0, read).lastIndexOf(0x0a);
    if (last >= 0) lineStart = offset + last + 1;
    offset += read;
  }
  const column = Buffer.alloc(badOffset - lineStart + 1);
  fs.readSync(fd, column, 0, column.length, lineStart);
  return invalidByte(label, lineFeeds + 1, columnOf(column.subarray(0, -1)), column[column.length - 1]!);
}

function countLineFeeds(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = bytes.indexOf(0x0a, from); at >= 0 && at < to; at = bytes.indexOf(0x0a, at + 1)) count++;
  return count;
}

/** The 1-based column, in characters, of the byte after `before` (the valid start of its line). */
function columnOf(before: Buffer): number {
  return [...before.toString('utf8')].length + 1;
}

function invalidByte(label: string, line: number, column: number, byte: number): SatchelError {
  const hex = byte.toString(16).toUpperCase().padStart(2, '0');
  return new SatchelError(
    'bad-encoding',
    `${label} line ${line}, column ${column} holds the byte 0x${hex}, which is not UTF-8 text.`,
    label,
  );
}
