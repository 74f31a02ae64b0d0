import type Database from 'better-sqlite3';
import type { CellValue } from '../../../shared/bag.js';
import { SatchelError } from '../common/index.js';
import type { Draft, HistoryEntry } from '../../../shared/labels.js';
import { statementCache } from '../workspace-db/index.js';
import { validateRecord, type RecordShape, type RecordValues } from './record.js';

export type { Draft, HistoryEntry } from '../../../shared/labels.js';

/**
 * Drafts: one value per (bag RID, snapshot, feature, target), as the catalog allows one value per
 * target per execution. Every user action is one transaction that writes the drafts and a history
 * row per change (who, when, old, new), which is also what undo and redo replay. The tables are
 * made by workspace migration 2.
 */

export interface BagScope {
  bagRid: string;
  snaptime: string;
}

export interface ActionResult {
  actionId: number;
  kind: 'set' | 'clear' | 'import' | 'undo' | 'redo';
  changed: number;
  targets: string[];
}

interface Change {
  shape: RecordShape;
  target: string;
  values: RecordValues | null;
}

interface DraftRow {
  feature: string;
  feature_name: string;
  target_table: string;
  target: string;
  values: string;
  author: string;
  updated_at: string;
}

const USER_KINDS = "('set', 'clear', 'import')";

export class LabelStore {
  private readonly statement: (sql: string) => Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {
    this.statement = statementCache(db);
  }

  /** Sets the same values on many targets as one action (one undo step). Invalid values are refused whole. */
  set(
    scope: BagScope,
    shape: RecordShape,
    targets: string[],
    values: RecordValues,
    author: string,
  ): ActionResult {
    const checked = validateRecord(shape, values);
    if (!checked.ok)
      throw new SatchelError(
        'bad-argument',
        `The ${shape.feature} label is invalid: ${checked.reasons.join(' ')}`,
      );
    return this.apply(
      scope,
      'set',
      author,
      unique(targets).map((target) => ({ shape, target, values: checked.values })),
    );
  }

  /** Sets a different record per target (an import or a scripted batch), validated up front, as one action. */
  setEach(
    scope: BagScope,
    shape: RecordShape,
    records: { target: string; values: RecordValues }[],
    author: string,
    kind: 'set' | 'import' = 'import',
  ): ActionResult {
    const changes = records.map((record) => {
      const checked = validateRecord(shape, record.values);
      if (!checked.ok)
        throw new SatchelError(
          'bad-argument',
          `The ${shape.feature} label of ${record.target} is invalid: ${checked.reasons.join(' ')}`,
        );
      return { shape, target: record.target, values: checked.values };
    });
    return this.apply(scope, kind, author, changes);
  }

  clear(scope: BagScope, shape: RecordShape, targets: string[], author: string): ActionResult {
    return this.apply(
      scope,
      'clear',
      author,
      unique(targets).map((target) => ({ shape, target, values: null })),
    );
  }

  drafts(scope: BagScope, feature?: string): Draft[] {
    const rows = this.statement(
      `SELECT feature, feature_name, target_table, target, "values", author, updated_at FROM label_drafts
         WHERE bag_rid = ? AND snaptime = ? AND (? IS NULL OR feature = ?) ORDER BY feature, target`,
    ).all(scope.bagRid, scope.snaptime, feature ?? null, feature ?? null) as DraftRow[];
    return rows.map(toDraft);
  }

  /** Just the labeled targets of one feature: cheap enough to count progress on every keypress. */
  draftTargets(scope: BagScope, feature: string): string[] {
    return this.statement(
      'SELECT target FROM label_drafts WHERE bag_rid = ? AND snaptime = ? AND feature = ?',
    )
      .pluck()
      .all(scope.bagRid, scope.snaptime, feature) as string[];
  }

  draft(scope: BagScope, feature: string, target: string): Draft | null {
    const row = this.statement(
      `SELECT feature, feature_name, target_table, target, "values", author, updated_at FROM label_drafts
         WHERE bag_rid = ? AND snaptime = ? AND feature = ? AND target = ?`,
    ).get(scope.bagRid, scope.snaptime, feature, target) as DraftRow | undefined;
    return row ? toDraft(row) : null;
  }

