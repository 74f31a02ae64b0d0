import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { createApi, type Api } from '../../main/core/api/index.js';
import { buildMiniBag } from '../support/mini-bag.js';
import { temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory();
let api: Api;
let bagId: string;

async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = (await api.handle(channel, request)) as ApiResult<C>;
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
}

beforeAll(async () => {
  api = createApi({ workspace: path.join(scratch.dir, 'workspace'), homeDir: scratch.dir });
  const bag = buildMiniBag(path.join(scratch.dir, 'bags'), { images: 10, labels: () => undefined });
  bagId = (await call('bag:open', { path: bag })).bagId;
});
afterAll(async () => {
  await api.close();
  scratch.cleanup();
});

describe('the labels channels', () => {
  const feature = 'Image/Label';

  it('lists labelable features with their record shape and progress', async () => {
    const features = await call('labels:features', { bagId });
    expect(features).toEqual([
      {
        key: feature,
        shape: {
          feature: 'Label',
          target: 'Image',
          table: 'lab:Execution_Image_Label',
          fields: [
            { column: 'Label', kind: 'term', required: true, terms: ['Bird', 'Cat', 'Dog'], type: 'text' },
            { column: 'Score', kind: 'float', required: false, type: 'float4' },
          ],
        },
        progress: { labeled: 0, total: 10 },
      },
    ]);
  });

  it('sets, bulk-sets, undoes and redoes, answering with the drafts and progress to show', async () => {
    const one = await call('labels:set', { bagId, feature, targets: ['I0'], values: { Label: 'Cat' } });
    expect(one).toMatchObject({
      kind: 'set',
      changed: 1,
      progress: { labeled: 1, total: 10 },
      canUndo: true,
      canRedo: false,
    });
    expect(one.drafts[0]).toMatchObject({ target: 'I0', values: { Label: 'Cat', Score: null } });
    const bulk = await call('labels:set', {
      bagId,
      feature,
      targets: ['I1', 'I2', 'I3'],
      values: { Label: 'Dog', Score: 0.5 },
    });
    expect(bulk.progress).toEqual({ labeled: 4, total: 10 });
    const undone = await call('labels:undo', { bagId, feature });
    expect(undone).toMatchObject({
      kind: 'undo',
      changed: 3,
      drafts: [],
      progress: { labeled: 1, total: 10 },
      canRedo: true,
    });
    const redone = await call('labels:redo', { bagId, feature });
    expect(redone.drafts.map((draft) => draft.target)).toEqual(['I1', 'I2', 'I3']);
    const queue = await call('labels:queue', { bagId, feature, kind: 'unlabeled' });
    expect(queue.targets).toEqual(['I4', 'I5', 'I6', 'I7', 'I8', 'I9']);
  });

  it('refuses an invalid record with the reason and changes nothing', async () => {
    const result = await api.handle('labels:set', {
      bagId,
      feature,
      targets: ['I5'],
      values: { Label: 'Horse' },
    });
    expect(result).toEqual({
      ok: false,
      error: {
        kind: 'bad-argument',
        message: 'The Label label is invalid: Label must be one of Bird, Cat, Dog, not "Horse".',
      },
    });
    expect(await call('labels:drafts', { bagId, feature, targets: ['I5'] })).toEqual([]);
  });

  it('exports and re-imports drafts, reporting rejects by line', async () => {
    const exported = await call('labels:export', { bagId, feature, format: 'jsonl' });
    expect(exported.count).toBe(4);
    const text = `${exported.text}{"Image":"I9","Label":"Cow"}\n`;
    const imported = await call('labels:import', { bagId, feature, format: 'jsonl', text });
    expect(imported).toMatchObject({
      imported: 4,
      changed: 0,
      rejects: [{ line: 5, reason: 'Label must be one of Bird, Cat, Dog, not "Cow".' }],
    });
  });

  it('keeps the history of every change', async () => {
    const history = await call('labels:history', { bagId, limit: 50 });
    expect(history.filter((entry) => entry.kind === 'undo')).toHaveLength(3);
    expect(history.at(-1)).toMatchObject({
      kind: 'set',
      target: 'I0',
      old: null,
      new: { Label: 'Cat', Score: null },
    });
  });
});
