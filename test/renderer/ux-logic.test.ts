/** The pure logic behind issue 12's labeler, grid and library: keys, blind mode, raters, forms, saved views. */
import { describe, expect, it } from 'vitest';
import type { FeatureDefinition } from '../../shared/bag.js';
import type { Badge } from '../../shared/contract.js';
import type { Draft, RecordShape } from '../../shared/labels.js';
import { distinctNames, peopleLabeled, raterKind, raterName, type RaterInfo } from '../../shared/raters.js';
import { declaredRange, normaliseValue } from '../../shared/records.js';
import { viewStateOf } from '../../renderer/src/data/viewState.js';
import {
  blindChoices,
  hidesOthers,
  isBlind,
  saveBlindChoice,
  visibleBadges,
} from '../../renderer/src/labeling/blind.js';
import { draftAgreement } from '../../renderer/src/labeling/draftAgreement.js';
import { draftMarks } from '../../renderer/src/labeling/drafts.js';
import { minorityLabels } from '../../renderer/src/labeling/kappa.js';
import { checkForm, describeField, firstFieldToFill } from '../../renderer/src/labeling/recordForm.js';
import {
  defaultKeyRule,
  defaultTermKeys,
  describeKeyRule,
  termForKey,
  type KeyStorage,
} from '../../renderer/src/labeling/termKeys.js';

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function memoryStorage(): KeyStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

describe('digit vocabularies', () => {
  it('puts each digit on its own key, 0 included', () => {
    const keys = defaultTermKeys(DIGITS);
    expect(defaultKeyRule(DIGITS)).toBe('own-digit');
    expect(termForKey(keys, '1')).toBe('1');
    expect(termForKey(keys, '0')).toBe('0');
    expect(termForKey(keys, '9')).toBe('9');
    expect(describeKeyRule(DIGITS, keys)).toBe('Each digit key labels its own digit.');
  });

  it('keeps 1–9 by position for any other vocabulary, digits with words included', () => {
    const mixed = ['0', '1', 'unsure'];
    expect(defaultKeyRule(mixed)).toBe('position');
    expect(defaultTermKeys(mixed)).toEqual({ '0': '1', '1': '2', unsure: '3' });
    expect(describeKeyRule(mixed, defaultTermKeys(mixed))).toBe('Keys 1–3 label the terms in order.');
    const many = Array.from({ length: 12 }, (_, index) => `T${index}`);
    expect(describeKeyRule(many, defaultTermKeys(many))).toBe(
      'Keys 1–9 label the first nine terms; Keys… gives the others a key.',
    );
    expect(describeKeyRule(DIGITS, { ...defaultTermKeys(DIGITS), '0': 'z' })).toBe(
      'Your own key mapping (Keys… to change or reset it).',
    );
  });
});

describe('declared ranges', () => {
  const confidence = { column: 'Confidence', kind: 'float' as const, required: false, type: 'float4' };

  it('reads a range stated in a column comment, and nothing from a comment without one', () => {
    expect(declaredRange('Model confidence from 0 to 1 (NULL for manual labels)')).toEqual({
      min: 0,
      max: 1,
    });
    expect(declaredRange('A score between 1 and 5')).toEqual({ min: 1, max: 5 });
    expect(declaredRange('Probability in [0, 1].')).toEqual({ min: 0, max: 1 });
    expect(declaredRange('Model confidence (NULL for manual labels)')).toBeNull();
    expect(declaredRange('from 5 to 1')).toBeNull();
    expect(declaredRange(null)).toBeNull();
  });

  it('refuses a value outside the declared range, and outside float4 without one', () => {
    const ranged = { ...confidence, range: { min: 0, max: 1 } };
    expect(normaliseValue(ranged, '1.7')).toEqual({
      reason: 'Confidence must be between 0 and 1, not "1.7".',
    });
    expect(normaliseValue(ranged, '0.8')).toBe(0.8);
    expect(normaliseValue(ranged, 1)).toBe(1);
    expect(normaliseValue(confidence, '1.7')).toBe(1.7);
    expect(normaliseValue(confidence, '1e39')).toEqual({
      reason: 'Confidence must be a number a float4 column can hold (up to about ±3.4e38), not "1e39".',
    });
    expect(describeField(ranged)).toBe('number from 0 to 1');
  });
});

