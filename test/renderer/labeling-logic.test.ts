import { describe, expect, it } from 'vitest';
import type { Row } from '../../shared/bag.js';
import type { Draft, RecordShape } from '../../shared/labels.js';
import { validateRecord } from '../../main/core/labels/record.js';
import { ActionQueue, CancelledAction } from '../../renderer/src/labeling/actionQueue.js';
import { applyChange, applyDrafts, positionsOf, type DraftMap } from '../../renderer/src/labeling/drafts.js';
import { MemberIndex } from '../../renderer/src/labeling/memberIndex.js';
import {
  checkForm,
  draftText,
  formInput,
  labelColumn,
  needsForm,
  valueFields,
} from '../../renderer/src/labeling/recordForm.js';
import {
  assignTermKey,
  defaultTermKeys,
  keyOfEvent,
  loadTermKeys,
  resetTermKeys,
  saveTermKeys,
  termForKey,
  unassignTermKey,
  type KeyStorage,
} from '../../renderer/src/labeling/termKeys.js';

const TERMS = ['Basophil', 'Eosinophil', 'Lymphocyte', 'Monocyte', 'Neutrophil'];

function memoryStorage(): KeyStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

const plain = { ctrlKey: false, metaKey: false, altKey: false };

describe('term keys', () => {
  it('gives the first nine terms the digits 1–9', () => {
    const terms = Array.from({ length: 11 }, (_, index) => `T${index}`);
    const keys = defaultTermKeys(terms);
    expect(keys).toMatchObject({ T0: '1', T8: '9' });
    expect(keys.T9).toBeUndefined();
    expect(termForKey(defaultTermKeys(TERMS), '3')).toBe('Lymphocyte');
    expect(termForKey(defaultTermKeys(TERMS), '7')).toBeNull();
  });

  it('remaps a term to a free key and refuses conflicts, reserved keys and modifiers with the reason', () => {
    const keys = defaultTermKeys(TERMS);
    const moved = assignTermKey(keys, 'Basophil', 'b');
    expect(moved).toEqual({ ok: true, keys: { ...keys, Basophil: 'b' } });
    expect(assignTermKey(keys, 'Basophil', '2')).toEqual({
      ok: false,
      reason: '2 already labels Eosinophil.',
    });
    expect(assignTermKey(keys, 'Basophil', 'Enter')).toEqual({
      ok: false,
      reason: 'Enter is kept for next image.',
    });
    expect(assignTermKey(keys, 'Basophil', 'e')).toEqual({
      ok: false,
      reason: 'E is kept for editing the values of a label.',
    });
    expect(assignTermKey(keys, 'Basophil', null)).toMatchObject({ ok: false });
    // Its own key again is no conflict; a key freed by a move can be taken.
    expect(assignTermKey(keys, 'Basophil', '1').ok).toBe(true);
    if (!moved.ok) throw new Error('unreachable');
    expect(assignTermKey(moved.keys, 'Neutrophil', '1')).toMatchObject({ ok: true });
    expect(unassignTermKey(keys, 'Monocyte').Monocyte).toBeUndefined();
  });

  it('reads keys from keydowns: one character, lower-case, none with Ctrl/Alt/⌘', () => {
    expect(keyOfEvent({ key: '4', ...plain })).toBe('4');
    expect(keyOfEvent({ key: 'B', ...plain })).toBe('b');
    expect(keyOfEvent({ key: 'Enter', ...plain })).toBe('Enter');
    expect(keyOfEvent({ key: 'F2', ...plain })).toBeNull();
    expect(keyOfEvent({ key: 'z', ...plain, ctrlKey: true })).toBeNull();
    expect(keyOfEvent({ key: '1', ...plain, altKey: true })).toBeNull();
  });

  it('persists per feature, drops terms gone from the vocabulary and refuses a broken saved map', () => {
    const storage = memoryStorage();
    expect(loadTermKeys(storage, 'Image/Cell_Type', TERMS)).toEqual(defaultTermKeys(TERMS));
    const remapped = { ...defaultTermKeys(TERMS), Basophil: 'b', Gone: 'g' };
    saveTermKeys(storage, 'Image/Cell_Type', remapped);
    const loaded = loadTermKeys(storage, 'Image/Cell_Type', TERMS);
    expect(loaded.Basophil).toBe('b');
    expect(loaded.Gone).toBeUndefined();
    expect(loadTermKeys(storage, 'Image/Quality', ['Good'])).toEqual({ Good: '1' });
    // Two terms on one key, or a reserved key, never come back from storage.
    storage.setItem(
      'satchel.labeling.keys.Image/Cell_Type',
      JSON.stringify({ Basophil: '1', Eosinophil: '1', Monocyte: 'Enter' }),
    );
    expect(loadTermKeys(storage, 'Image/Cell_Type', TERMS)).toEqual({ Basophil: '1' });
    storage.setItem('satchel.labeling.keys.Image/Cell_Type', '{not json');
    expect(loadTermKeys(storage, 'Image/Cell_Type', TERMS)).toEqual(defaultTermKeys(TERMS));
    expect(resetTermKeys(storage, 'Image/Cell_Type', TERMS)).toEqual(defaultTermKeys(TERMS));
    expect(storage.items.has('satchel.labeling.keys.Image/Cell_Type')).toBe(false);
  });
});

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the ordered action queue', () => {
  it('runs calls one at a time in the order asked, however long each takes', async () => {
    const queue = new ActionQueue();
    const started: number[] = [];
    const finished: number[] = [];
    let running = 0;
    let most = 0;
    const durations = [30, 1, 15, 0, 25, 5, 10, 2, 20, 3];
    const results = await Promise.all(
      durations.map((ms, index) =>
        queue.run(async () => {
          started.push(index);
          running++;
          most = Math.max(most, running);
          await delay(ms);
          running--;
          finished.push(index);
          return index * 10;
        }),
      ),
    );
    expect(started).toEqual(durations.map((_, index) => index));
    expect(finished).toEqual(started);
    expect(most).toBe(1);
    expect(results).toEqual(durations.map((_, index) => index * 10));
    expect(queue.pending).toBe(0);
  });

  it('cancels what was waiting behind a failed call, and runs what is asked after it', async () => {
    const queue = new ActionQueue();
    const ran: string[] = [];
    const pendingSeen: number[] = [];
    queue.onPendingChange((pending) => pendingSeen.push(pending));
    const first = queue.run(async () => {
      await delay(10);
      ran.push('first');
    });
    const failing = queue.run(async () => {
      await delay(5);
      ran.push('failing');
      throw new Error('The disk is full.');
    });
    const behind = queue.run(async () => void ran.push('behind'));
    const behindToo = queue.run(async () => void ran.push('behind too'));
    await first;
    await expect(failing).rejects.toThrow('The disk is full.');
    await expect(behind).rejects.toBeInstanceOf(CancelledAction);
    await expect(behindToo).rejects.toBeInstanceOf(CancelledAction);
    await expect(queue.run(async () => 'after')).resolves.toBe('after');
    expect(ran).toEqual(['first', 'failing']);
    expect(pendingSeen.slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(pendingSeen.at(-1)).toBe(0);
    await queue.idle();
  });
});

