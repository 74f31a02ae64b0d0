import { SatchelError, formatCount } from '../common/index.js';
import { readUtf8Chunks } from './utf8.js';

/**
 * Streaming reader for ERMrest (PostgreSQL) CSV: comma separated, `"` quoting with `""` escapes,
 * LF or CRLF line ends, an optional byte order mark. An unquoted empty field is NULL; a quoted empty
 * field is the empty string. Fields come back as `string | null`; `line` is the physical line where
 * the record starts. Every character is looked at a bounded number of times, however long a field or
 * record runs, and no field or record may outgrow the limits.
 */
export type CsvField = string | null;
export type CsvRecordHandler = (fields: CsvField[], line: number) => void;

export interface CsvLimits {
  maxFieldChars: number;
  /** Characters of one record, separators and quotes included (its line, or lines if quoted). */
  maxRecordChars: number;
}

export const CSV_LIMITS: CsvLimits = { maxFieldChars: 16 * 1024 * 1024, maxRecordChars: 64 * 1024 * 1024 };

const CHUNK_BYTES = 1 << 22;

export function readCsvFile(
  file: string,
  label: string,
  onRecord: CsvRecordHandler,
  limits: CsvLimits = CSV_LIMITS,
): void {
  const parser = new CsvParser(label, onRecord, limits);
  readUtf8Chunks(file, label, CHUNK_BYTES, (text) => parser.push(text));
  parser.finish();
}

const COMMA = 44;
const QUOTE = 34;
const LF = 10;
const CR = 13;
const BOM = 0xfeff;

/** Where the parser is inside a record that is not finished yet. */
const RECORD_START = 0;
const FIELD_START = 1;
const UNQUOTED = 2;
const QUOTED = 3;
/** A quote inside a quoted field: the closing one, or the first of `""`. */
const QUOTE_SEEN = 4;
/** A carriage return after a closing quote, which only a line feed may follow. */
const CLOSED_CR = 5;

export class CsvParser {
  /** The physical line of the next character. */
  private line = 1;
  private started = false;
  private mode = RECORD_START;
  private recordLine = 1;
  /** Characters of the unfinished record seen in earlier chunks. */
  private recordChars = 0;
  private fields: CsvField[] = [];
  /** The unfinished field: its first piece, and the rest only when it spans several. */
  private firstPart = '';
  private parts: string[] = [];
  private fieldChars = 0;
  /** The next line feed in the text being pushed, at or after the last one counted (length: none). */
  private nextLineFeed = -1;

  constructor(
    private readonly label: string,
    private readonly onRecord: CsvRecordHandler,
    private readonly limits: CsvLimits = CSV_LIMITS,
  ) {}

