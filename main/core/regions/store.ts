import type Database from 'better-sqlite3';
import {
  DRAWN_SHAPE_TYPES,
  type DrawnRegion,
  type ImageSize,
  type RegionDraft,
  REGION_OPERATIONS,
  type RegionOperation,
} from '../../../shared/regions.js';
import { SatchelError } from '../common/index.js';
import { RegionContentStore } from './content-store.js';
import { labelmeDocument, parseLabelme } from './labelme.js';

/**
 * Region drafts: per (bag RID, snapshot, feature, image) the labelme file of the drawing, named by its
 * sha256 in the content-addressed store. Every region action (add, delete, move, reshape, nudge, label,
 * copy, clear) is one transaction writing the draft and a history row (old and new sha256), which undo
 * and redo replay; the file is in the store before the transaction names it. The tables are made by the
 * workspace migration "region drafts".
 */

export interface RegionScope {
  bagRid: string;
  snaptime: string;
  /** The feature table, qualified (`digits:Execution_Image_Region`). */
  feature: string;
}

export interface RegionSaveRequest {
  target: string;
  regions: DrawnRegion[];
  image: ImageSize;
  /** The image's file name, written as labelme's imagePath. */
  imagePath: string;
  operation: RegionOperation;
  /** The terms a region may carry (null: any text). */
  vocabulary: readonly string[] | null;
}

export interface RegionActionResult {
  kind: RegionOperation | 'undo' | 'redo';
  replayed: RegionOperation | null;
  target: string;
}

/** What one draft row says; the regions themselves are in its file. */
export interface RegionDraftEntry {
  target: string;
  sha256: string;
  shapes: number;
  author: string;
  updatedAt: string;
}

export const MAX_DRAWN_REGIONS = 5_000;
export const MAX_DRAWN_POINTS = 10_000;

/** The actions a user makes (undo and redo replay them): the SQL list of their kinds. */
const USER_KINDS = `(${REGION_OPERATIONS.map((kind) => `'${kind}'`).join(', ')})`;
const POINTS_OF: Record<DrawnRegion['kind'], [number, number]> = {
  rectangle: [2, 2],
  point: [1, 1],
  polygon: [3, MAX_DRAWN_POINTS],
};

/** Checks a drawing against the image and the vocabulary; the first problem is one sentence. */
function checkDrawing(
  regions: readonly DrawnRegion[],
  image: ImageSize,
  vocabulary: readonly string[] | null,
  where: string,
): void {
  const fail = (problem: string) =>
    new SatchelError('bad-argument', `The regions of ${where} were not saved: ${problem}.`);
  if (regions.length > MAX_DRAWN_REGIONS)
    throw fail(`${regions.length} regions are more than the ${MAX_DRAWN_REGIONS} one image may have`);
  regions.forEach((region, index) => {
    const name = `region ${index + 1}`;
    if (!(DRAWN_SHAPE_TYPES as readonly string[]).includes(region.kind))
      throw fail(`${name} is a ${region.kind}; Satchel draws ${DRAWN_SHAPE_TYPES.join(', ')}`);
    const [min, max] = POINTS_OF[region.kind];
    if (region.points.length < min || region.points.length > max)
      throw fail(`${name} is a ${region.kind} with ${region.points.length} points`);
    for (const [x, y] of region.points) {
      if (!(x >= 0 && y >= 0 && x <= image.width && y <= image.height))
        throw fail(`${name} has the point (${x}, ${y}) outside the ${image.width}×${image.height} image`);
    }
    if (region.label !== null && vocabulary !== null && !vocabulary.includes(region.label))
      throw fail(`${name} has the label "${region.label}", which is not a term of the feature's vocabulary`);
  });
}

export class RegionStore {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    readonly content: RegionContentStore,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  /** The drawing of one image; null when it has none. */
  draft(scope: RegionScope, target: string): RegionDraft | null {
    const sha256 = this.currentSha(scope, target);
    return sha256 ? this.draftOf(target, sha256) : null;
  }

  /** The draft rows of a feature, in target order. */
  entries(scope: RegionScope): RegionDraftEntry[] {
    return this.statement(
      `SELECT target, sha256, shapes, author, updated_at AS updatedAt FROM region_drafts
         WHERE bag_rid = ? AND snaptime = ? AND feature = ? ORDER BY target`,
    ).all(scope.bagRid, scope.snaptime, scope.feature) as RegionDraftEntry[];
  }

  /** The drawing of the file `sha256` of the store. */
  draftOf(target: string, sha256: string): RegionDraft {
    const file = parseLabelme(this.content.read(sha256), this.content.pathOf(sha256));
    return {
      target,
      regions: file.regions as DrawnRegion[],
      image: file.image,
      sha256,
    };
  }

  drawnCount(scope: RegionScope): number {
    return this.statement(
      'SELECT count(*) FROM region_drafts WHERE bag_rid = ? AND snaptime = ? AND feature = ?',
    )
      .pluck()
      .get(scope.bagRid, scope.snaptime, scope.feature) as number;
  }

