import type {
  DrawnRegion,
  ImageSize,
  Region,
  RegionAgreementReport,
  RegionChange,
  RegionOperation,
} from '../../../shared/regions.js';
import type { Bag, FeatureTable } from '../bag/index.js';
import { SatchelError } from '../common/index.js';
import { DEFAULT_IOU_THRESHOLD, regionAgreement, type RaterDrawings } from './agreement.js';
import { bagDrawings, regionFeature } from './bag-files.js';
import type { RegionActionResult, RegionScope, RegionStore } from './store.js';

/** An action's result, or just the image to show (kind 'none'). */
type Shown = Omit<RegionActionResult, 'kind'> & { kind: RegionChange['kind'] };

/** The rater id of this workspace's drafts in agreement reports. */
export const DRAFTS_RATER = 'drafts';

/** Drawing the regions of one asset-valued feature of one opened bag. */
export class RegionSession {
  readonly feature: FeatureTable;
  readonly scope: RegionScope;
  /** The terms of the feature's first vocabulary; null when it has none (labels are free text). */
  readonly vocabulary: string[] | null;

  constructor(
    readonly bag: Bag,
    readonly store: RegionStore,
    readonly key: string,
  ) {
    this.feature = regionFeature(bag, key);
    this.scope = { bagRid: bag.rid, snaptime: bag.identity.snaptime, feature: this.feature.table.qualified };
    const term = this.feature.termColumns[0];
    this.vocabulary = term ? bag.vocabularyTerms(term.vocabulary.qualified).map((entry) => entry.name) : null;
  }

  /** The state the viewer shows for one image. */
  show(target: string): RegionChange {
    return this.change({ kind: 'none', replayed: null, target });
  }

  save(
    target: string,
    regions: DrawnRegion[],
    image: ImageSize,
    operation: RegionOperation,
    author: string,
  ): RegionChange {
    const row = this.bag.row(this.feature.target.qualified, target);
    if (!row)
      throw new SatchelError(
        'bad-argument',
        `The bag has no ${this.feature.target.name} ${target} to draw regions on.`,
      );
    const imagePath = typeof row.Filename === 'string' && row.Filename !== '' ? row.Filename : target;
    const result = this.store.save(
      this.scope,
      { target, regions, image, imagePath, operation, vocabulary: this.vocabulary },
      author,
    );
    return this.change(result ?? { kind: 'none', replayed: null, target });
  }

  undo(author: string): RegionChange {
    return this.change(this.store.undo(this.scope, author));
  }

  redo(author: string): RegionChange {
    return this.change(this.store.redo(this.scope, author));
  }

  /** The bag's executions and this workspace's drafts, as raters of region agreement. */
  agreement(pair: [string, string] | null, threshold = DEFAULT_IOU_THRESHOLD): RegionAgreementReport {
    const { byExecution, problems } = bagDrawings(this.bag, this.feature);
    const raters = new Map<string, { label: string; drawings: RaterDrawings }>();
    for (const [execution, drawings] of byExecution)
      raters.set(execution, { label: this.raterLabel(execution), drawings });
    const drafts = this.draftDrawings();
    if (drafts.size > 0) raters.set(DRAFTS_RATER, { label: 'My drafts', drawings: drafts });
    return regionAgreement(raters, pair, threshold, problems);
  }

  private draftDrawings(): Map<string, Region[]> {
    const drawings = new Map<string, Region[]>();
    for (const entry of this.store.entries(this.scope))
      drawings.set(entry.target, this.store.draftOf(entry.target, entry.sha256).regions);
    return drawings;
  }

  private change(result: Shown | null): RegionChange {
    const { undo, redo } = this.store.canUndo(this.scope);
    return {
      kind: result?.kind ?? 'none',
      replayed: result?.replayed ?? null,
      draft: result ? (this.store.draft(this.scope, result.target) ?? emptyDraft(result.target)) : null,
      drawn: this.store.drawnCount(this.scope),
      canUndo: undo,
      canRedo: redo,
    };
  }

  private raterLabel(id: string): string {
    const description = this.bag.row('deriva-ml:Execution', id)?.Description;
    return typeof description === 'string' && description !== ''
      ? `${id}: ${description}`
      : `Execution ${id}`;
  }
}

function emptyDraft(target: string) {
  return { target, regions: [], image: null, sha256: null };
}