describe('the values form', () => {
  const shape: RecordShape = {
    feature: 'Digit',
    target: 'Image',
    table: 'digits:Execution_Image_Digit',
    fields: [
      { column: 'Digit', kind: 'term', required: true, terms: DIGITS, type: 'text' },
      { column: 'Confidence', kind: 'float', required: false, type: 'float4', range: { min: 0, max: 1 } },
    ],
  };

  it('starts the cursor in the first value field, or the first field a key did not preset', () => {
    expect(firstFieldToFill(shape, {})).toBe('Confidence');
    expect(firstFieldToFill(shape, { Digit: '3' })).toBe('Confidence');
    expect(firstFieldToFill({ ...shape, fields: [shape.fields[0]!] }, {})).toBe('Digit');
  });

  it('checks only the touched fields of a bulk edit: a confidence alone is valid', () => {
    expect(checkForm(shape, { Digit: '', Confidence: '0.8' }, new Set(['Confidence']))).toEqual({
      ok: true,
      values: { Confidence: 0.8 },
    });
    expect(checkForm(shape, { Digit: '', Confidence: '1.7' }, new Set(['Confidence']))).toEqual({
      ok: false,
      errors: { Confidence: 'Confidence must be between 0 and 1, not "1.7".' },
    });
    expect(checkForm(shape, { Digit: '', Confidence: '0.8' })).toEqual({
      ok: false,
      errors: { Digit: 'Digit is required.' },
    });
  });
});

const rater = (execution: string, kind: RaterInfo['kind'], features: Record<string, number>): RaterInfo => ({
  execution,
  description: null,
  workflow: null,
  workflowTypes: [],
  kind,
  name: execution,
  features,
});

describe('raters', () => {
  it('tells people from models by workflow type first, then by the descriptions', () => {
    expect(raterKind(['Prediction'], ['annotator A'])).toBe('model');
    expect(raterKind(['Manual_Annotation'], [])).toBe('person');
    expect(raterKind(['Feature_Creation'], ['Digit labels by annotator A (a person)'])).toBe('person');
    expect(raterKind([], ['Model prediction: ResNet-18 WBC subtype classifier over all 300 images.'])).toBe(
      'model',
    );
    expect(raterKind([], ['Cell-type annotation, annotator A (hematologist #1)'])).toBe('person');
    expect(raterKind([], [null, 'A run'])).toBe('unknown');
  });

  it('names people by the annotator their description names, a model "model", and keeps names distinct', () => {
    expect(raterName('5VJ', 'Digit labels by annotator A (a person), with quality', 'person')).toBe(
      'annotator A',
    );
    expect(raterName('6PJ', 'Digit predictions by the classifier', 'model')).toBe('model');
    expect(raterName('7XX', null, 'unknown')).toBe('7XX');
    expect(
      distinctNames([
        { execution: 'M1', name: 'model' },
        { execution: 'M2', name: 'model' },
        { execution: 'P1', name: 'annotator A' },
      ]).map((entry) => entry.name),
    ).toEqual(['model M1', 'model M2', 'annotator A']);
  });

  it('makes blind labeling the default only where people labeled the feature', () => {
    const raters = [rater('A', 'person', { 'Image/Digit': 3 }), rater('M', 'model', { 'Image/Score': 9 })];
    expect(peopleLabeled(raters, 'Image/Digit')).toBe(true);
    expect(peopleLabeled(raters, 'Image/Score')).toBe(false);
    expect(isBlind({}, raters, 'Image/Digit')).toBe(true);
    expect(isBlind({ 'Image/Digit': false }, raters, 'Image/Digit')).toBe(false);
    expect(isBlind({ 'Image/Score': true }, raters, 'Image/Score')).toBe(true);
  });
});

