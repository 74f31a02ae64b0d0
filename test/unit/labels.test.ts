import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FeatureDefinition } from '../../shared/bag.js';
import {
  cohensKappa,
  confusionMatrix,
  exportDrafts,
  fleissKappa,
  LabelStore,
  parseDrafts,
  recordShape,
  validateRecord,
  type Ratings,
} from '../../main/core/labels/index.js';
import { openWorkspaceDb, type WorkspaceDb } from '../../main/core/workspace-db/index.js';
import { temporaryDirectory } from '../support/fixtures.js';

const definition: FeatureDefinition = {
  target: 'Image',
  name: 'Cell_Type',
  table: 'hematology:Execution_Image_Cell_Type',
  termColumns: ['Cell_Type'],
  valueColumns: ['Confidence', 'Count', 'Reviewed', 'Seen'],
  assetColumns: [],
  rows: 0,
  targetSchema: 'hematology',
  schema: 'hematology',
  terms: [
    {
      column: 'Cell_Type',
      vocabulary: 'hematology:Cell_Type',
      nullok: false,
      terms: ['Neutrophil', 'Eosinophil', 'Basophil'].map((name) => ({
        name,
        description: null,
        synonyms: [],
      })),
    },
  ],
  values: [
    { column: 'Confidence', type: 'float4', nullok: true },
    { column: 'Count', type: 'int2', nullok: true },
    { column: 'Reviewed', type: 'boolean', nullok: true },
    { column: 'Seen', type: 'date', nullok: true },
  ],
  assets: [],
  qualifierColumns: [],
};
const shape = recordShape(definition);

