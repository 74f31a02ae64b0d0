import { describe, expect, it } from 'vitest';
import type { Row } from '../../shared/bag.js';
import { PagedRows, type LoadedPage } from '../../renderer/src/data/pagedRows.js';

const TOTAL = 1000;

function fakeLoader() {
  const calls: number[] = [];
  const load = async (offset: number, limit: number): Promise<LoadedPage> => {
    calls.push(offset);
    const rows: Row[] = [];
    for (let index = offset; index < Math.min(offset + limit, TOTAL); index++)
      rows.push({ RID: `R${index}` });
    return {
      rows,
      total: TOTAL,
      badges: {
        [`R${offset}`]: [
          { feature: 'Cell_Type', value: 'x', executions: 2, disagreement: true, from: 'model' },
        ],
      },
    };
  };
  return { calls, load };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('PagedRows', () => {
  it('learns the total from the first page and fetches only the pages a range needs, once each', async () => {
    const { calls, load } = fakeLoader();
    const rows = new PagedRows(load, () => undefined, 100);
    rows.ensureRange(0, 0);
    rows.ensureRange(0, 0);
    await settle();
    expect(rows.total).toBe(TOTAL);
    expect(calls).toEqual([0]);

    rows.ensureRange(150, 420);
    rows.ensureRange(180, 390);
    await settle();
    expect(calls).toEqual([0, 100, 200, 300, 400]);
    expect(rows.rowAt(421)?.RID).toBe('R421');
    expect(rows.rowAt(999)).toBeUndefined();
    expect(rows.badgesOf('R100')[0]?.disagreement).toBe(true);
  });

  it('clamps ranges to the rows that exist', async () => {
    const { calls, load } = fakeLoader();
    const rows = new PagedRows(load, () => undefined, 100);
    rows.ensureRange(-50, 0);
    await settle();
    rows.ensureRange(950, 5000);
    await settle();
    expect(calls).toEqual([0, 900]);
  });

  it('notifies subscribers when a page arrives and reports a failed page once', async () => {
    const errors: unknown[] = [];
    const rows = new PagedRows(
      () => Promise.reject(new Error('The bag is closed.')),
      (error) => errors.push(error),
      100,
    );
    let notified = 0;
    rows.subscribe(() => notified++);
    const version = rows.getVersion();
    rows.ensureRange(0, 10);
    await settle();
    rows.ensureRange(0, 10);
    await settle();
    expect(errors).toHaveLength(1);
    expect(notified).toBe(1);
    expect(rows.getVersion()).not.toBe(version);
  });

  it('takes a first page at hand without asking for it, and fetches the next pages as usual', async () => {
    const { calls, load } = fakeLoader();
    const rows = new PagedRows(load, () => undefined, 100);
    let changes = 0;
    rows.subscribe(() => changes++);
    rows.seedFirstPage({ rows: [{ RID: 'S0' }, { RID: 'S1' }], total: TOTAL, badges: {} });
    expect([rows.total, rows.rowAt(1)?.RID, changes]).toEqual([TOTAL, 'S1', 1]);
    rows.ensureRange(0, 150);
    await settle();
    expect(calls).toEqual([100]);
    rows.seedFirstPage({ rows: [{ RID: 'late' }], total: 1, badges: {} });
    expect([rows.total, rows.rowAt(0)?.RID]).toEqual([TOTAL, 'S0']);
  });

  it('adds the draft marks of rows already shown, and tells its readers', () => {
    const { load } = fakeLoader();
    const rows = new PagedRows(load, () => undefined, 100);
    rows.seedFirstPage({ rows: [{ RID: 'S0' }, { RID: 'S1' }], total: TOTAL, badges: {} });
    let changes = 0;
    rows.subscribe(() => changes++);
    expect(rows.marksOf('S1')).toEqual([]);
    rows.addMarks({ S1: ['Digit 7'] });
    expect([rows.marksOf('S1'), rows.marksOf('S0'), changes]).toEqual([['Digit 7'], [], 1]);
  });
});
