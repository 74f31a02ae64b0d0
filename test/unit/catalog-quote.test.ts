import { describe, expect, it } from 'vitest';
import {
  and,
  anyOf,
  compare,
  dataPath,
  eq,
  hatracPath,
  isNull,
  link,
  not,
  or,
  quote,
} from '../../main/core/catalog/index.js';

describe('quote', () => {
  it.each([
    ['plain_Name-1.2~x', 'plain_Name-1.2~x'],
    ['a:b', 'a%3Ab'],
    ['x/y', 'x%2Fy'],
    ['100%', '100%25'],
    ['two words', 'two%20words'],
    ['a/b:c,d;e', 'a%2Fb%3Ac%2Cd%3Be'],
    ["(x)!*'", '%28x%29%21%2A%27'],
    ['=?@&$', '%3D%3F%40%26%24'],
    ['+#[]', '%2B%23%5B%5D'],
    ['Zellkern ø', 'Zellkern%20%C3%B8'],
    ['細胞', '%E7%B4%B0%E8%83%9E'],
    ['😀', '%F0%9F%98%80'],
  ])('quotes %j as %j', (raw, quoted) => {
    expect(quote(raw)).toBe(quoted);
    expect(decodeURIComponent(quoted)).toBe(raw);
  });

  it('leaves only characters that are neither ERMrest nor Hatrac syntax', () => {
    const every = Array.from({ length: 0x250 }, (_, code) => String.fromCharCode(code)).join('');
    expect(quote(every)).toMatch(/^[A-Za-z0-9\-_.~%]*$/);
  });

  it('builds Hatrac paths segment by segment', () => {
    expect(hatracPath('Image', 'ab12.Blood Image (1).jpg')).toBe(
      '/hatrac/Image/ab12.Blood%20Image%20%281%29.jpg',
    );
  });
});

describe('dataPath', () => {
  const table = { schema: 'my schema', table: 'a:b' };

  it('quotes table, filter column and literal', () => {
    expect(dataPath('entity', { table, path: [eq('x/y', '100%')] })).toBe(
      '/entity/my%20schema:a%3Ab/x%2Fy=100%25',
    );
  });

  it('renders any(), comparisons, null, negation and groups', () => {
    const path = dataPath('entity', {
      table,
      path: [
        anyOf('RID', ['1-X2', 'A,B']),
        or(compare('n', 'geq', 5), isNull('n')),
        not(and(eq('c', 'd'), eq('e', true))),
      ],
    });
    expect(path).toBe('/entity/my%20schema:a%3Ab/RID=any(1-X2,A%2CB)/(n::geq::5;n::null::)/!((c=d&e=true))');
  });

  it('renders projections, aliases, links, sort, paging and limit', () => {
    const path = dataPath('attribute', {
      table: { schema: 'deriva-ml', table: 'Dataset' },
      alias: 'D',
      path: [
        eq('RID', '58C'),
        link({ schema: 'hematology', table: 'Dataset_Image' }),
        link({ schema: 'hematology', table: 'Image' }, 'I'),
      ],
      columns: [{ as: 'rid', alias: 'I', column: 'RID' }, 'Filename'],
      sort: ['rid', { column: 'Filename', descending: true }],
      after: ['42J', null],
      limit: 3,
    });
    expect(path).toBe(
      '/attribute/D:=deriva-ml:Dataset/RID=58C/hematology:Dataset_Image/I:=hematology:Image/rid:=I:RID,Filename@sort(rid,Filename::desc::)@after(42J,::null::)?limit=3',
    );
  });

  it('renders attributegroup keys with aggregates and extra query parameters', () => {
    const path = dataPath(
      'attributegroup',
      {
        table: { schema: 'hematology', table: 'Execution_Image_Cell_Type' },
        columns: ['Execution', 'Cell_Type'],
        values: [
          { as: 'n', aggregate: 'cnt', column: '*' },
          { as: 'labels', aggregate: 'array_d', column: 'Cell Type' },
        ],
        limit: 'none',
      },
      { accept: 'csv' },
    );
    expect(path).toBe(
      '/attributegroup/hematology:Execution_Image_Cell_Type/Execution,Cell_Type;n:=cnt(*),labels:=array_d(Cell%20Type)?limit=none&accept=csv',
    );
  });

  it('refuses @after without matching @sort keys and empty any()', () => {
    expect(() => dataPath('entity', { table, after: ['x'] })).toThrow(/@after/);
    expect(() => dataPath('entity', { table, path: [anyOf('RID', [])] })).toThrow(/any/);
  });
});
