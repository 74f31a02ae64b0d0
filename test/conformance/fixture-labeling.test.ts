import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { LabelingSession, LabelStore } from '../../main/core/labels/index.js';
import { openWorkspaceDb, type WorkspaceDb } from '../../main/core/workspace-db/index.js';
import {
  expectedFacts,
  fixtureBags,
  fixturesAbsentReason,
  hasFixtures,
  temporaryDirectory,
} from '../support/fixtures.js';

// Labeling the bag bdbag wrote from a real ERMrest 0.5.0 catalog, against the counts its README
// records. Exact queues and kappas are pinned on the generated world in
// test/integration/labels-session.test.ts, where every label is known.
describe.skipIf(!hasFixtures)(
  hasFixtures
    ? 'labeling the real fixture bag'
    : `labeling the real fixture bag (skipped: ${fixturesAbsentReason})`,
  () => {
    const scratch = temporaryDirectory();
    let bag: Bag;
    let db: WorkspaceDb;
    let session: LabelingSession;
    const facts = hasFixtures ? expectedFacts() : undefined;

    beforeAll(async () => {
      bag = await openBag(fixtureBags.formatB, { workspace: path.join(scratch.dir, 'ws') });
      db = openWorkspaceDb(path.join(scratch.dir, 'ws'));
      session = new LabelingSession(bag, new LabelStore(db), 'Image/Cell_Type');
    });
    afterAll(() => {
      db?.close();
      bag?.close();
      scratch.cleanup();
    });

    it('derives the Cell_Type record and counts progress over the dataset members', () => {
      expect(session.shape.fields.map((field) => [field.column, field.kind, field.required])).toEqual([
        ['Cell_Type', 'term', true],
        ['Confidence', 'float', false],
      ]);
      expect(session.progress()).toEqual({ labeled: 0, total: 300 });
      session.store.set(session.scope, session.shape, ['43Y', '44T'], { Cell_Type: 'Neutrophil' }, 'tester');
      expect(session.progress()).toEqual({ labeled: 2, total: 300 });
      expect(session.progress(facts!.bccd.datasets.Testing)).toMatchObject({ total: 100 });
      expect(session.queue({ kind: 'unlabeled' })).toHaveLength(298);
      expect(session.queue({ kind: 'dataset-type', value: 'Testing' })).toHaveLength(100);
    });

    it('agreement: annotator A and B share 120 images and disagree on 18', () => {
      const { A, B } = facts!.bccd.executions;
      const confusion = session.agreement([A!, B!]).confusion!;
      expect(confusion.shared).toBe(facts!.bccd.annotator_overlap_images);
      const offDiagonal = Object.entries(confusion.targets)
        .filter(([cell]) => cell.split(',')[0] !== cell.split(',')[1])
        .flatMap(([, targets]) => targets)
        .sort();
      expect(offDiagonal).toEqual(facts!.bccd.annotator_disagreements.map((entry) => entry.Image).sort());
    });
  },
);