  /** Undoes the latest user action of this bag; null when there is nothing to undo. */
  undo(scope: BagScope, author: string): ActionResult | null {
    return this.db.transaction(() => {
      const action = this.statement(
        `SELECT id FROM label_actions WHERE bag_rid = ? AND snaptime = ? AND state = 'done' AND kind IN ${USER_KINDS} ORDER BY id DESC LIMIT 1`,
      )
        .pluck()
        .get(scope.bagRid, scope.snaptime) as number | undefined;
      if (action === undefined) return null;
      const order = this.statement('SELECT coalesce(max(undo_order), 0) + 1 FROM label_actions')
        .pluck()
        .get() as number;
      this.statement("UPDATE label_actions SET state = 'undone', undo_order = ? WHERE id = ?").run(
        order,
        action,
      );
      return this.replay(scope, action, 'undo', author, 'old_values');
    })();
  }

  /** Redoes the most recently undone action; null when there is nothing to redo. */
  redo(scope: BagScope, author: string): ActionResult | null {
    return this.db.transaction(() => {
      const action = this.statement(
        `SELECT id FROM label_actions WHERE bag_rid = ? AND snaptime = ? AND state = 'undone' ORDER BY undo_order DESC LIMIT 1`,
      )
        .pluck()
        .get(scope.bagRid, scope.snaptime) as number | undefined;
      if (action === undefined) return null;
      this.statement("UPDATE label_actions SET state = 'done', undo_order = NULL WHERE id = ?").run(action);
      return this.replay(scope, action, 'redo', author, 'new_values');
    })();
  }

  canUndo(scope: BagScope): { undo: boolean; redo: boolean } {
    const count = (state: string, kinds: string) =>
      this.statement(
        `SELECT count(*) FROM label_actions WHERE bag_rid = ? AND snaptime = ? AND state = ? AND kind IN ${kinds}`,
      )
        .pluck()
        .get(scope.bagRid, scope.snaptime, state) as number;
    return { undo: count('done', USER_KINDS) > 0, redo: count('undone', USER_KINDS) > 0 };
  }

  history(scope: BagScope, limit = 200): HistoryEntry[] {
    const rows = this.statement(
      `SELECT a.id AS actionId, a.kind, a.author, a.at, h.feature, h.target, h.old_values AS old, h.new_values AS new
         FROM label_history h JOIN label_actions a ON a.id = h.action_id
         WHERE a.bag_rid = ? AND a.snaptime = ? ORDER BY h.id DESC LIMIT ?`,
    ).all(scope.bagRid, scope.snaptime, limit) as (Omit<HistoryEntry, 'old' | 'new'> & {
      old: string | null;
      new: string | null;
    })[];
    return rows.map((row) => ({ ...row, old: parseValues(row.old), new: parseValues(row.new) }));
  }

  private apply(
    scope: BagScope,
    kind: 'set' | 'clear' | 'import',
    author: string,
    changes: Change[],
  ): ActionResult {
    return this.db.transaction(() => {
      this.statement(
        `UPDATE label_actions SET state = 'discarded', undo_order = NULL WHERE bag_rid = ? AND snaptime = ? AND state = 'undone'`,
      ).run(scope.bagRid, scope.snaptime);
      const actionId = this.insertAction(scope, kind, author, null);
      const targets: string[] = [];
      for (const change of changes) {
        if (
          this.write(
            scope,
            actionId,
            change.shape.table,
            change.shape.feature,
            change.shape.target,
            change.target,
            change.values,
            author,
          )
        ) {
          targets.push(change.target);
        }
      }
      return { actionId, kind, changed: targets.length, targets };
    })();
  }

