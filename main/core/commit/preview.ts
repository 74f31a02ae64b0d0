import type { DraftCommitState } from '../../../shared/catalog.js';
import type { RecordValues } from '../../../shared/labels.js';
import type { Bag } from '../bag/index.js';
import type { LabelStore } from '../labels/index.js';
import { parseStagedFileReference } from '../regions/index.js';
import type { WorkspaceDb } from '../workspace-db/index.js';
import { CommitJournal, draftKey, type CommitScope, type PlannedRow } from './journal.js';
import { currentDrafts, pendingDrafts, stagedFilesOf } from './pending.js';

export interface PlannedDraft extends PlannedRow {
  /** `Target/Feature`, as the labeling channels name the feature. */
  key: string;
  state: DraftCommitState;
}

export interface CommitPlan {
  /** Every draft of a feature the bag's model knows, by feature and target, with whether the next commit sends it. */
  drafts: PlannedDraft[];
  /** An earlier commit to this catalog that stopped before it finished; the next commit finishes it first. */
  unfinished: { executionRid: string | null; error: string | null } | null;
}

/**
 * What commitDrafts would send to `catalog` now, decided as it decides (currentDrafts, then
 * pendingDrafts): a draft is pending when its own history moved since the catalog last got its value
 * (a change back to an earlier value included), committed when it did not. Reads the workspace only.
 * `catalog` is the commit scope's catalog, `<origin>/ermrest/catalog/<id>`.
 */
export function planCommit(options: {
  db: WorkspaceDb;
  store: LabelStore;
  bag: Bag;
  catalog: string;
}): CommitPlan {
  const { db, store, bag } = options;
  const scope: CommitScope = { catalog: options.catalog, bagRid: bag.rid, snaptime: bag.identity.snaptime };
  const features = new Map(bag.model.features.map((feature) => [feature.table.qualified, feature]));
  const journal = new CommitJournal(db);
  const drafts = currentDrafts(db, store, stagedFilesOf(db)?.regions ?? null, scope, features);
  const pending = new Set(pendingDrafts(drafts, journal, scope).map(draftKey));
  const latest = journal.latest(scope);
  return {
    drafts: [...drafts.values()].map((draft) => {
      const feature = features.get(draft.feature)!;
      return {
        ...draft,
        values: withFileNames(draft.values),
        key: `${feature.target.name}/${feature.name}`,
        state: pending.has(draftKey(draft)) ? 'pending' : 'committed',
      };
    }),
    unfinished:
      latest && latest.state !== 'done' && latest.state !== 'replaced'
        ? { executionRid: latest.executionRid, error: latest.error }
        : null,
  };
}

/** A staged file (a drawing or an attached file) is shown by its name; the commit sends it as an asset. */
function withFileNames(values: RecordValues): RecordValues {
  return Object.fromEntries(
    Object.entries(values).map(([column, value]) => [
      column,
      parseStagedFileReference(value)?.filename ?? value,
    ]),
  );
}

/** The catalog this bag's newest commit went to (or set out to), if it was ever committed. */
export function lastCommitCatalog(db: WorkspaceDb, bag: Bag): string | null {
  const row = db
    .prepare(
      `SELECT catalog FROM commits WHERE bag_rid = ? AND snaptime = ? AND state != 'replaced' ORDER BY id DESC LIMIT 1`,
    )
    .get(bag.rid, bag.identity.snaptime) as { catalog: string } | undefined;
  return row?.catalog ?? null;
}
