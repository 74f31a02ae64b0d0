/**
 * The API additions behind the annotator's and researcher's day (issue 12): who the raters are, the
 * drafts at a glance, bulk edits that change only what they name, declared value ranges, the saved
 * view, typed paths with `~` and quotes, the path completion under the home folder, and recent bags
 * listed once per bag with where each came from. All on the generated sample bag.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { createApi, type Api } from '../../main/core/api/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

const FEATURE = 'Image/Digit';
const bags = generatedBags();
const { facts } = bags;
const scratch = temporaryDirectory('satchel-ux-api-');
const home = path.join(scratch.dir, 'home');
const workspace = path.join(scratch.dir, 'workspace');
let api: Api;
let bagId: string;
const images = facts.images.filter((image) => image.release === '1.0.0').map((image) => image.rid);

async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = (await api.handle(channel, request)) as ApiResult<C>;
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

async function refusal<C extends Channel>(channel: C, request: RequestOf<C>): Promise<string> {
  const result = (await api.handle(channel, request)) as ApiResult<C>;
  if (result.ok) throw new Error(`${channel} was accepted`);
  return result.error.message;
}

beforeAll(async () => {
  fs.mkdirSync(path.join(home, 'bags'), { recursive: true });
  fs.mkdirSync(path.join(home, 'Downloads', 'old'), { recursive: true });
  fs.mkdirSync(path.join(home, '.hidden'), { recursive: true });
  fs.writeFileSync(path.join(home, 'Downloads', 'bag.zip'), '');
  fs.writeFileSync(path.join(home, 'Downloads', 'notes.txt'), '');
  // The generated bag, reached through the home folder: by a link, as a user's bag folder often is.
  fs.symlinkSync(bags.formatB, path.join(home, 'bags', 'digits'));
  fs.mkdirSync(path.join(scratch.dir, 'elsewhere', 'inside'), { recursive: true });
  fs.symlinkSync(path.join(scratch.dir, 'elsewhere'), path.join(home, 'way-out'));
  api = createApi({ workspace, homeDir: home });
  bagId = (await call('bag:open', { path: bags.formatB })).bagId;
});

afterAll(async () => {
  await api.close();
  scratch.cleanup();
});

describe('raters', () => {
  it('names the executions and tells the two annotators from the model by their descriptions', async () => {
    const raters = await call('bag:raters', { bagId });
    const byRid = new Map(raters.map((rater) => [rater.execution, rater]));
    expect([...byRid.keys()].sort()).toEqual(Object.values(facts.executions).sort());
    expect(byRid.get(facts.executions.A)).toMatchObject({ kind: 'person', name: 'annotator A' });
    expect(byRid.get(facts.executions.B)).toMatchObject({ kind: 'person', name: 'annotator B' });
    expect(byRid.get(facts.executions.model)).toMatchObject({ kind: 'model', name: 'model' });
    expect(byRid.get(facts.executions.A)!.features[FEATURE]).toBe(Object.keys(facts.digit.A).length);
    expect(byRid.get(facts.executions.B)!.features[FEATURE]).toBe(Object.keys(facts.digit.B).length);
    expect(byRid.get(facts.executions.model)!.features[FEATURE]).toBe(Object.keys(facts.digit.model).length);
    expect(byRid.get(facts.executions.model)!.features['Image/Quality']).toBeUndefined();
  });
});

describe('drafts at a glance and bulk edits', () => {
  it('says there is nothing to undo or redo before any label', async () => {
    expect(await call('labels:status', { bagId })).toEqual({
      drafts: {},
      total: 0,
      canUndo: false,
      canRedo: false,
    });
  });

  it('declares Confidence from 0 to 1 and refuses 1.7 with one sentence, in main as in the form', async () => {
    const features = await call('labels:features', { bagId });
    const digit = features.find((feature) => feature.key === FEATURE)!;
    expect(digit.shape.fields.find((field) => field.column === 'Confidence')).toEqual({
      column: 'Confidence',
      kind: 'float',
      required: false,
      type: 'float4',
      range: { min: 0, max: 1 },
    });
    const message = await refusal('labels:set', {
      bagId,
      feature: FEATURE,
      targets: [images[0]!],
      values: { Digit: '3', Confidence: 1.7 },
    });
    expect(message).toBe('The Digit label is invalid: Confidence must be between 0 and 1, not "1.7".');
  });

  it('changes only the named columns of each image in a merged bulk edit', async () => {
    const [first, second, third] = images as [string, string, string];
    await call('labels:set', {
      bagId,
      feature: FEATURE,
      targets: [first],
      values: { Digit: '3', Confidence: 0.5 },
    });
    await call('labels:set', { bagId, feature: FEATURE, targets: [second], values: { Digit: '4' } });
    const confidence = await call('labels:set', {
      bagId,
      feature: FEATURE,
      targets: [first, second],
      values: { Confidence: 0.9 },
      merge: true,
    });
    expect(confidence.drafts.map((draft) => [draft.target, draft.values])).toEqual([
      [first, { Digit: '3', Confidence: 0.9 }],
      [second, { Digit: '4', Confidence: 0.9 }],
    ]);
    const term = await call('labels:set', {
      bagId,
      feature: FEATURE,
      targets: [first, second],
      values: { Digit: '7' },
      merge: true,
    });
    expect(term.drafts.map((draft) => draft.values)).toEqual([
      { Digit: '7', Confidence: 0.9 },
      { Digit: '7', Confidence: 0.9 },
    ]);
    // An image with no draft has no Digit to keep: the edit is refused whole, naming it.
    const message = await refusal('labels:set', {
      bagId,
      feature: FEATURE,
      targets: [first, third],
      values: { Confidence: 0.2 },
      merge: true,
    });
    expect(message).toBe(
      `Not saved: 1 of the 2 images (${third}) would be left with an invalid Digit label: Digit is required.`,
    );
    const drafts = await call('labels:target-drafts', { bagId, targets: [first, second, third] });
    expect(drafts.map((draft) => [draft.target, draft.featureName, draft.values])).toEqual([
      [first, 'Digit', { Digit: '7', Confidence: 0.9 }],
      [second, 'Digit', { Digit: '7', Confidence: 0.9 }],
    ]);
  });

  it('counts the drafts per feature and says when undo and redo would act', async () => {
    expect(await call('labels:status', { bagId })).toEqual({
      drafts: { [FEATURE]: 2 },
      total: 2,
      canUndo: true,
      canRedo: false,
    });
    await call('labels:undo', { bagId, feature: FEATURE });
    expect(await call('labels:status', { bagId })).toMatchObject({ canUndo: true, canRedo: true });
  });
});

describe('the saved view', () => {
  it('keeps the bag, dataset, section and mode in the workspace, and reads a damaged file as none', async () => {
    expect(await call('ui:state', {})).toEqual({ bag: null });
    const state = {
      bag: {
        path: bags.formatB,
        datasetRid: facts.datasets.training,
        section: { kind: 'members' as const, elementType: 'Image' },
        mode: 'label' as const,
        feature: FEATURE,
      },
    };
    await call('ui:save', { state });
    expect(await call('ui:state', {})).toEqual(state);
    expect(JSON.parse(fs.readFileSync(path.join(workspace, 'ui-state.json'), 'utf8'))).toEqual(state);
    fs.writeFileSync(path.join(workspace, 'ui-state.json'), '{"bag": {"path": 3}');
    expect(await call('ui:state', {})).toEqual({ bag: null });
  });
});

describe('typed paths and the library', () => {
  it('opens `~/…` in the home folder and a pasted path in quotes', async () => {
    const typed = await call('bag:open', { path: '~/bags/digits' });
    expect(typed.path).toBe(path.join(home, 'bags', 'digits'));
    expect(typed.bagId).toBe(bagId);
    const quoted = await call('bag:open', { path: `'${bags.formatB}'` });
    expect(quoted.path).toBe(bags.formatB);
  });

  it('lists the bag once though it was opened by two paths, saying where it came from', async () => {
    const { recent } = await call('library:state', {});
    const digits = recent.filter((bag) => bag.rid === facts.rid);
    expect(digits).toHaveLength(1);
    expect(digits[0]).toMatchObject({ version: '1.0.0', path: bags.formatB });
    expect(digits[0]!.source).toBe(`folder in ${path.dirname(bags.formatB)}`);
    const forgotten = await call('library:forget', { path: path.join(home, 'bags', 'digits') });
    expect(forgotten.recent.filter((bag) => bag.rid === facts.rid)).toEqual([]);
  });

  it('completes folders and zip files under the home folder, hidden ones only when asked', async () => {
    const top = await call('library:complete', { path: '~/' });
    expect(top).toMatchObject({ folder: '~/', refused: null, outsideHome: false });
    expect(top.entries.map((entry) => entry.path)).toEqual(['~/bags/', '~/Downloads/', '~/way-out/']);
    const downloads = await call('library:complete', { path: '~/Downloads/' });
    expect(downloads.entries).toEqual([
      { name: 'bag.zip', path: '~/Downloads/bag.zip', kind: 'zip' },
      { name: 'old', path: '~/Downloads/old/', kind: 'folder' },
    ]);
    const prefix = await call('library:complete', { path: '~/Do' });
    expect(prefix.entries.map((entry) => entry.path)).toEqual(['~/Downloads/']);
    const hidden = await call('library:complete', { path: '~/.h' });
    expect(hidden.entries.map((entry) => entry.path)).toEqual(['~/.hidden/']);
  });

  it('lists nothing outside the home folder, through a link too, until the user confirms', async () => {
    const outside = await call('library:complete', { path: `${scratch.dir}/` });
    expect(outside).toEqual({
      folder: null,
      entries: [],
      refused: `${scratch.dir} is outside your home folder: confirm to list it.`,
      outsideHome: true,
    });
    const linked = await call('library:complete', { path: '~/way-out/' });
    expect(linked).toMatchObject({ folder: null, entries: [], outsideHome: true });
    const confirmed = await call('library:complete', { path: '~/way-out/', outsideHome: true });
    expect(confirmed.entries.map((entry) => entry.path)).toEqual(['~/way-out/inside/']);
    expect((await call('library:complete', { path: '~/nowhere/' })).refused).toBe(
      '~/nowhere does not exist.',
    );
  });
});