  push(text: string): void {
    if (text.length === 0) return;
    let position = 0;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === BOM) position = 1;
    }
    const length = text.length;
    this.nextLineFeed = -1;
    const { maxRecordChars, maxFieldChars } = this.limits;
    // The next quote is searched once and reused until passed: searching per line is quadratic.
    let quote = -2;
    while (position < length) {
      if (this.mode === RECORD_START) {
        // Fast path: a whole line without quotes is split in one go.
        const newline = text.indexOf('\n', position);
        if (newline >= 0) {
          if (quote !== -1 && quote < position) quote = text.indexOf('"', position);
          if (quote === -1 || quote > newline) {
            const end = newline > position && text.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
            if (end - position > maxRecordChars) throw this.recordTooLong(this.line);
            const startLine = this.line;
            this.line += 1;
            if (end > position) {
              const parts = text.slice(position, end).split(',');
              const fields: CsvField[] = new Array(parts.length);
              for (let i = 0; i < parts.length; i++) {
                const part = parts[i]!;
                if (part.length > maxFieldChars) throw this.fieldTooLong(startLine, i + 1);
                fields[i] = part === '' ? null : part;
              }
              this.onRecord(fields, startLine);
            }
            position = newline + 1;
            continue;
          }
          const next = this.wholeQuotedRecord(text, position);
          if (next >= 0) {
            position = next;
            continue;
          }
        }
      }
      position = this.scan(text, position);
    }
  }

  finish(): void {
    if (this.mode === QUOTED) {
      throw new SatchelError(
        'csv-syntax',
        `${this.label} line ${this.recordLine}: a quoted field is never closed.`,
        this.label,
      );
    }
    if (this.mode === RECORD_START) return;
    this.nextLineFeed = -1;
    this.scan('\n', 0);
  }

  /**
   * A record holding quotes that ends within `text`, read with local state only: the common case.
   * Returns the index after it, or -1 to leave the record to `scan` (one running past the text, over
   * a limit, or malformed, which `scan` reports).
   */
  private wholeQuotedRecord(text: string, start: number): number {
    const { maxFieldChars, maxRecordChars } = this.limits;
    const length = text.length;
    const fields: CsvField[] = [];
    let lines = 0;
    let position = start;
    for (;;) {
      if (text.charCodeAt(position) === QUOTE) {
        let value = '';
        let segment = position + 1;
        for (;;) {
          const close = text.indexOf('"', segment);
          if (close < 0 || close + 1 >= length) return -1;
          value += text.slice(segment, close);
          if (value.length > maxFieldChars) return -1;
          if (text.charCodeAt(close + 1) !== QUOTE) {
            position = close + 1;
            break;
          }
          value += '"';
          segment = close + 2;
        }
        for (let at = value.indexOf('\n'); at >= 0; at = value.indexOf('\n', at + 1)) lines++;
        fields.push(value);
        const after = text.charCodeAt(position);
        if (after !== COMMA && after !== LF && !(after === CR && text.charCodeAt(position + 1) === LF))
          return -1;
      } else {
        let end = position;
        let code = 0;
        for (; end < length; end++) {
          code = text.charCodeAt(end);
          if (code === COMMA || code === LF || code === QUOTE) break;
        }
        if (end === length || code === QUOTE || end - position > maxFieldChars) return -1;
        const value =
          code === LF && text.charCodeAt(end - 1) === CR
            ? text.slice(position, end - 1)
            : text.slice(position, end);
        fields.push(value === '' ? null : value);
        position = end;
      }
      if (position - start > maxRecordChars) return -1;
      const separator = text.charCodeAt(position);
      if (separator === COMMA) {
        position++;
        if (position === length) return -1;
        continue;
      }
      if (separator === CR) position++;
      const startLine = this.line;
      this.line += lines + 1;
      this.onRecord(fields, startLine);
      return position + 1;
    }
  }

  /**
   * Slow path, one character class at a time: reads until the current record ends (returning the
   * index after its line feed) or the text does (returning its length), keeping its state between calls.
   */
  private scan(text: string, start: number): number {
    const length = text.length;
    let position = start;
    if (this.mode === RECORD_START) {
      this.mode = FIELD_START;
      this.recordLine = this.line;
      this.recordChars = 0;
      this.fields = [];
    }
    while (position < length) {
      switch (this.mode) {
        case FIELD_START:
          if (text.charCodeAt(position) === QUOTE) {
            this.mode = QUOTED;
            position++;
          } else this.mode = UNQUOTED;
          break;
        case UNQUOTED: {
          let end = position;
          let code = 0;
          for (; end < length; end++) {
            code = text.charCodeAt(end);
            if (code === COMMA || code === LF || code === QUOTE) break;
          }
          this.addPart(text, position, end);
          if (end === length) return this.chunkEnds(text, start);
          if (code === QUOTE) {
            throw new SatchelError(
              'csv-syntax',
              `${this.label} line ${this.line}: a quote inside an unquoted field.`,
              this.label,
            );
          }
          let value = this.takeField();
          if (code === LF && value.endsWith('\r')) value = value.slice(0, -1);
          this.fields.push(value === '' ? null : value);
          if (code === COMMA) {
            this.mode = FIELD_START;
            position = end + 1;
            break;
          }
          return this.recordEnds(text, start, end);
        }
        case QUOTED: {
          const close = text.indexOf('"', position);
          const end = close < 0 ? length : close;
          this.countLineFeeds(text, position, end);
          this.addPart(text, position, end);
          if (close < 0) return this.chunkEnds(text, start);
          this.mode = QUOTE_SEEN;
          position = close + 1;
          break;
        }
        case QUOTE_SEEN: {
          const code = text.charCodeAt(position);
          if (code === QUOTE) {
            this.addPart(text, position, position + 1);
            this.mode = QUOTED;
            position++;
            break;
          }
          this.fields.push(this.takeField());
          if (code === COMMA) {
            this.mode = FIELD_START;
            position++;
          } else if (code === LF) return this.recordEnds(text, start, position);
          else if (code === CR) {
            this.mode = CLOSED_CR;
            position++;
          } else throw this.textAfterQuote();
          break;
        }
        case CLOSED_CR:
          if (text.charCodeAt(position) !== LF) throw this.textAfterQuote();
          return this.recordEnds(text, start, position);
      }
    }
    return this.chunkEnds(text, start);
  }

  /** Counts the line feeds in text[from, to) without looking at any character twice per push. */
  private countLineFeeds(text: string, from: number, to: number): void {
    if (this.nextLineFeed < from) {
      const found = text.indexOf('\n', from);
      this.nextLineFeed = found < 0 ? text.length : found;
    }
    while (this.nextLineFeed < to) {
      this.line++;
      const found = text.indexOf('\n', this.nextLineFeed + 1);
      this.nextLineFeed = found < 0 ? text.length : found;
    }
  }

  private addPart(text: string, from: number, to: number): void {
    if (to === from) return;
    const first = this.fieldChars === 0;
    this.fieldChars += to - from;
    if (this.fieldChars > this.limits.maxFieldChars)
      throw this.fieldTooLong(this.recordLine, this.fields.length + 1);
    if (first) this.firstPart = text.slice(from, to);
    else this.parts.push(text.slice(from, to));
  }

  private takeField(): string {
    const value = this.parts.length === 0 ? this.firstPart : this.firstPart + this.parts.join('');
    this.firstPart = '';
    this.parts.length = 0;
    this.fieldChars = 0;
    return value;
  }

  /** The record ends at the line feed at `newline`; returns where the next one starts. */
  private recordEnds(text: string, start: number, newline: number): number {
    this.recordChars += newline - start;
    if (this.recordChars > this.limits.maxRecordChars) throw this.recordTooLong(this.recordLine);
    this.line++;
    this.mode = RECORD_START;
    const fields = this.fields;
    this.fields = [];
    // A line holding nothing (or only a carriage return) is no record, as on the fast path.
    if (!(fields.length === 1 && fields[0] === null)) this.onRecord(fields, this.recordLine);
    return newline + 1;
  }

  private chunkEnds(text: string, start: number): number {
    this.recordChars += text.length - start;
    if (this.recordChars > this.limits.maxRecordChars) throw this.recordTooLong(this.recordLine);
    return text.length;
  }

  private textAfterQuote(): SatchelError {
    return new SatchelError(
      'csv-syntax',
      `${this.label} line ${this.line}: unexpected text after a closing quote.`,
      this.label,
    );
  }

  private fieldTooLong(line: number, field: number): SatchelError {
    return new SatchelError(
      'csv-syntax',
      `${this.label} line ${line}: field ${field} is longer than the limit of ${formatCount(this.limits.maxFieldChars)} characters.`,
      this.label,
    );
  }

  private recordTooLong(line: number): SatchelError {
    return new SatchelError(
      'csv-syntax',
      `${this.label} line ${line}: the row is longer than the limit of ${formatCount(this.limits.maxRecordChars)} characters.`,
      this.label,
    );
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