  /**
   * Replaces the drawing of one image (one action, one undo step). No regions: the image has no draft.
   * Returns null when the drawing is what the draft already holds.
   */
  save(scope: RegionScope, request: RegionSaveRequest, author: string): RegionActionResult | null {
    checkDrawing(request.regions, request.image, request.vocabulary, request.target);
    const next =
      request.regions.length === 0
        ? null
        : this.content.put(labelmeDocument(request.regions, request.imagePath, request.image));
    return this.db.transaction(() => {
      if (this.currentSha(scope, request.target) === next) return null;
      this.statement(
        `UPDATE region_actions SET state = 'discarded', undo_order = NULL
           WHERE bag_rid = ? AND snaptime = ? AND feature = ? AND state = 'undone'`,
      ).run(scope.bagRid, scope.snaptime, scope.feature);
      const actionId = this.insertAction(scope, request.operation, author, null);
      this.write(scope, actionId, request.target, next, request.regions.length, author);
      return { kind: request.operation, replayed: null, target: request.target };
    })();
  }

  /** Undoes the latest region action of the feature; null when there is nothing to undo. */
  undo(scope: RegionScope, author: string): RegionActionResult | null {
    return this.db.transaction(() => {
      const action = this.statement(
        `SELECT id, kind FROM region_actions WHERE bag_rid = ? AND snaptime = ? AND feature = ?
           AND state = 'done' AND kind IN ${USER_KINDS} ORDER BY id DESC LIMIT 1`,
      ).get(scope.bagRid, scope.snaptime, scope.feature) as { id: number; kind: RegionOperation } | undefined;
      if (!action) return null;
      const order = this.statement('SELECT coalesce(max(undo_order), 0) + 1 FROM region_actions')
        .pluck()
        .get() as number;
      this.statement("UPDATE region_actions SET state = 'undone', undo_order = ? WHERE id = ?").run(
        order,
        action.id,
      );
      return this.replay(scope, action, 'undo', author);
    })();
  }

  /** Redoes the most recently undone action; null when there is nothing to redo. */
  redo(scope: RegionScope, author: string): RegionActionResult | null {
    return this.db.transaction(() => {
      const action = this.statement(
        `SELECT id, kind FROM region_actions WHERE bag_rid = ? AND snaptime = ? AND feature = ?
           AND state = 'undone' ORDER BY undo_order DESC LIMIT 1`,
      ).get(scope.bagRid, scope.snaptime, scope.feature) as { id: number; kind: RegionOperation } | undefined;
      if (!action) return null;
      this.statement("UPDATE region_actions SET state = 'done', undo_order = NULL WHERE id = ?").run(
        action.id,
      );
      return this.replay(scope, action, 'redo', author);
    })();
  }

  canUndo(scope: RegionScope): { undo: boolean; redo: boolean } {
    const exists = (state: string) =>
      this.statement(
        `SELECT EXISTS (SELECT 1 FROM region_actions WHERE bag_rid = ? AND snaptime = ? AND feature = ?
           AND state = ? AND kind IN ${USER_KINDS})`,
      )
        .pluck()
        .get(scope.bagRid, scope.snaptime, scope.feature, state) === 1;
    return { undo: exists('done'), redo: exists('undone') };
  }

  private replay(
    scope: RegionScope,
    action: { id: number; kind: RegionOperation },
    kind: 'undo' | 'redo',
    author: string,
  ): RegionActionResult {
    const entry = this.statement(
      'SELECT target, old_sha256 AS old, new_sha256 AS new FROM region_history WHERE action_id = ?',
    ).get(action.id) as { target: string; old: string | null; new: string | null };
    const sha256 = kind === 'undo' ? entry.old : entry.new;
    const replayId = this.insertAction(scope, kind, author, action.id);
    const shapes = sha256 ? this.draftOf(entry.target, sha256).regions.length : 0;
    this.write(scope, replayId, entry.target, sha256, shapes, author);
    return { kind, replayed: action.kind, target: entry.target };
  }

  private currentSha(scope: RegionScope, target: string): string | null {
    return (
      (this.statement(
        'SELECT sha256 FROM region_drafts WHERE bag_rid = ? AND snaptime = ? AND feature = ? AND target = ?',
      )
        .pluck()
        .get(scope.bagRid, scope.snaptime, scope.feature, target) as string | undefined) ?? null
    );
  }

  private insertAction(scope: RegionScope, kind: string, author: string, reverts: number | null): number {
    return Number(
      this.statement(
        `INSERT INTO region_actions (bag_rid, snaptime, feature, kind, author, at, reverts)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ).run(scope.bagRid, scope.snaptime, scope.feature, kind, author, this.now(), reverts).lastInsertRowid,
    );
  }

  private write(
    scope: RegionScope,
    actionId: number,
    target: string,
    sha256: string | null,
    shapes: number,
    author: string,
  ): void {
    const old = this.currentSha(scope, target);
    if (sha256 === null) {
      this.statement(
        'DELETE FROM region_drafts WHERE bag_rid = ? AND snaptime = ? AND feature = ? AND target = ?',
      ).run(scope.bagRid, scope.snaptime, scope.feature, target);
    } else {
      this.statement(
        `INSERT INTO region_drafts (bag_rid, snaptime, feature, target, sha256, shapes, author, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (bag_rid, snaptime, feature, target) DO UPDATE SET sha256 = excluded.sha256,
             shapes = excluded.shapes, author = excluded.author, updated_at = excluded.updated_at`,
      ).run(scope.bagRid, scope.snaptime, scope.feature, target, sha256, shapes, author, this.now());
    }
    this.statement(
      'INSERT INTO region_history (action_id, target, old_sha256, new_sha256) VALUES (?, ?, ?, ?)',
    ).run(actionId, target, old, sha256);
  }

  /** Prepared once: every arrow-key nudge is an action. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
