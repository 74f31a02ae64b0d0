import path from 'node:path';
import type { FeatureTable } from '../bag/index.js';
import { SatchelError } from '../common/index.js';
import type { BagScope, LabelStore } from '../labels/index.js';
import { regionDraftsToCommit, RegionStore, StagedFiles, stagedFileReference } from '../regions/index.js';
import type { WorkspaceDb } from '../workspace-db/index.js';
import { draftKey, rowKey, type CommitJournal, type CommitScope, type PlannedRow } from './journal.js';

/** Drawings and attached files wait in the workspace folder that holds the workspace database. */
export function stagedFilesOf(db: WorkspaceDb): { staged: StagedFiles; regions: RegionStore } | null {
  if (db.memory) return null;
  const staged = new StagedFiles(path.dirname(db.name));
  return { staged, regions: new RegionStore(db, staged.regions) };
}

/**
 * The drafts of a bag, per draft (`draftKey`), with the newest history entry behind each (every
 * change of a draft, undo and redo included, writes one), for the features the bag's model knows:
 * label drafts, and the region drawings of asset-valued features. A drawing becomes a row whose asset
 * column names its labelme file in the workspace store and whose first term column holds the term
 * every region of the drawing carries (empty when they differ, since the file says what each region is).
 */
export function currentDrafts(
  db: WorkspaceDb,
  store: LabelStore,
  regions: RegionStore | null,
  scope: BagScope,
  features: ReadonlyMap<string, FeatureTable>,
): Map<string, PlannedRow> {
  const history = new Map(
    (
      db
        .prepare(
          `SELECT h.feature, h.target, max(h.id) AS history
             FROM label_history h JOIN label_actions a ON a.id = h.action_id
            WHERE a.bag_rid = ? AND a.snaptime = ?
            GROUP BY h.feature, h.target`,
        )
        .all(scope.bagRid, scope.snaptime) as { feature: string; target: string; history: number }[]
    ).map((row) => [rowKey(row), row.history]),
  );
  const drafts = new Map<string, PlannedRow>();
  for (const draft of store.drafts(scope)) {
    if (!features.has(draft.feature)) continue;
    const row: PlannedRow = {
      source: 'labels',
      feature: draft.feature,
      target: draft.target,
      values: draft.values,
      historyId: history.get(rowKey(draft)) ?? null,
    };
    drafts.set(draftKey(row), row);
  }
  for (const drawing of regions ? regionDraftsToCommit(regions, scope) : []) {
    const feature = features.get(drawing.feature);
    const asset = feature?.assetColumns[0];
    if (!feature || !asset) continue;
    const term = feature.termColumns[0];
    const row: PlannedRow = {
      source: 'regions',
      feature: drawing.feature,
      target: drawing.target,
      values: {
        [asset.column]: stagedFileReference(drawing.file),
        ...(term ? { [term.column]: drawing.sharedLabel } : {}),
      },
      historyId: drawing.historyId,
    };
    drafts.set(draftKey(row), row);
  }
  return drafts;
}

/**
 * The drafts to send: those whose own history moved since the catalog last got their value. A draft
 * changed back to a value an older commit sent is sent again; one never changed since it was sent
 * is not. Value equality with older commits decides nothing.
 */
export function pendingDrafts(
  drafts: Map<string, PlannedRow>,
  journal: CommitJournal,
  scope: CommitScope,
): PlannedRow[] {
  const sent = journal.sentHistory(scope);
  return [...drafts.entries()]
    .filter(([key, draft]) => {
      const last = sent.get(key);
      return last === undefined || draft.historyId === null || draft.historyId > last;
    })
    .map(([, draft]) => draft);
}

/**
 * An execution holds one row per feature and target (the feature table's key), so a target whose
 * label draft and drawing of the same feature both wait to be sent cannot be committed as it stands:
 * the user says which one counts. Nothing is sent until then.
 */
export function refuseTwoDraftsForOneRow(
  pending: readonly PlannedRow[],
  features: ReadonlyMap<string, FeatureTable>,
): void {
  const seen = new Set<string>();
  for (const row of pending) {
    const key = rowKey(row);
    if (!seen.has(key)) {
      seen.add(key);
      continue;
    }
    const feature = features.get(row.feature)!;
    const name = `${feature.target.name}/${feature.name}`;
    throw new SatchelError(
      'bad-value',
      `${feature.target.name} ${row.target} has both regions drawn and a label of ${name}, and an execution holds one ${name} row per ${feature.target.name}, so nothing was sent: clear one of them (the drawing, or satchel label --clear ${row.target}) and commit again.`,
    );
  }
}
