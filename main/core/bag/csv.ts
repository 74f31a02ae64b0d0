import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { SatchelError } from '../common/index.js';

/**
 * Streaming reader for ERMrest (PostgreSQL) CSV: comma separated, `"` quoting with `""` escapes,
 * LF or CRLF line ends. An unquoted empty field is NULL; a quoted empty field is the empty string.
 * Fields come back as `string | null`; `line` is the physical line where the record starts.
 */
export type CsvField = string | null;
export type CsvRecordHandler = (fields: CsvField[], line: number) => void;

const CHUNK_BYTES = 1 << 22;

export function readCsvFile(file: string, label: string, onRecord: CsvRecordHandler): void {
  const parser = new CsvParser(label, onRecord);
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      parser.push(decoder.write(buffer.subarray(0, read)));
    }
    parser.push(decoder.end());
    parser.finish();
  } finally {
    fs.closeSync(fd);
  }
}

export class CsvParser {
  private pending = '';
  private line = 1;

  constructor(
    private readonly label: string,
    private readonly onRecord: CsvRecordHandler,
  ) {}

  push(text: string): void {
    if (text.length === 0) return;
    const input = this.pending.length > 0 ? this.pending + text : text;
    this.pending = input.slice(this.consume(input, false));
  }

  finish(): void {
    if (this.pending.length > 0) {
      const input = this.pending.endsWith('\n') ? this.pending : `${this.pending}\n`;
      this.pending = '';
      const consumed = this.consume(input, true);
      if (consumed < input.length) {
        throw new SatchelError(
          'csv-syntax',
          `${this.label} line ${this.line}: a quoted field is never closed.`,
          this.label,
        );
      }
    }
  }

  /** Parses every complete record of `input`; returns how many characters were consumed. */
  private consume(input: string, final: boolean): number {
    let position = 0;
    const length = input.length;
    // The next quote is searched once and reused until passed: searching per line is quadratic.
    let quote = input.indexOf('"');
    while (position < length) {
      const newline = input.indexOf('\n', position);
      if (newline < 0) return position;
      if (quote >= 0 && quote < position) quote = input.indexOf('"', position);
      if (quote < 0 || quote > newline) {
        const end = newline > position && input.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        const startLine = this.line;
        this.line += 1;
        if (end > position) {
          const parts = input.slice(position, end).split(',');
          const fields: CsvField[] = new Array(parts.length);
          for (let i = 0; i < parts.length; i++) fields[i] = parts[i] === '' ? null : parts[i]!;
          this.onRecord(fields, startLine);
        }
        position = newline + 1;
        continue;
      }
      const next = this.quotedRecord(input, position);
      if (next < 0) {
        if (final) return position;
        return position;
      }
      position = next;
    }
    return position;
  }

  /** Slow path for a record holding quotes; returns the index after it, or -1 if it is incomplete. */
  private quotedRecord(input: string, start: number): number {
    const fields: CsvField[] = [];
    const startLine = this.line;
    let lines = 0;
    let position = start;
    const length = input.length;
    for (;;) {
      if (position >= length) return -1;
      if (input.charCodeAt(position) === 34) {
        let value = '';
        let segment = position + 1;
        for (;;) {
          const close = input.indexOf('"', segment);
          if (close < 0) return -1;
          value += input.slice(segment, close);
          if (input.charCodeAt(close + 1) === 34) {
            value += '"';
            segment = close + 2;
            continue;
          }
          if (close + 1 >= length) return -1;
          position = close + 1;
          break;
        }
        for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) === 10) lines++;
        fields.push(value);
        const after = input.charCodeAt(position);
        if (after !== 44 && after !== 10 && !(after === 13 && input.charCodeAt(position + 1) === 10)) {
          throw new SatchelError(
            'csv-syntax',
            `${this.label} line ${startLine + lines}: unexpected text after a closing quote.`,
            this.label,
          );
        }
      } else {
        let end = position;
        while (end < length) {
          const code = input.charCodeAt(end);
          if (code === 44 || code === 10) break;
          if (code === 34) {
            throw new SatchelError(
              'csv-syntax',
              `${this.label} line ${startLine + lines}: a quote inside an unquoted field.`,
              this.label,
            );
          }
          end++;
        }
        if (end >= length) return -1;
        let text = input.slice(position, end);
        if (input.charCodeAt(end) === 10 && text.endsWith('\r')) text = text.slice(0, -1);
        fields.push(text === '' ? null : text);
        position = end;
      }
      const separator = input.charCodeAt(position);
      if (separator === 44) {
        position++;
        continue;
      }
      if (separator === 13) position++;
      this.line = startLine + lines + 1;
      this.onRecord(fields, startLine);
      return position + 1;
    }
  }
}

/** Parses a PostgreSQL array literal such as `{a,"b c","say \"hi\""}`; returns null for NULL. */
export function parsePgArray(literal: string): string[] | null {
  const text = literal.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return null;
  const items: string[] = [];
  let position = 1;
  const end = text.length - 1;
  if (position === end) return items;
  while (position <= end) {
    let value = '';
    if (text[position] === '"') {
      position++;
      while (position < end && text[position] !== '"') {
        if (text[position] === '\\') position++;
        value += text[position];
        position++;
      }
      position++;
      items.push(value);
    } else {
      while (position < end && text[position] !== ',') {
        value += text[position];
        position++;
      }
      items.push(value.trim());
    }
    if (text[position] !== ',' && position < end) return null;
    position++;
  }
  return items;
}
