import type { FeatureTable } from '../bag/index.js';
import type { BagScope, LabelStore } from '../labels/index.js';
import type { WorkspaceDb } from '../workspace-db/index.js';
import { rowKey, type CommitJournal, type CommitScope, type PlannedRow } from './journal.js';

/**
 * The drafts of a bag with the newest label_history entry behind each (every change of a draft, undo
 * and redo included, writes one), for the features the bag's model knows.
 */
export function currentDrafts(
  db: WorkspaceDb,
  store: LabelStore,
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
    const key = rowKey(draft);
    drafts.set(key, {
      feature: draft.feature,
      target: draft.target,
      values: draft.values,
      historyId: history.get(key) ?? null,
    });
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