const SHAPE: RecordShape = {
  feature: 'Cell_Type',
  target: 'Image',
  table: 'hematology:Execution_Image_Cell_Type',
  fields: [
    { column: 'Cell_Type', kind: 'term', required: true, terms: TERMS, type: 'text' },
    { column: 'Confidence', kind: 'float', required: false, type: 'float4' },
  ],
};

const EVERY_KIND: RecordShape = {
  feature: 'Review',
  target: 'Image',
  table: 'lab:Execution_Image_Review',
  fields: [
    { column: 'Verdict', kind: 'term', required: true, terms: ['Keep', 'Drop'], type: 'text' },
    { column: 'Count', kind: 'integer', required: true, type: 'int2' },
    { column: 'Score', kind: 'float', required: false, type: 'float8' },
    { column: 'Checked', kind: 'boolean', required: false, type: 'boolean' },
    { column: 'Seen', kind: 'date', required: false, type: 'date' },
    { column: 'Note', kind: 'text', required: false, type: 'text' },
  ],
};

describe('the values form', () => {
  it('starts from the draft, with a chosen term over it', () => {
    expect(formInput(SHAPE, { Cell_Type: 'Monocyte', Confidence: 0.5 }, { Cell_Type: 'Basophil' })).toEqual({
      Cell_Type: 'Basophil',
      Confidence: '0.5',
    });
    expect(formInput(SHAPE, null)).toEqual({ Cell_Type: '', Confidence: '' });
  });

  it('checks required, number and vocabulary fields with one sentence per field', () => {
    expect(checkForm(SHAPE, { Cell_Type: 'Monocyte', Confidence: '0.8' })).toEqual({
      ok: true,
      values: { Cell_Type: 'Monocyte', Confidence: 0.8 },
    });
    expect(checkForm(SHAPE, { Cell_Type: 'Monocyte', Confidence: '' })).toEqual({
      ok: true,
      values: { Cell_Type: 'Monocyte', Confidence: null },
    });
    expect(checkForm(SHAPE, { Cell_Type: '', Confidence: 'high' })).toEqual({
      ok: false,
      errors: { Cell_Type: 'Cell_Type is required.', Confidence: 'Confidence must be a number, not "high".' },
    });
    expect(checkForm(SHAPE, { Cell_Type: 'Horse', Confidence: '1' })).toEqual({
      ok: false,
      errors: {
        Cell_Type:
          'Cell_Type must be one of Basophil, Eosinophil, Lymphocyte, Monocyte, Neutrophil, not "Horse".',
      },
    });
  });

  it('checks integers against their range, booleans and dates', () => {
    const good = checkForm(EVERY_KIND, {
      Verdict: 'Keep',
      Count: '12',
      Score: '-1.5e2',
      Checked: 'false',
      Seen: '2024-02-29',
      Note: 'fine',
    });
    expect(good).toEqual({
      ok: true,
      values: { Verdict: 'Keep', Count: 12, Score: -150, Checked: false, Seen: '2024-02-29', Note: 'fine' },
    });
    const bad = checkForm(EVERY_KIND, {
      Verdict: 'Keep',
      Count: '40000',
      Checked: 'maybe',
      Seen: '2024-13-45',
    });
    expect(bad).toEqual({
      ok: false,
      errors: {
        Count: 'Count must be a whole number (int2), not "40000".',
        Checked: 'Checked must be true or false, not "maybe".',
        Seen: 'Seen must be a date (YYYY-MM-DD), not "2024-13-45".',
      },
    });
    expect(checkForm(EVERY_KIND, { Verdict: 'Keep', Count: '1.5' })).toMatchObject({
      ok: false,
      errors: { Count: 'Count must be a whole number (int2), not "1.5".' },
    });
  });

  it('accepts and refuses exactly what main accepts and refuses, with the same sentences', () => {
    const inputs: Record<string, string>[] = [
      { Verdict: 'Keep', Count: '3' },
      { Verdict: 'Maybe', Count: '3' },
      { Verdict: '', Count: '' },
      { Verdict: 'Drop', Count: '-32769', Score: 'x', Checked: 'yes', Seen: '2024-02-30', Note: '' },
      {
        Verdict: 'Drop',
        Count: '+7',
        Score: '1e-3',
        Checked: 'N',
        Seen: '1999-12-31',
        Note: 'a, "quoted" note',
      },
    ];
    for (const input of inputs) {
      const mine = checkForm(EVERY_KIND, input);
      const raw = Object.fromEntries(
        EVERY_KIND.fields.map((field) => [field.column, input[field.column] ?? null]),
      );
      const main = validateRecord(EVERY_KIND, raw);
      expect(mine.ok).toBe(main.ok);
      if (mine.ok && main.ok) expect(mine.values).toEqual(main.values);
      if (!mine.ok && !main.ok) expect(Object.values(mine.errors)).toEqual(main.reasons);
    }
  });

  it('knows which columns only the form can fill and when a term key is not enough', () => {
    expect(labelColumn(SHAPE)?.column).toBe('Cell_Type');
    expect(valueFields(SHAPE).map((field) => field.column)).toEqual(['Confidence']);
    expect(needsForm(SHAPE, { Cell_Type: 'Monocyte' })).toBe(false);
    expect(needsForm(EVERY_KIND, { Verdict: 'Keep' })).toBe(true);
    expect(needsForm(EVERY_KIND, { Verdict: 'Keep', Count: 2 })).toBe(false);
    expect(draftText(SHAPE, { Cell_Type: 'Monocyte', Confidence: 0.2 })).toBe('Monocyte');
  });
});

