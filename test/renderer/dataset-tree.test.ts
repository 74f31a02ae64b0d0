import { describe, expect, it } from 'vitest';
import type { DatasetSummary } from '../../shared/bag.js';
import { visibleRows } from '../../renderer/src/components/bag/datasetTree.js';
import { orderColumns } from '../../renderer/src/data/bagModel.js';

const dataset = (rid: string, children: string[] = []): DatasetSummary => ({
  rid,
  types: [],
  version: null,
  description: null,
  children,
  members: {},
});

describe('dataset tree', () => {
  const datasets = [dataset('A', ['B', 'C']), dataset('B', ['D']), dataset('C'), dataset('D')];

  it('lists nested datasets depth first under their roots', () => {
    const rows = visibleRows(datasets, new Set(['A', 'B']));
    expect(rows.map((row) => [row.dataset.rid, row.level, row.parent])).toEqual([
      ['A', 1, null],
      ['B', 2, 'A'],
      ['D', 3, 'B'],
      ['C', 2, 'A'],
    ]);
  });

  it('hides the children of collapsed datasets and survives a nesting cycle', () => {
    expect(visibleRows(datasets, new Set(['A'])).map((row) => row.dataset.rid)).toEqual(['A', 'B', 'C']);
    const cycle = [dataset('R', ['X']), dataset('X', ['Y']), dataset('Y', ['X'])];
    expect(visibleRows(cycle, new Set(['R', 'X', 'Y'])).map((row) => row.dataset.rid)).toEqual([
      'R',
      'X',
      'Y',
    ]);
  });
});

describe('column order', () => {
  const column = (name: string) => ({
    name,
    type: 'text',
    nullok: true,
    default: null,
    comment: null,
    references: null,
  });

  it('puts RID first, vocabulary Name, Description and Synonyms next and system columns last', () => {
    const names = ['RCT', 'ID', 'Synonyms', 'RID', 'Description', 'Name', 'RMB'].map(column);
    expect(orderColumns(names, 'vocabulary').map((entry) => entry.name)).toEqual([
      'RID',
      'Name',
      'Description',
      'Synonyms',
      'ID',
      'RCT',
      'RMB',
    ]);
    expect(orderColumns(names, 'table').map((entry) => entry.name)).toEqual([
      'RID',
      'ID',
      'Synonyms',
      'Description',
      'Name',
      'RCT',
      'RMB',
    ]);
  });
});
