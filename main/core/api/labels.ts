import type { RequestOf, ResponseMap, ResponseOf } from '../../../shared/contract.js';
import type { LabelChange } from '../../../shared/labels.js';
import type { Bag } from '../bag/index.js';
import { SatchelError } from '../common/index.js';
import {
  validateRecord,
  defaultAuthor,
  exportDrafts,
  LabelingSession,
  parseDrafts,
  type ActionResult,
  type LabelStore,
  type RecordValues,
} from '../labels/index.js';
import type { RegionStore } from '../regions/index.js';

type LabelChannel = Extract<keyof ResponseMap, `labels:${string}`>;
type LabelHandlers = { [C in LabelChannel]: (request: RequestOf<C>) => ResponseOf<C> };

/**
 * The labels:* channels: drafts of the open bags' features in the workspace database. Every action
 * answers with what changed plus the state the UI shows next (drafts of the touched targets,
 * progress, undo/redo availability), so a keypress costs one round trip.
 */
export function labelHandlers(
  store: LabelStore,
  requireBag: (bagId: string) => { bag: Bag },
  regions: RegionStore,
): LabelHandlers {
  const sessions = new Map<string, LabelingSession>();
  const author = defaultAuthor();

  const session = (bagId: string, feature: string): LabelingSession => {
    const key = `${bagId}\u0000${feature}`;
    const { bag } = requireBag(bagId);
    let found = sessions.get(key);
    if (!found || found.bag !== bag) {
      found = new LabelingSession(bag, store, feature);
      sessions.set(key, found);
    }
    return found;
  };

  const change = (
    labeling: LabelingSession,
    result: ActionResult | null,
    datasetRid?: string,
  ): LabelChange => {
    const { undo, redo } = store.canUndo(labeling.scope);
    const targets = result?.targets ?? [];
    const drafts = targets.flatMap(
      (target) => store.draft(labeling.scope, labeling.definition.table, target) ?? [],
    );
    return {
      kind: result?.kind ?? 'none',
      changed: result?.changed ?? 0,
      targets,
      drafts,
      progress: labeling.progress(datasetRid),
      canUndo: undo,
      canRedo: redo,
    };
  };

  /** An asset-valued feature's drafts are its label drafts and its drawings: both are committed. */
  const withDrawings = (labeling: LabelingSession, datasetRid?: string) => {
    const members = labeling.targets(datasetRid);
    const drafted = new Set([
      ...store.draftTargets(labeling.scope, labeling.definition.table),
      ...regions
        .entries({ ...labeling.scope, feature: labeling.definition.table })
        .map((entry) => entry.target),
    ]);
    return { labeled: members.filter((target) => drafted.has(target)).length, total: members.length };
  };

  /** Each target's draft with `values` laid over it: a bulk edit changes only the columns it names. */
  const merged = (labeling: LabelingSession, targets: string[], values: RecordValues) => {
    const records = [...new Set(targets)].map((target) => ({
      target,
      values: {
        ...(store.draft(labeling.scope, labeling.definition.table, target)?.values ?? {}),
        ...values,
      },
    }));
    const invalid = records.filter((record) => !validateRecord(labeling.shape, record.values).ok);
    if (invalid.length > 0) {
      const first = validateRecord(labeling.shape, invalid[0]!.values);
      const reasons = first.ok ? '' : first.reasons.join(' ');
      const names = invalid
        .slice(0, 3)
        .map((record) => record.target)
        .join(', ');
      throw new SatchelError(
        'bad-argument',
        `Not saved: ${invalid.length} of the ${records.length} images (${names}${invalid.length > 3 ? ', …' : ''}) would be left with an invalid ${labeling.shape.feature} label: ${reasons}`,
      );
    }
    return records;
  };

  return {
    'labels:features': ({ bagId, datasetRid }) => {
      const { bag } = requireBag(bagId);
      return bag.featureDefinitions().map((definition) => {
        const labeling = session(bagId, `${definition.target}/${definition.name}`);
        return {
          key: `${definition.target}/${definition.name}`,
          shape: labeling.shape,
          progress:
            definition.assets.length > 0 ? withDrawings(labeling, datasetRid) : labeling.progress(datasetRid),
        };
      });
    },
    'labels:drafts': ({ bagId, feature, targets }) => {
      const labeling = session(bagId, feature);
      const drafts = store.drafts(labeling.scope, labeling.definition.table);
      if (!targets) return drafts;
      const wanted = new Set(targets);
      return drafts.filter((draft) => wanted.has(draft.target));
    },
    'labels:set': ({ bagId, feature, targets, values, datasetRid, merge }) => {
      const labeling = session(bagId, feature);
      const result = merge
        ? store.setEach(labeling.scope, labeling.shape, merged(labeling, targets, values), author, 'set')
        : store.set(labeling.scope, labeling.shape, targets, values, author);
      return change(labeling, result, datasetRid);
    },
    'labels:status': ({ bagId }) => {
      const { bag } = requireBag(bagId);
      const scope = { bagRid: bag.rid, snaptime: bag.identity.snaptime };
      const drafts: Record<string, number> = {};
      for (const definition of bag.featureDefinitions()) {
        const count = store.draftTargets(scope, definition.table).length;
        if (count > 0) drafts[`${definition.target}/${definition.name}`] = count;
      }
      const undoable = store.canUndo(scope);
      const total = Object.values(drafts).reduce((sum, count) => sum + count, 0);
      return { drafts, total, canUndo: undoable.undo, canRedo: undoable.redo };
    },
    'labels:target-drafts': ({ bagId, targets }) => {
      const { bag } = requireBag(bagId);
      const scope = { bagRid: bag.rid, snaptime: bag.identity.snaptime };
      return bag
        .featureDefinitions()
        .flatMap((definition) =>
          targets.flatMap((target) => store.draft(scope, definition.table, target) ?? []),
        );
    },
    'labels:clear': ({ bagId, feature, targets, datasetRid }) => {
      const labeling = session(bagId, feature);
      return change(labeling, store.clear(labeling.scope, labeling.shape, targets, author), datasetRid);
    },
    'labels:undo': ({ bagId, feature, datasetRid }) => {
      const labeling = session(bagId, feature);
      return change(labeling, store.undo(labeling.scope, author), datasetRid);
    },
    'labels:redo': ({ bagId, feature, datasetRid }) => {
      const labeling = session(bagId, feature);
      return change(labeling, store.redo(labeling.scope, author), datasetRid);
    },
    'labels:queue': ({ bagId, feature, kind, datasetRid, value, column, where }) => {
      const labeling = session(bagId, feature);
      return {
        targets: labeling.queue({ kind, datasetRid, value, column, where }),
        progress: labeling.progress(datasetRid),
      };
    },
    'labels:agreement': ({ bagId, feature, pair }) => session(bagId, feature).agreement(pair),
    'labels:history': ({ bagId, limit }) => {
      const { bag } = requireBag(bagId);
      return store.history({ bagRid: bag.rid, snaptime: bag.identity.snaptime }, limit);
    },
    'labels:export': ({ bagId, feature, format }) => {
      const labeling = session(bagId, feature);
      const drafts = store.drafts(labeling.scope, labeling.definition.table);
      return { text: exportDrafts(labeling.shape, drafts, format), count: drafts.length };
    },
    'labels:import': ({ bagId, feature, format, text }) => {
      const labeling = session(bagId, feature);
      const { records, rejects } = parseDrafts(labeling.shape, text, format, (rid) => labeling.isTarget(rid));
      const result =
        records.length > 0 ? store.setEach(labeling.scope, labeling.shape, records, author) : null;
      return {
        imported: records.length,
        changed: result?.changed ?? 0,
        rejects,
        change: change(labeling, result),
      };
    },
  };
}
