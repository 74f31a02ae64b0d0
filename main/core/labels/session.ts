import os from 'node:os';
import type { CellValue, FeatureDefinition, FeatureValue, MemberFilter } from '../../../shared/bag.js';
import type { Bag } from '../bag/index.js';
import { SatchelError } from '../common/index.js';
import type { AgreementReport, LabelProgress, QueueKind } from '../../../shared/labels.js';
import { cohensKappa, confusionMatrix, fleissKappa, type Ratings } from './agreement.js';

export type { AgreementReport, QueueKind } from '../../../shared/labels.js';
import { recordShape, type RecordShape } from './record.js';
import type { BagScope, LabelStore } from './store.js';

/**
 * Labeling one feature of one opened bag: the record shape, the drafts scope, work queues,
 * progress and agreement, all computed from the bag database and the drafts store.
 */

export interface QueueRequest {
  kind: QueueKind;
  datasetRid?: string;
  /** For `label`: the existing (newest) label; for `dataset-type`: the dataset type. */
  value?: string;
  /** For `confidence`: the value column, by default the first float column. */
  column?: string;
  /** For `filter`: the grid's filters; the queue is the members passing them, in RID order. */
  where?: MemberFilter[];
}

export const DRAFTS_RATER = 'drafts';

export function defaultAuthor(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'satchel';
  }
}

export class LabelingSession {
  readonly definition: FeatureDefinition;
  readonly shape: RecordShape;
  readonly scope: BagScope;

  constructor(
    readonly bag: Bag,
    readonly store: LabelStore,
    featureKey: string,
  ) {
    const [target, name] = featureKey.includes('/') ? featureKey.split('/', 2) : ['', featureKey];
    const found = bag
      .featureDefinitions()
      .filter((feature) => feature.name === name && (!target || feature.target === target));
    if (found.length !== 1) {
      const known = bag
        .featureDefinitions()
        .map((feature) => `${feature.target}/${feature.name}`)
        .join(', ');
      throw new SatchelError(
        'unknown-feature',
        `The bag has no feature ${featureKey} (it has ${known || 'none'}).`,
      );
    }
    this.definition = found[0]!;
    const table = bag.model.table(this.definition.table);
    // A value column's comment may declare its range ("from 0 to 1"): main and the form both refuse outside it.
    const comments = Object.fromEntries(table?.columns.map((column) => [column.name, column.comment]) ?? []);
    this.shape = recordShape(this.definition, comments);
    this.scope = { bagRid: bag.rid, snaptime: bag.identity.snaptime };
  }

  /** The first term column names the label shown on tiles and compared between raters. */
  get labelColumn(): string | null {
    return (
      this.shape.fields.find((field) => field.kind === 'term')?.column ?? this.shape.fields[0]?.column ?? null
    );
  }

  private readonly memberCache = new Map<string, { list: string[]; set: Set<string> }>();

  /** Every member RID of the target type in the dataset (with nested datasets), in RID order. */
  targets(datasetRid = this.bag.rid): string[] {
    return this.members(datasetRid).list;
  }

  /** The bag is read-only, so a dataset's members are looked up once per session. */
  private members(datasetRid: string): { list: string[]; set: Set<string> } {
    let cached = this.memberCache.get(datasetRid);
    if (!cached) {
      const isElementType = this.bag.model.elementTypes.some(
        (type) => type.table.name === this.definition.target,
      );
      const list = isElementType ? this.bag.memberRids(datasetRid, this.definition.target, true) : [];
      cached = { list, set: new Set(list) };
      this.memberCache.set(datasetRid, cached);
    }
    return cached;
  }

  isTarget(rid: string): boolean {
    return this.bag.row(`${this.definition.targetSchema}:${this.definition.target}`, rid) !== null;
  }

  progress(datasetRid = this.bag.rid): LabelProgress {
    const members = this.members(datasetRid);
    const labeled = this.store
      .draftTargets(this.scope, this.definition.table)
      .filter((target) => members.set.has(target)).length;
    return { labeled, total: members.list.length };
  }

  existingValues(): FeatureValue[] {
    return this.bag.featureValues(this.definition.target, this.definition.name, { kind: 'all' });
  }