function draft(target: string, label: string): Draft {
  return {
    feature: SHAPE.table,
    featureName: 'Cell_Type',
    targetTable: 'hematology:Image',
    target,
    values: { Cell_Type: label, Confidence: null },
    author: 'me',
    updatedAt: '2026-11-24T00:00:00Z',
  };
}

describe('drafts on screen', () => {
  it('takes what a change says about the targets it touched, including the ones it cleared', () => {
    const drafts: DraftMap = new Map([
      ['A', draft('A', 'Basophil')],
      ['B', draft('B', 'Basophil')],
    ]);
    applyChange(drafts, { targets: ['A', 'C'], drafts: [draft('C', 'Monocyte')] });
    expect(drafts.get('A')).toBeNull();
    expect(drafts.get('B')?.values.Cell_Type).toBe('Basophil');
    expect(drafts.get('C')?.values.Cell_Type).toBe('Monocyte');
    applyDrafts(drafts, ['B', 'D'], [draft('D', 'Neutrophil')]);
    expect(drafts.get('B')).toBeNull();
    expect(drafts.get('D')?.values.Cell_Type).toBe('Neutrophil');
    expect(drafts.has('E')).toBe(false);
  });

  it('finds the queue positions of changed targets, in order, leaving out the others', () => {
    const positions = new Map(['A', 'B', 'C', 'D'].map((rid, index) => [rid, index]));
    expect(positionsOf(['D', 'B', 'X', 'B'], positions)).toEqual([1, 3]);
  });
});

