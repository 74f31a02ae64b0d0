import { describe, expect, it } from 'vitest';
import { CsvParser, parsePgArray, type CsvField } from '../../main/core/bag/csv.js';

function parseAll(text: string, chunkSize = text.length): { fields: CsvField[]; line: number }[] {
  const records: { fields: CsvField[]; line: number }[] = [];
  const parser = new CsvParser('test.csv', (fields, line) => records.push({ fields, line }));
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