  /** RIDs to label next, in the queue's order. */
  queue(request: QueueRequest): string[] {
    const targets = this.targets(request.datasetRid);
    switch (request.kind) {
      case 'all':
        return targets;
      case 'unlabeled': {
        const drafted = new Set(
          this.store.drafts(this.scope, this.definition.table).map((draft) => draft.target),
        );
        return targets.filter((target) => !drafted.has(target));
      }
      case 'disagreements': {
        const disagreeing = new Set(
          this.disagreements(this.ratersByExecution()).map((entry) => entry.target),
        );
        return targets.filter((target) => disagreeing.has(target));
      }
      case 'confidence':
        return this.byConfidence(targets, request.column);
      case 'label': {
        const newest = new Map(
          this.bag
            .featureValues(this.definition.target, this.definition.name, { kind: 'newest' })
            .map((value) => [value.target, this.labelOf(value.values)]),
        );
        return targets.filter((target) => newest.get(target) === request.value);
      }
      case 'filter': {
        const passing = new Set(
          this.bag.memberRids(
            request.datasetRid ?? this.bag.rid,
            this.definition.target,
            true,
            request.where ?? [],
          ),
        );
        return targets.filter((target) => passing.has(target));
      }
      case 'dataset-type': {
        const datasets = this.bag
          .datasets()
          .filter((dataset) => request.value && dataset.types.includes(request.value));
        const members = new Set(datasets.flatMap((dataset) => this.targets(dataset.rid)));
        return targets.filter((target) => members.has(target));
      }
    }
  }

  private byConfidence(targets: string[], column?: string): string[] {
    const chosen = column ?? this.shape.fields.find((field) => field.kind === 'float')?.column;
    if (!chosen)
      throw new SatchelError(
        'bad-argument',
        `${this.shape.feature} has no number column to order by confidence.`,
      );
    const lowest = new Map<string, number>();
    for (const value of this.existingValues()) {
      const confidence = value.values[chosen];
      if (typeof confidence !== 'number') continue;
      lowest.set(value.target, Math.min(confidence, lowest.get(value.target) ?? Infinity));
    }
    return targets
      .filter((target) => lowest.has(target))
      .sort((a, b) => lowest.get(a)! - lowest.get(b)! || a.localeCompare(b));
  }

  private labelOf(values: Record<string, CellValue>): string | null {
    const column = this.labelColumn;
    const value = column ? values[column] : null;
    return value === null || value === undefined ? null : String(value);
  }

  /** One rater per execution (its newest record per target) plus the drafts of this workspace. */
  ratersByExecution(includeDrafts = false): Map<string, Ratings> {
    const raters = new Map<string, Ratings>();
    const newestRct = new Map<string, string>();
    for (const value of this.existingValues()) {
      const rater = value.execution ?? 'unknown';
      const label = this.labelOf(value.values);
      if (label === null) continue;
      const key = `${rater}\u0000${value.target}`;
      if ((newestRct.get(key) ?? '') > (value.rct ?? '')) continue;
      newestRct.set(key, value.rct ?? '');
      if (!raters.has(rater)) raters.set(rater, new Map());
      raters.get(rater)!.set(value.target, label);
    }
    if (includeDrafts) {
      const drafts: Ratings = new Map();
      for (const draft of this.store.drafts(this.scope, this.definition.table)) {
        const label = this.labelOf(draft.values);
        if (label !== null) drafts.set(draft.target, label);
      }
      raters.set(DRAFTS_RATER, drafts);
    }
    return raters;
  }

  private disagreements(raters: Map<string, Ratings>): { target: string; labels: Record<string, string> }[] {
    const byTarget = new Map<string, Record<string, string>>();
    for (const [rater, ratings] of raters) {
      for (const [target, label] of ratings)
        byTarget.set(target, { ...byTarget.get(target), [rater]: label });
    }
    return [...byTarget]
      .filter(([, labels]) => new Set(Object.values(labels)).size > 1)
      .map(([target, labels]) => ({ target, labels }))
      .sort((a, b) => a.target.localeCompare(b.target));
  }

  /** Kappa for every pair of raters, Fleiss' kappa overall, and the confusion matrix of one pair. */
  agreement(pair?: [string, string]): AgreementReport {
    const raters = this.ratersByExecution(true);
    if (raters.get(DRAFTS_RATER)?.size === 0) raters.delete(DRAFTS_RATER);
    const ids = [...raters.keys()];
    const vocabulary = this.definition.terms[0]?.terms.map((term) => term.name) ?? [];
    const pairs = ids.flatMap((a, index) =>
      ids.slice(index + 1).map((b) => {
        const confusion = confusionMatrix(raters.get(a)!, raters.get(b)!, vocabulary);
        return { a, b, kappa: cohensKappa(confusion), shared: confusion.shared };
      }),
    );
    const [first, second] = pair ?? [ids[0], ids[1]];
    const confusion =
      first && second && raters.has(first) && raters.has(second)
        ? confusionMatrix(raters.get(first)!, raters.get(second)!, vocabulary)
        : null;
    return {
      raters: ids.map((id) => ({ id, label: this.raterLabel(id), targets: raters.get(id)!.size })),
      pairs,
      fleiss: fleissKappa([...raters.values()]),
      confusion,
      disagreements: this.disagreements(raters),
    };
  }

  private raterLabel(id: string): string {
    if (id === DRAFTS_RATER) return 'My drafts';
    const execution = this.bag.row('deriva-ml:Execution', id);
    const description = execution?.Description;
    return typeof description === 'string' && description !== ''
      ? `${id}: ${description}`
      : `Execution ${id}`;
  }
}
