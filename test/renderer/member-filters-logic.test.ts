import { describe, expect, it } from 'vitest';
import type { MemberFilter } from '../../shared/bag.js';
import {
  filterText,
  filterTitle,
  parseBound,
  replaceFacet,
  toggleFilter,
} from '../../renderer/src/data/memberFilters.js';

const names = (execution: string) => (execution === 'E-A' ? 'annotator A' : execution);

describe('filter chips', () => {
  it('says each filter in words', () => {
    const filters: MemberFilter[] = [
      { kind: 'value', feature: 'Image/Digit', column: 'Digit', value: '3' },
      { kind: 'value', feature: 'Image/Quality', column: 'Stroke_Width', value: 'Bold' },
      { kind: 'rater', execution: 'E-A' },
      { kind: 'rater', execution: 'E-Z' },
      { kind: 'disagreement', feature: 'Image/Digit' },
      { kind: 'range', feature: 'Image/Digit', column: 'Confidence', min: 0.25, max: 0.5 },
      { kind: 'range', feature: 'Image/Digit', column: 'Confidence', min: null, max: 0.333333 },
      { kind: 'range', feature: 'Image/Digit', column: 'Confidence', min: 2, max: null },
      { kind: 'column', column: 'Filename', contains: 'seven' },
      { kind: 'column', column: 'Subject', equals: null },
      { kind: 'column', column: 'Subject', equals: '1-S01' },
    ];
    expect(filters.map((filter) => filterText(filter, names))).toEqual([
      'Digit: 3',
      'Quality Stroke_Width: Bold',
      'by annotator A',
      'by E-Z',
      'Digit: raters disagree',
      'Digit Confidence 0.25 to 0.5',
      'Digit Confidence at most 0.3333',
      'Digit Confidence at least 2',
      'Filename contains “seven”',
      'Subject: (empty)',
      'Subject: 1-S01',
    ]);
    expect(filterTitle(filters.slice(0, 3), names)).toBe(
      'Digit: 3 · Quality Stroke_Width: Bold · by annotator A',
    );
    expect(filterTitle([], names)).toBe('All members');
  });

  it('toggles a value, and keeps one range or search per facet', () => {
    const three: MemberFilter = { kind: 'value', feature: 'Image/Digit', column: 'Digit', value: '3' };
    const four: MemberFilter = { kind: 'value', feature: 'Image/Digit', column: 'Digit', value: '4' };
    const on = toggleFilter(toggleFilter([], three), four);
    expect(on).toEqual([three, four]);
    expect(toggleFilter(on, { ...three })).toEqual([four]);
    const low: MemberFilter = {
      kind: 'range',
      feature: 'Image/Digit',
      column: 'Confidence',
      min: null,
      max: 0.5,
    };
    const lower: MemberFilter = { ...low, max: 0.2 };
    const facet = 'range Image/Digit Confidence';
    expect(replaceFacet(replaceFacet(on, facet, low), facet, lower)).toEqual([three, four, lower]);
    expect(replaceFacet([three, lower], facet, null)).toEqual([three]);
  });

  it('reads a typed bound: empty is open, text is refused', () => {
    expect(parseBound('')).toBeNull();
    expect(parseBound(' 0.75 ')).toBe(0.75);
    expect(parseBound('-1e-2')).toBe(-0.01);
    expect(parseBound('high')).toBe('invalid');
    expect(parseBound('Infinity')).toBe('invalid');
  });
});
