import { HashingFileWriter, type FileDigest } from './hashing-writer.js';

/** null = SQL NULL (unquoted empty field); '' = empty string (quoted), as in ERMrest CSV. */
export type CsvValue = string | number | null;

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(value: CsvValue): string {
  if (value === null) return '';
  const text = String(value);
  if (text === '') return '""';
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface CsvFileResult extends FileDigest {
  rows: number;
}

/** Writes one ERMrest CSV: header, then one LF-terminated line per row. */
export class CsvTableWriter {
  private readonly writer: HashingFileWriter;
  private rows = 0;

  constructor(file: string, columns: readonly string[]) {
    this.writer = new HashingFileWriter(file);
    this.writer.writeText(columns.map(csvField).join(',') + '\n');
  }

  row(values: readonly CsvValue[]): void {
    this.writer.writeText(values.map(csvField).join(',') + '\n');
    this.rows += 1;
  }

  close(): CsvFileResult {
    return { ...this.writer.close(), rows: this.rows };
  }
}
