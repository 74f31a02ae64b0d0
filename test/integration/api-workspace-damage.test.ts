import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureDefinition } from '../../shared/bag.js';
import { createApi } from '../../main/core/api/index.js';
import { SatchelError } from '../../main/core/common/index.js';
import { LabelStore, recordShape } from '../../main/core/labels/index.js';
import { listBackups, openWorkspaceDb, workspaceDbPath } from '../../main/core/workspace-db/index.js';
import { temporaryDirectory } from '../support/fixtures.js';

/**
 * The app's side of a damaged workspace database: refused at start with the one sentence, and
 * when the first backup's full check finds damage the opening check skipped (the label history),
 * every call that would read or write the workspace is refused from then on.
 */

const scratch = temporaryDirectory('satchel-api-damage-');
afterAll(() => scratch.cleanup());

const definition: FeatureDefinition = {
  target: 'Image',
  name: 'Label',
  table: 'lab:Execution_Image_Label',
  termColumns: ['Label'],
  valueColumns: [],
  assetColumns: [],
  rows: 0,
  targetSchema: 'lab',
  schema: 'lab',
  terms: [
    {
      column: 'Label',
      vocabulary: 'lab:Label',
      nullok: false,
      terms: ['Cat', 'Dog'].map((name) => ({ name, description: null, synonyms: [] })),
    },
  ],
  values: [],
  assets: [],
  qualifierColumns: [],
};

function workspaceWithDrafts(name: string): string {
  const workspace = path.join(scratch.dir, name);
  const db = openWorkspaceDb(workspace, { backups: 'none' });
  const store = new LabelStore(db);
  const shape = recordShape(definition);
  for (let round = 0; round < 4; round++) {
    const records = Array.from({ length: 300 }, (_, index) => ({
      target: `I${index}`,
      values: { Label: (index + round) % 2 === 0 ? 'Cat' : 'Dog' },
    }));
    store.setEach({ bagRid: 'B1', snaptime: 'S1' }, shape, records, 'annotator');
  }
  db.close();
  return workspace;
}

/** Overwrites one page of a table's b-tree, found with dbstat. */
function scribble(file: string, table: string): void {
  const db = new Database(file, { readonly: true });
  const page = db
    .prepare(
      "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno LIMIT 1 OFFSET 2",
    )
    .pluck()
    .get(table) as number;
  db.close();
  const bytes = fs.readFileSync(file);
  bytes.fill(0x3c, (page - 1) * 4096 + 8, page * 4096);
  fs.writeFileSync(file, bytes);
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('the API over a damaged workspace database', () => {
  it('refuses to start on damaged drafts, with the sentence naming the file', () => {
    const workspace = workspaceWithDrafts('drafts-damaged');
    const file = workspaceDbPath(workspace);
    scribble(file, 'label_drafts');
    const before = sha256(file);
    let refusal: unknown;
    try {
      createApi({ workspace, homeDir: scratch.dir });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(SatchelError);
    expect((refusal as SatchelError).kind).toBe('workspace-damaged');
    expect((refusal as SatchelError).message).toMatch(
      new RegExp(`^${file} is damaged \\(.+\\); Satchel stopped`),
    );
    expect(sha256(file)).toBe(before);
  });

  it('stops answering workspace calls once the first backup finds the history damaged', async () => {
    const workspace = workspaceWithDrafts('history-damaged');
    const file = workspaceDbPath(workspace);
    scribble(file, 'label_history');
    const api = createApi({
      workspace,
      homeDir: scratch.dir,
      backupPolicy: { intervalMs: 60_000, keep: 3 },
    });
    try {
      let state = await api.handle('library:state', {});
      // The backup runs beside the calls; its check decides, within a bounded wait.
      for (let wait = 0; wait < 400 && state.ok; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        state = await api.handle('library:state', {});
      }
      expect(state).toEqual({
        ok: false,
        error: {
          kind: 'workspace-damaged',
          message: expect.stringMatching(
            new RegExp(
              `^${file} is damaged \\(.+\\); Satchel stopped before writing to it and kept it as it is`,
            ),
          ) as unknown,
        },
      });
      const label = await api.handle('labels:drafts', { bagId: '0123456789abcdef', feature: 'Image/Label' });
      expect(label).toMatchObject({ ok: false, error: { kind: 'workspace-damaged' } });
      expect(listBackups(workspace)).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('backs up an intact workspace when it opens', async () => {
    const workspace = workspaceWithDrafts('intact');
    const api = createApi({ workspace, homeDir: scratch.dir, backupPolicy: { intervalMs: 60_000, keep: 3 } });
    try {
      for (let wait = 0; wait < 400 && listBackups(workspace).length === 0; wait++)
        await new Promise((resolve) => setTimeout(resolve, 25));
      expect(listBackups(workspace)).toHaveLength(1);
      expect((await api.handle('library:state', {})).ok).toBe(true);
    } finally {
      await api.close();
    }
  });
});
