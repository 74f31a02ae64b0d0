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

/** Minimal RFC 4180 reader (for the small fixture vocabularies): unquoted empty = null. */
export function parseCsv(text: string): CsvValue[][] {
  const records: CsvValue[][] = [];
  let record: CsvValue[] = [];
  let field = '';
  let quoted = false;
  let inQuotes = false;
  const endField = (): void => {
    record.push(field === '' && !quoted ? null : field);
    field = '';
    quoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (inQuotes) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') inQuotes = false;
      else field += char;
    } else if (char === '"') {
      inQuotes = true;
      quoted = true;
    } else if (char === ',') endField();
    else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endField();
      records.push(record);
      record = [];
    } else field += char;
  }
  if (field !== '' || quoted || record.length > 0) {
    endField();
    records.push(record);
  }
  return records;
}

/** Values of one column of a parsed CSV (header row excluded). */
export function csvColumn(records: CsvValue[][], column: string): CsvValue[] {
  const [header, ...rows] = records;
  const index = header?.indexOf(column) ?? -1;
  if (index < 0) throw new Error(`CSV has no column "${column}"`);
  return rows.map((row) => row[index] ?? null);
}
