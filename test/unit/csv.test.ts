import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CSV_LIMITS,
  CsvParser,
  parsePgArray,
  readCsvFile,
  type CsvField,
  type CsvLimits,
} from '../../main/core/bag/csv.js';
import { temporaryDirectory } from '../support/fixtures.js';

function parseAll(
  text: string,
  chunkSize = text.length,
  limits?: CsvLimits,
): { fields: CsvField[]; line: number }[] {
  const records: { fields: CsvField[]; line: number }[] = [];
  const parser = new CsvParser('test.csv', (fields, line) => records.push({ fields, line }), limits);
  for (let i = 0; i < text.length; i += chunkSize) parser.push(text.slice(i, i + chunkSize));
  parser.finish();
  return records;
}

describe('ERMrest CSV reader', () => {
  const sample =
    'RID,Name,Synonyms,Note\n' +
    '1-A,Neutrophil,"{PMN,""Polymorphonuclear neutrophil""}",\n' +
    '1-B,"Comma, inside","",""\n' +
    '1-C,"Line\nbreak","say ""hi""",x\r\n' +
    '1-D,,,last';

  it('tells NULL (unquoted empty) from the empty string (quoted empty)', () => {
    const records = parseAll(sample);
    expect(records[1]!.fields).toEqual(['1-A', 'Neutrophil', '{PMN,"Polymorphonuclear neutrophil"}', null]);
    expect(records[2]!.fields).toEqual(['1-B', 'Comma, inside', '', '']);
    expect(records[4]!.fields).toEqual(['1-D', null, null, 'last']);
  });

  it('keeps newlines and doubled quotes inside quoted fields and numbers physical lines', () => {
    const records = parseAll(sample);
    expect(records[3]!.fields).toEqual(['1-C', 'Line\nbreak', 'say "hi"', 'x']);
    expect(records.map((record) => record.line)).toEqual([1, 2, 3, 4, 6]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const whole = parseAll(sample);
    for (const size of [1, 2, 3, 7, 13]) expect(parseAll(sample, size)).toEqual(whole);
  });

  it('refuses an unterminated quote and text after a closing quote', () => {
    expect(() => parseAll('a,b\n1,"open\n')).toThrow(/never closed/);
    expect(() => parseAll('a,b\n1,"x"y\n')).toThrow(/after a closing quote/);
  });

  it('parses PostgreSQL array literals, with escaped quotes', () => {
    expect(parsePgArray('{PMN,"Polymorphonuclear neutrophil","Segmented neutrophil",Seg}')).toEqual([
      'PMN',
      'Polymorphonuclear neutrophil',
      'Segmented neutrophil',
      'Seg',
    ]);
    expect(parsePgArray('{"Severe NPDR","Pre-proliferative \\"R2\\""}')).toEqual([
      'Severe NPDR',
      'Pre-proliferative "R2"',
    ]);
    expect(parsePgArray('{}')).toEqual([]);
    expect(parsePgArray('not an array')).toBeNull();
  });
});

const scratch = temporaryDirectory();
afterAll(() => scratch.cleanup());

function readFile(name: string, bytes: Buffer | string): { fields: CsvField[]; line: number }[] {
  const file = path.join(scratch.dir, name);
  fs.writeFileSync(file, bytes);
  const records: { fields: CsvField[]; line: number }[] = [];
  readCsvFile(file, `data/${name}`, (fields, line) => records.push({ fields, line }));
  return records;
}

describe('CSV limits (issue 9, item 8)', () => {
  const small: CsvLimits = { maxFieldChars: 10, maxRecordChars: 30 };

  it('states the limits it enforces', () => {
    expect(CSV_LIMITS).toEqual({ maxFieldChars: 16 * 1024 * 1024, maxRecordChars: 64 * 1024 * 1024 });
  });

  it('takes fields and rows exactly at the limits', () => {
    const row = `${'a'.repeat(10)},"${'b'.repeat(10)}",${'c'.repeat(6)}`;
    expect(row).toHaveLength(30);
    for (const size of [1, 4, 30, 100])
      expect(parseAll(`h\n${row}\n`, size, small)[1]!.fields).toEqual([
        'a'.repeat(10),
        'b'.repeat(10),
        'c'.repeat(6),
      ]);
  });

  it.each([
    ['an unquoted field', `h\nx,${'a'.repeat(11)}\n`, 2],
    ['a quoted field', `h\nx,"${'a'.repeat(5)}""${'a'.repeat(5)}"\n`, 2],
    ['a quoted field over several lines', `h\n"x\n\n\n${'a'.repeat(8)}"\n`, 1],
    ['an unclosed quote', `h\nx,y,"${'a'.repeat(200)}`, 3],
  ])(
    'refuses %s longer than the field limit, naming the file, line, field and limit',
    (_label, text, field) => {
      for (const size of [1, 3, text.length]) {
        expect(() => parseAll(text, size, small)).toThrow(
          `test.csv line 2: field ${field} is longer than the limit of 10 characters.`,
        );
      }
    },
  );

  it('refuses a row longer than the row limit, even when every field is short', () => {
    const text = `h\nok\n${'abcde,'.repeat(6)}f\n`;
    for (const size of [1, 5, text.length]) {
      expect(() => parseAll(text, size, small)).toThrow(
        'test.csv line 3: the row is longer than the limit of 30 characters.',
      );
    }
  });

  it('refuses a field over the default limit in a file, at its line', () => {
    const giant = 'x'.repeat(CSV_LIMITS.maxFieldChars + 1);
    expect(() => readFile('giant.csv', `RID,Note\n1-A,ok\n1-B,"${giant}"\n`)).toThrow(
      'data/giant.csv line 3: field 2 is longer than the limit of 16,777,216 characters.',
    );
  });
});

describe('CSV text encoding (issue 9, item 10)', () => {
  it('accepts a byte order mark at the start of the file', () => {
    const records = readFile(
      'bom.csv',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('RID,Name\n1-A,x\n')]),
    );
    expect(records.map((record) => record.fields)).toEqual([
      ['RID', 'Name'],
      ['1-A', 'x'],
    ]);
  });

  it('reports a byte that is not UTF-8 by file, line and column instead of storing U+FFFD', () => {
    const bytes = Buffer.concat([
      Buffer.from('RID,Name\n1-A,café\n1-B,ca'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    expect(() => readFile('latin1.csv', bytes)).toThrow(
      'data/latin1.csv line 3, column 7 holds the byte 0xE9, which is not UTF-8 text.',
    );
  });

  it('reports a character cut off at the end of the file', () => {
    const bytes = Buffer.concat([Buffer.from('RID,Name\n1-A,'), Buffer.from('é').subarray(0, 1)]);
    expect(() => readFile('cut.csv', bytes)).toThrow(
      'data/cut.csv line 2, column 5 holds the byte 0xC3, which is not UTF-8 text.',
    );
  });

  it("reads a character that straddles two of the reader's 4 MiB chunks", () => {
    // The first euro sign takes bytes 4 MiB - 2 to 4 MiB of the file.
    const filler = 'a'.repeat(4 * 1024 * 1024 - 20);
    const records = readFile('straddle.csv', `RID,Name\n1-A,${filler}\n1-B,€€€€€€€€\n`);
    expect(records[2]!.fields).toEqual(['1-B', '€€€€€€€€']);
    expect(records[1]!.fields[1]).toHaveLength(filler.length);
  });
});