describe('feature records', () => {
  it('derives the record shape from the feature table', () => {
    expect(shape.fields.map((field) => [field.column, field.kind, field.required])).toEqual([
      ['Cell_Type', 'term', true],
      ['Confidence', 'float', false],
      ['Count', 'integer', false],
      ['Reviewed', 'boolean', false],
      ['Seen', 'date', false],
    ]);
  });

  it('types values and refuses invalid ones with reasons', () => {
    expect(
      validateRecord(shape, {
        Cell_Type: 'Basophil',
        Confidence: '0.9',
        Count: '7',
        Reviewed: 'true',
        Seen: '2026-01-02',
      }),
    ).toEqual({
      ok: true,
      values: { Cell_Type: 'Basophil', Confidence: 0.9, Count: 7, Reviewed: true, Seen: '2026-01-02' },
    });
    const bad = validateRecord(shape, {
      Cell_Type: 'Platelet',
      Count: '40000',
      Confidence: 'high',
      Extra: 1,
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reasons).toEqual([
      'Cell_Type has no column Extra.',
      'Cell_Type must be one of Neutrophil, Eosinophil, Basophil, not "Platelet".',
      'Confidence must be a number, not "high".',
      'Count must be a whole number (int2), not "40000".',
    ]);
    expect(validateRecord(shape, { Confidence: 0.5 })).toEqual({
      ok: false,
      reasons: ['Cell_Type is required.'],
    });
  });
});

describe('the drafts store', () => {
  let scratch: ReturnType<typeof temporaryDirectory>;
  let db: WorkspaceDb;
  let store: LabelStore;
  const scope = { bagRid: '58A', snaptime: '361-XRNG-TRRP' };

  beforeEach(() => {
    scratch = temporaryDirectory();
    db = openWorkspaceDb(scratch.dir);
    store = new LabelStore(db);
  });
  afterEach(() => {
    db.close();
    scratch.cleanup();
  });

  it('keeps one draft per target and feature, with a history of every change', () => {
    store.set(scope, shape, ['A'], { Cell_Type: 'Neutrophil' }, 'ann');
    store.set(scope, shape, ['A'], { Cell_Type: 'Basophil', Confidence: 0.4 }, 'ann');
    expect(store.drafts(scope)).toHaveLength(1);
    expect(store.draft(scope, shape.table, 'A')!.values).toEqual({
      Cell_Type: 'Basophil',
      Confidence: 0.4,
      Count: null,
      Reviewed: null,
      Seen: null,
    });
    const history = store.history(scope);
    expect(
      history.map((entry) => [entry.kind, entry.old?.Cell_Type ?? null, entry.new?.Cell_Type ?? null]),
    ).toEqual([
      ['set', 'Neutrophil', 'Basophil'],
      ['set', null, 'Neutrophil'],
    ]);
    expect(history[0]!.author).toBe('ann');
  });

  it('refuses an invalid label whole and changes nothing', () => {
    expect(() => store.set(scope, shape, ['A', 'B'], { Cell_Type: 'Platelet' }, 'ann')).toThrow(
      /Cell_Type must be one of/,
    );
    expect(store.drafts(scope)).toEqual([]);
    expect(store.history(scope)).toEqual([]);
  });

  it('undoes and redoes whole actions, a bulk label being one step', () => {
    store.set(scope, shape, ['A'], { Cell_Type: 'Neutrophil' }, 'ann');
    store.set(scope, shape, ['A', 'B', 'C'], { Cell_Type: 'Eosinophil' }, 'ann');
    expect(store.undo(scope, 'ann')!.changed).toBe(3);
    expect(store.drafts(scope).map((draft) => [draft.target, draft.values.Cell_Type])).toEqual([
      ['A', 'Neutrophil'],
    ]);
    expect(store.undo(scope, 'ann')!.changed).toBe(1);
    expect(store.drafts(scope)).toEqual([]);
    expect(store.undo(scope, 'ann')).toBeNull();
    store.redo(scope, 'ann');
    store.redo(scope, 'ann');
    expect(store.drafts(scope).map((draft) => draft.values.Cell_Type)).toEqual([
      'Eosinophil',
      'Eosinophil',
      'Eosinophil',
    ]);
    expect(store.redo(scope, 'ann')).toBeNull();
  });

  it('a new action after an undo discards the redo branch', () => {
    store.set(scope, shape, ['A'], { Cell_Type: 'Neutrophil' }, 'ann');
    store.undo(scope, 'ann');
    store.set(scope, shape, ['B'], { Cell_Type: 'Basophil' }, 'ann');
    expect(store.redo(scope, 'ann')).toBeNull();
    expect(store.canUndo(scope)).toEqual({ undo: true, redo: false });
  });

  it('clears labels, undoably', () => {
    store.set(scope, shape, ['A', 'B'], { Cell_Type: 'Neutrophil' }, 'ann');
    store.clear(scope, shape, ['A'], 'ann');
    expect(store.drafts(scope).map((draft) => draft.target)).toEqual(['B']);
    store.undo(scope, 'ann');
    expect(store.drafts(scope).map((draft) => draft.target)).toEqual(['A', 'B']);
  });

  it('survives closing and reopening the workspace, and keeps scopes apart', () => {
    store.set(scope, shape, ['A'], { Cell_Type: 'Neutrophil' }, 'ann');
    store.set({ ...scope, snaptime: 'OTHER' }, shape, ['A'], { Cell_Type: 'Basophil' }, 'ann');
    db.close();
    db = openWorkspaceDb(scratch.dir);
    store = new LabelStore(db);
    expect(store.draft(scope, shape.table, 'A')!.values.Cell_Type).toBe('Neutrophil');
    expect(store.draft({ ...scope, snaptime: 'OTHER' }, shape.table, 'A')!.values.Cell_Type).toBe('Basophil');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
  });
});

describe('drafts files', () => {
  const drafts = [
    {
      target: 'A',
      values: { Cell_Type: 'Neutrophil', Confidence: 0.5, Count: null, Reviewed: true, Seen: null },
    },
    {
      target: 'B',
      values: { Cell_Type: 'Basophil, rare', Confidence: null, Count: 2, Reviewed: null, Seen: '2026-01-01' },
    },
  ];
  const csvShape = recordShape({
    ...definition,
    terms: [
      {
        ...definition.terms[0]!,
        terms: [...definition.terms[0]!.terms, { name: 'Basophil, rare', description: null, synonyms: [] }],
      },
    ],
  });

  it('exports in the shape of FeatureRecord.model_dump() and reads it back', () => {
    const jsonl = exportDrafts(csvShape, drafts, 'jsonl');
    expect(JSON.parse(jsonl.split('\n')[0]!)).toEqual({
      Execution: null,
      Feature_Name: 'Cell_Type',
      RCT: null,
      Image: 'A',
      Cell_Type: 'Neutrophil',
      Confidence: 0.5,
      Count: null,
      Reviewed: true,
      Seen: null,
    });
    for (const format of ['jsonl', 'csv'] as const) {
      const text = exportDrafts(csvShape, drafts, format);
      const parsed = parseDrafts(csvShape, text, format, () => true);
      expect(parsed.rejects).toEqual([]);
      expect(parsed.records.map((record) => ({ target: record.target, values: record.values }))).toEqual(
        drafts,
      );
    }
  });

  it('reports every rejected record by line', () => {
    const text = [
      '{"Image":"A","Cell_Type":"Neutrophil"}',
      'not json',
      '{"Image":"Z","Cell_Type":"Neutrophil"}',
      '{"Image":"B","Cell_Type":"Platelet"}',
      '{"Image":"A","Cell_Type":"Basophil"}',
      '{"Image":"C","Cell_Type":"Basophil","Execution":"5VJ"}',
      '{"Image":"D","Cell_Type":"Basophil","Feature_Name":"Quality"}',
      '{"Cell_Type":"Basophil"}',
    ].join('\n');
    const { records, rejects } = parseDrafts(shape, text, 'jsonl', (rid) => rid !== 'Z');
    expect(records.map((record) => record.target)).toEqual(['A']);
    expect(rejects).toEqual([
      { line: 2, reason: 'the line is not valid JSON.' },
      { line: 3, reason: 'Image Z is not in this bag.' },
      { line: 4, reason: 'Cell_Type must be one of Neutrophil, Eosinophil, Basophil, not "Platelet".' },
      { line: 5, reason: 'Image A already has a record on line 1; one value per target.' },
      { line: 6, reason: 'Execution must be empty in a draft (it is set when the labels are committed).' },
      { line: 7, reason: 'Feature_Name is "Quality", not "Cell_Type".' },
      { line: 8, reason: 'the Image column is missing.' },
    ]);
  });
});

describe('agreement', () => {
  it("matches the textbook Cohen's kappa (50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no → 0.4)", () => {
    const a: Ratings = new Map();
    const b: Ratings = new Map();
    const add = (count: number, first: string, second: string) => {
      for (let i = 0; i < count; i++) {
        const id = `${first}${second}${i}`;
        a.set(id, first);
        b.set(id, second);
      }
    };
    add(20, 'yes', 'yes');
    add(5, 'yes', 'no');
    add(10, 'no', 'yes');
    add(15, 'no', 'no');
    const confusion = confusionMatrix(a, b);
    expect(confusion.labels).toEqual(['no', 'yes']);
    expect(confusion.matrix).toEqual([
      [15, 10],
      [5, 20],
    ]);
    expect(confusion.targets['1,0']).toHaveLength(5);
    // p_o = 35/50 = 0.7; p_e = (25·30 + 25·20) / 50² = 0.5; κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
    expect(cohensKappa(confusion)).toBeCloseTo(0.4, 12);
  });

  it("matches the textbook Fleiss' kappa (10 subjects, 14 raters, 5 categories → 4211/20059 ≈ 0.210)", () => {
    const counts = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    const raters: Ratings[] = Array.from({ length: 14 }, () => new Map());
    counts.forEach((row, subject) => {
      const labels = row.flatMap((count, category) => Array<string>(count).fill(`c${category + 1}`));
      labels.forEach((label, rater) => raters[rater]!.set(`s${subject}`, label));
    });
    const { kappa, subjects } = fleissKappa(raters);
    expect(subjects).toBe(10);
    // Σ over subjects of Σ n_ij(n_ij − 1) = 688, so P̄ = 688 / (10 · 14 · 13) = 172/455; the category
    // totals 20, 28, 39, 21, 32 of 140 give P̄e = (20² + 28² + 39² + 21² + 32²) / 140² = 417/1960;
    // κ = (172/455 − 417/1960) / (1 − 417/1960) = 4211/20059.
    expect(kappa).toBeCloseTo(4211 / 20059, 12);
  });

  it('is undefined without shared targets', () => {
    expect(cohensKappa(confusionMatrix(new Map([['x', 'a']]), new Map([['y', 'a']])))).toBeNull();
    expect(fleissKappa([new Map()]).kappa).toBeNull();
  });
});