  private replay(
    scope: BagScope,
    actionId: number,
    kind: 'undo' | 'redo',
    author: string,
    column: 'old_values' | 'new_values',
  ): ActionResult {
    const entries = this.statement(
      `SELECT feature, target, ${column} AS vals FROM label_history WHERE action_id = ? ORDER BY id ${kind === 'undo' ? 'DESC' : 'ASC'}`,
    ).all(actionId) as { feature: string; target: string; vals: string | null }[];
    const replayId = this.insertAction(scope, kind, author, actionId);
    const targets: string[] = [];
    for (const entry of entries) {
      const meta = this.featureMeta(scope, actionId, entry.feature);
      if (
        this.write(
          scope,
          replayId,
          entry.feature,
          meta.featureName,
          meta.targetTable,
          entry.target,
          parseValues(entry.vals),
          author,
        )
      ) {
        targets.push(entry.target);
      }
    }
    return { actionId: replayId, kind, changed: targets.length, targets };
  }

  private featureMeta(
    scope: BagScope,
    actionId: number,
    feature: string,
  ): { featureName: string; targetTable: string } {
    const meta = this.statement(
      'SELECT feature_name AS featureName, target_table AS targetTable FROM label_features WHERE feature = ?',
    ).get(feature) as { featureName: string; targetTable: string } | undefined;
    if (!meta)
      throw new SatchelError(
        'unknown-feature',
        `The history of action ${actionId} in bag ${scope.bagRid} names an unknown feature ${feature}.`,
      );
    return meta;
  }

  private insertAction(scope: BagScope, kind: string, author: string, reverts: number | null): number {
    return Number(
      this.statement(
        'INSERT INTO label_actions (bag_rid, snaptime, kind, author, at, reverts) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(scope.bagRid, scope.snaptime, kind, author, this.now(), reverts).lastInsertRowid,
    );
  }

  /** Writes one draft change and its history row; returns false when nothing changed. */
  private write(
    scope: BagScope,
    actionId: number,
    feature: string,
    featureName: string,
    targetTable: string,
    target: string,
    values: RecordValues | null,
    author: string,
  ): boolean {
    this.statement(
      'INSERT OR IGNORE INTO label_features (feature, feature_name, target_table) VALUES (?, ?, ?)',
    ).run(feature, featureName, targetTable);
    const old = this.statement(
      `SELECT "values" FROM label_drafts WHERE bag_rid = ? AND snaptime = ? AND feature = ? AND target = ?`,
    )
      .pluck()
      .get(scope.bagRid, scope.snaptime, feature, target) as string | undefined;
    const next = values === null ? null : JSON.stringify(values);
    if ((old ?? null) === next) return false;
    if (next === null) {
      this.statement(
        'DELETE FROM label_drafts WHERE bag_rid = ? AND snaptime = ? AND feature = ? AND target = ?',
      ).run(scope.bagRid, scope.snaptime, feature, target);
    } else {
      this.statement(
        `INSERT INTO label_drafts (bag_rid, snaptime, feature, target, feature_name, target_table, "values", author, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (bag_rid, snaptime, feature, target) DO UPDATE SET "values" = excluded."values", author = excluded.author, updated_at = excluded.updated_at`,
      ).run(
        scope.bagRid,
        scope.snaptime,
        feature,
        target,
        featureName,
        targetTable,
        next,
        author,
        this.now(),
      );
    }
    this.statement(
      'INSERT INTO label_history (action_id, feature, target, old_values, new_values) VALUES (?, ?, ?, ?, ?)',
    ).run(actionId, feature, target, old ?? null, next);
    return true;
  }
}

function unique(targets: string[]): string[] {
  return [...new Set(targets)];
}

function parseValues(text: string | null): RecordValues | null {
  return text === null ? null : (JSON.parse(text) as Record<string, CellValue>);
}

function toDraft(row: DraftRow): Draft {
  return {
    feature: row.feature,
    featureName: row.feature_name,
    targetTable: row.target_table,
    target: row.target,
    values: JSON.parse(row.values) as RecordValues,
    author: row.author,
    updatedAt: row.updated_at,
  };
}
