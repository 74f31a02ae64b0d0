import { describe, expect, it } from 'vitest';
import type { FeatureValue } from '../../shared/bag.js';
import { parseSelector } from '../../main/core/bag/index.js';
import { selectRecord } from '../../main/core/bag/selectors.js';

const record = (execution: string, rct: string | null, label: string): FeatureValue => ({
  target: 'IMG',
  execution,
  rct,
  values: { Label: label },
});

describe('deriva-ml selectors', () => {
  const records = [
    record('E1', '2026-01-02T00:00:00+00:00', 'cat'),
    record('E2', '2026-01-03T00:00:00+00:00', 'dog'),
    record('E3', '2026-01-01T00:00:00+00:00', 'dog'),
  ];

  it('newest and first compare RCT, a missing RCT counting as the empty string', () => {
    expect(selectRecord(records, { kind: 'newest' }, 'Label')!.execution).toBe('E2');
    expect(selectRecord(records, { kind: 'first' }, 'Label')!.execution).toBe('E3');
    expect(selectRecord([...records, record('E4', null, 'x')], { kind: 'first' }, 'Label')!.execution).toBe(
      'E4',
    );
  });

  it('majority vote counts values and breaks ties by the newest record', () => {
    expect(selectRecord(records, { kind: 'majority' }, 'Label')!.values.Label).toBe('dog');
    const tie = [
      record('E1', '2026-01-05T00:00:00+00:00', 'cat'),
      record('E2', '2026-01-03T00:00:00+00:00', 'dog'),
    ];
    expect(selectRecord(tie, { kind: 'majority' }, 'Label')!.execution).toBe('E1');
  });

  it('majority vote without a single term column selects nothing, as deriva-ml refuses to guess', () => {
    expect(selectRecord(records, { kind: 'majority' }, null)).toBeNull();
  });

  it('by execution keeps the newest of that execution or drops the target', () => {
    expect(selectRecord(records, { kind: 'execution', rid: 'E3' }, 'Label')!.values.Label).toBe('dog');
    expect(selectRecord(records, { kind: 'execution', rid: 'E9' }, 'Label')).toBeNull();
  });

  it('parses the command-line spellings', () => {
    expect(parseSelector('latest')).toEqual({ kind: 'newest' });
    expect(parseSelector('execution:5VJ')).toEqual({ kind: 'execution', rid: '5VJ' });
    expect(parseSelector('majority:Cell_Type')).toEqual({ kind: 'majority', column: 'Cell_Type' });
    expect(parseSelector('execution')).toBeNull();
    expect(parseSelector('best')).toBeNull();
  });
});