describe('the member index behind a work queue', () => {
  const members: Row[] = Array.from({ length: 23 }, (_, index) => ({
    RID: `R${index}`,
    Filename: `f${index}.jpg`,
  }));
  const loader = (calls: [number, number][]) => async (offset: number, limit: number) => {
    calls.push([offset, limit]);
    const rows = members.slice(offset, offset + limit);
    return {
      rows,
      total: members.length,
      badges: {
        [`R${offset}`]: [
          { feature: 'X', value: 'v', executions: 1, disagreement: false, from: 'person' as const },
        ],
      },
    };
  };

  it('answers rows and badges in the queue order from a few large pages, fetched once', async () => {
    const calls: [number, number][] = [];
    const index = new MemberIndex(loader(calls), 100, 10);
    const first = await index.rowsOf(['R22', 'R0', 'R10', 'gone']);
    expect(first.rows).toEqual([members[22], members[0], members[10], { RID: 'gone' }]);
    expect(Object.keys(first.badges).sort()).toEqual(['R0', 'R10']);
    await index.rowsOf(['R5']);
    expect(calls).toEqual([
      [0, 10],
      [10, 10],
      [20, 10],
    ]);
    expect(index.complete).toBe(true);
  });

  it('leaves a dataset larger than its limit to bare RIDs', async () => {
    const calls: [number, number][] = [];
    const index = new MemberIndex(loader(calls), 20, 10);
    expect((await index.rowsOf(['R1'])).rows).toEqual([{ RID: 'R1' }]);
    expect(calls).toHaveLength(1);
    expect(index.complete).toBe(false);
  });

  it('falls back to bare RIDs when a page fails', async () => {
    const index = new MemberIndex(() => Promise.reject(new Error('gone')), 100, 10);
    expect((await index.rowsOf(['R1'])).rows).toEqual([{ RID: 'R1' }]);
  });
});
