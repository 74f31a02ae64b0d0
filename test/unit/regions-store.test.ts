import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SatchelError } from '../../main/core/common/index.js';
import {
  labelmeDocument,
  RegionContentStore,
  RegionStore,
  type RegionSaveRequest,
  type RegionScope,
} from '../../main/core/regions/index.js';
import { openWorkspaceDb, type WorkspaceDb } from '../../main/core/workspace-db/index.js';
import type { DrawnRegion, RegionOperation } from '../../shared/regions.js';
import { temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory('satchel-regions-store-');
afterAll(() => scratch.cleanup());

const scope: RegionScope = { bagRid: '58A', snaptime: 'S1', feature: 'digits:Execution_Image_Region' };
const image = { width: 100, height: 80 };
const vocabulary = ['0', '1', '2'];
const box = (x: number, label: string | null = null): DrawnRegion => ({
  kind: 'rectangle',
  points: [
    [x, 10],
    [x + 20, 30],
  ],
  label,
});

let counter = 0;
let workspace: string;
let db: WorkspaceDb;
let store: RegionStore;

beforeEach(() => {
  workspace = path.join(scratch.dir, `workspace-${++counter}`);
  db = openWorkspaceDb(workspace);
  store = new RegionStore(db, new RegionContentStore(workspace), () => '2026-12-01T10:00:00.000Z');
});
afterEach(() => db.close());

function save(target: string, regions: DrawnRegion[], operation: RegionOperation = 'add') {
  const request: RegionSaveRequest = {
    target,
    regions,
    image,
    imagePath: `${target}.png`,
    operation,
    vocabulary,
  };
  return store.save(scope, request, 'ann');
}

describe('region drafts', () => {
  it('keeps each drawing as a labelme file in the content-addressed store, named by its sha256', () => {
    const regions = [box(10, '1'), { kind: 'point', points: [[50, 50]], label: null } as DrawnRegion];
    expect(save('I1', regions)).toEqual({ kind: 'add', replayed: null, target: 'I1' });
    const draft = store.draft(scope, 'I1')!;
    const expected = labelmeDocument(regions, 'I1.png', image);
    const sha256 = crypto.createHash('sha256').update(expected).digest('hex');
    expect(draft).toEqual({ target: 'I1', regions, image, sha256 });
    const file = path.join(workspace, 'regions', sha256.slice(0, 2), `${sha256}.json`);
    expect(fs.readFileSync(file, 'utf8')).toBe(expected);
    expect(store.entries(scope)).toEqual([
      { target: 'I1', sha256, shapes: 2, author: 'ann', updatedAt: '2026-12-01T10:00:00.000Z' },
    ]);
    expect(store.drawnCount(scope)).toBe(1);
    // No temporary file is left beside it.
    expect(fs.readdirSync(path.dirname(file))).toEqual([`${sha256}.json`]);
  });

  it('undoes and redoes every operation in order, across images, and forgets redo after a new action', () => {
    const steps: [string, DrawnRegion[], RegionOperation][] = [
      ['I1', [box(10)], 'add'],
      ['I1', [box(10, '2')], 'label'],
      ['I2', [box(40)], 'add'],
      ['I1', [box(11, '2')], 'nudge'],
      ['I1', [box(11, '2'), box(60)], 'copy'],
      ['I1', [box(60)], 'delete'],
    ];
    for (const [target, regions, operation] of steps) save(target, regions, operation);
    const regionsOf = (target: string) => store.draft(scope, target)?.regions ?? null;

    for (let index = steps.length - 1; index >= 0; index--) {
      const [target, , operation] = steps[index]!;
      expect(store.undo(scope, 'ann')).toEqual({ kind: 'undo', replayed: operation, target });
      const before = steps
        .slice(0, index)
        .filter((step) => step[0] === target)
        .at(-1);
      expect(regionsOf(target)).toEqual(before ? before[1] : null);
    }
    expect(store.undo(scope, 'ann')).toBeNull();
    expect(store.canUndo(scope)).toEqual({ undo: false, redo: true });
    expect(store.drawnCount(scope)).toBe(0);

    for (const [target, regions, operation] of steps.slice(0, 4)) {
      expect(store.redo(scope, 'ann')).toEqual({ kind: 'redo', replayed: operation, target });
      expect(regionsOf(target)).toEqual(regions);
    }
    save('I3', [box(0)]);
    expect(store.canUndo(scope)).toEqual({ undo: true, redo: false });
    expect(store.redo(scope, 'ann')).toBeNull();
    expect(regionsOf('I1')).toEqual([box(11, '2')]);
  });

  it('treats deleting every region as no draft, and an unchanged drawing as no action', () => {
    save('I1', [box(10)]);
    expect(save('I1', [box(10)], 'move')).toBeNull();
    expect(save('I1', [], 'clear')).toEqual({ kind: 'clear', replayed: null, target: 'I1' });
    expect(store.draft(scope, 'I1')).toBeNull();
    expect(store.undo(scope, 'ann')?.replayed).toBe('clear');
    expect(store.draft(scope, 'I1')?.regions).toEqual([box(10)]);
    const actions = db.prepare('SELECT kind FROM region_actions ORDER BY id').pluck().all();
    expect(actions).toEqual(['add', 'clear', 'undo']);
  });

  it('stores identical drawings once', () => {
    save('I1', [box(10)]);
    save('I1', [box(30)], 'move');
    save('I1', [box(10)], 'move');
    const shards = fs.readdirSync(path.join(workspace, 'regions'));
    const files = shards.flatMap((shard) => fs.readdirSync(path.join(workspace, 'regions', shard)));
    expect(files).toHaveLength(2);
  });

  it('refuses a drawing that does not fit the image or the vocabulary, and changes nothing', () => {
    const refusal = (regions: DrawnRegion[]) => {
      try {
        save('I1', regions);
      } catch (error) {
        expect(error).toBeInstanceOf(SatchelError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal([box(90)])).toBe(
      'The regions of I1 were not saved: region 1 has the point (110, 30) outside the 100×80 image.',
    );
    expect(refusal([box(10, 'seven')])).toBe(
      `The regions of I1 were not saved: region 1 has the label "seven", which is not a term of the feature's vocabulary.`,
    );
    expect(
      refusal([
        {
          kind: 'polygon',
          points: [
            [1, 1],
            [2, 2],
          ],
          label: null,
        },
      ]),
    ).toBe('The regions of I1 were not saved: region 1 is a polygon with 2 points.');
    expect(store.draft(scope, 'I1')).toBeNull();
    expect(db.prepare('SELECT count(*) FROM region_actions').pluck().get()).toBe(0);
    expect(fs.existsSync(path.join(workspace, 'regions'))).toBe(false);
  });

  it('keeps drafts of other bags, snapshots and features apart', () => {
    save('I1', [box(10)]);
    const other = { ...scope, feature: 'digits:Execution_Image_Other' };
    expect(store.draft(other, 'I1')).toBeNull();
    expect(store.undo(other, 'ann')).toBeNull();
    expect(store.draft({ ...scope, snaptime: 'S2' }, 'I1')).toBeNull();
    expect(store.draft(scope, 'I1')).not.toBeNull();
  });

  it('finds every acknowledged drawing after the database is closed and opened again', () => {
    for (let x = 0; x < 30; x++) save(`I${x % 4}`, [box(x)], 'nudge');
    db.close();
    db = openWorkspaceDb(workspace);
    store = new RegionStore(db, new RegionContentStore(workspace));
    for (let target = 0; target < 4; target++) {
      const last = [...Array(30).keys()].filter((x) => x % 4 === target).at(-1)!;
      expect(store.draft(scope, `I${target}`)?.regions).toEqual([box(last)]);
    }
  });
});