describe('blind mode', () => {
  const badges: Badge[] = [
    { feature: 'Digit', value: '7', executions: 3, disagreement: true, from: 'model' },
    { feature: 'Quality', value: 'Good', executions: 1, disagreement: false, from: 'person' },
  ];

  it('hides the labeled feature until the image has a draft, and while the draft is not known yet', () => {
    expect(hidesOthers(true, undefined)).toBe(true);
    expect(hidesOthers(true, false)).toBe(true);
    expect(hidesOthers(true, true)).toBe(false);
    expect(hidesOthers(false, false)).toBe(false);
    expect(visibleBadges(badges, 'Digit', true)).toEqual([badges[1]]);
    expect(visibleBadges(badges, 'Digit', false)).toEqual(badges);
  });

  it('keeps the choice per feature', () => {
    const storage = memoryStorage();
    expect(blindChoices(storage)).toEqual({});
    saveBlindChoice(storage, 'Image/Digit', false);
    saveBlindChoice(storage, 'Image/Quality', true);
    expect(blindChoices(storage)).toEqual({ 'Image/Digit': false, 'Image/Quality': true });
    storage.setItem('satchel.labeling.blind', '["broken"]');
    expect(blindChoices(storage)).toEqual({});
  });

  it('says which raters a draft agrees with instead of a blanket "differs"', () => {
    const names: Record<string, string> = { A: 'annotator A', B: 'annotator B', M: 'model' };
    const nameOf = (execution: string) => names[execution] ?? execution;
    const votes = [
      { execution: 'A', term: '3' },
      { execution: 'B', term: '5' },
      { execution: 'M', term: '3' },
    ];
    expect(draftAgreement('3', votes, nameOf)).toEqual({
      agrees: ['annotator A', 'model'],
      differs: ['annotator B'],
      sentence: 'agrees with annotator A and model; differs from annotator B',
    });
    expect(draftAgreement('5', votes.slice(1, 2), nameOf).sentence).toBe('agrees with annotator B');
    expect(draftAgreement('9', votes, nameOf).sentence).toBe(
      'differs from annotator A, annotator B and model',
    );
    expect(draftAgreement('9', [], nameOf).sentence).toBeNull();
  });
});

describe('the grid and the agreement view', () => {
  it('marks the user drafts per target with each feature term, or its first value', () => {
    const definition = (name: string, terms: string[], values: string[]) =>
      ({ name, target: 'Image', termColumns: terms, valueColumns: values }) as unknown as FeatureDefinition;
    const draft = (featureName: string, target: string, values: Draft['values']): Draft => ({
      feature: `digits:Execution_Image_${featureName}`,
      featureName,
      targetTable: 'Image',
      target,
      values,
      author: 'me',
      updatedAt: '2026-01-01T00:00:00Z',
    });
    const definitions = [definition('Digit', ['Digit'], ['Confidence']), definition('Score', [], ['Score'])];
    expect(
      draftMarks(
        [
          draft('Digit', 'I1', { Digit: '3', Confidence: 0.5 }),
          draft('Score', 'I1', { Score: 2 }),
          draft('Digit', 'I2', { Digit: '4' }),
        ],
        definitions,
      ),
    ).toEqual({ I1: ['3', '2'], I2: ['4'] });
  });

  it('finds the labels outside a majority, or all of them in a tie', () => {
    expect(minorityLabels({ A: '3', B: '5', M: '3' })).toEqual(new Set(['5']));
    expect(minorityLabels({ A: '3', B: '5', M: '8' })).toEqual(new Set(['3', '5', '8']));
  });
});

describe('the saved view', () => {
  it('keeps the bag, dataset, section and mode, and the feature only in label mode', () => {
    const session = {
      bag: { path: '/bags/x' },
      datasetRid: 'D1',
      section: { kind: 'members' as const, elementType: 'Image' },
    };
    expect(viewStateOf(session, { active: true, featureKey: 'Image/Digit' })).toEqual({
      bag: {
        path: '/bags/x',
        datasetRid: 'D1',
        section: { kind: 'members', elementType: 'Image' },
        mode: 'label',
        feature: 'Image/Digit',
      },
    });
    expect(viewStateOf(session, { active: false, featureKey: 'Image/Digit' }).bag).toMatchObject({
      mode: 'browse',
      feature: null,
    });
    expect(viewStateOf({ ...session, bag: null }, { active: false, featureKey: null })).toEqual({
      bag: null,
    });
  });
});
