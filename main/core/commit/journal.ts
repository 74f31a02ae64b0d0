import type Database from 'better-sqlite3';
import type { RecordValues } from '../../../shared/labels.js';

/**
 * The commit journal (workspace migrations 3 and 4): what a commit froze to send, the RIDs it
 * leased and the step it reached, written before each network step and right after its answer, so a
 * killed commit resumes where it was and never repeats a request the catalog acknowledged.
 */
export type CommitStep =
  | 'planned'
  | 'workflow'
  | 'workflow-type'
  | 'execution'
  | 'running'
  | 'inputs'
  | 'metadata-file'
  | 'metadata'
  | 'metadata-role'
  | 'metadata-type'
  | 'stopped'
  | 'pending'
  | 'features'
  | 'finishing'
  | 'done';

/** A commit is either on its way (a step) or was closed unfinished and replaced by a new plan. */
export type CommitState = CommitStep | 'replaced';

export const STEP_ORDER: readonly CommitStep[] = [
  'planned',
  'workflow',
  'workflow-type',
  'execution',
  'running',
  'inputs',
  'metadata-file',
  'metadata',
  'metadata-role',
  'metadata-type',
  'stopped',
  'pending',
  'features',
  'finishing',
  'done',
];

export interface CommitRecord {
  id: number;
  catalog: string;
  bagRid: string;
  snaptime: string;
  state: CommitState;
  workflowRid: string | null;
  executionRid: string | null;
  configuration: string;
  description: string;
  /** Why the last attempt stopped, when it failed. */
  error: string | null;
}

export interface PlannedRow {
  feature: string;
  target: string;
  values: RecordValues;
  /** The label_history entry that gave the draft this value. */
  historyId: number | null;
}

export interface CommitRow extends PlannedRow {
  rid: string | null;
  inserted: boolean;
}

export interface CommitScope {
  catalog: string;
  bagRid: string;
  snaptime: string;
}

interface CommitRowRecord {
  id: number;
  catalog: string;
  bag_rid: string;
  snaptime: string;
  state: CommitState;
  workflow_rid: string | null;
  execution_rid: string | null;
  configuration: string;
  description: string;
  error: string | null;
}

function toRecord(row: CommitRowRecord): CommitRecord {
  return {
    id: row.id,
    catalog: row.catalog,
    bagRid: row.bag_rid,
    snaptime: row.snaptime,
    state: row.state,
    workflowRid: row.workflow_rid,
    executionRid: row.execution_rid,
    configuration: row.configuration,
    description: row.description,
    error: row.error,
  };
}

/** One key per feature and target, for maps over drafts and commit rows. */
export const rowKey = (row: { feature: string; target: string }): string =>
  `${row.feature}\u0000${row.target}`;

export class CommitJournal {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  /** The newest commit of this bag to this catalog, whatever its state. */
  latest(scope: CommitScope): CommitRecord | null {
    const row = this.db
      .prepare(
        'SELECT * FROM commits WHERE catalog = ? AND bag_rid = ? AND snaptime = ? ORDER BY id DESC LIMIT 1',
      )
      .get(scope.catalog, scope.bagRid, scope.snaptime) as CommitRowRecord | undefined;
    return row ? toRecord(row) : null;
  }

  /** The newest finished commit of this bag to this catalog. */
  latestDone(scope: CommitScope): CommitRecord | null {
    const row = this.db
      .prepare(
        `SELECT * FROM commits WHERE catalog = ? AND bag_rid = ? AND snaptime = ? AND state = 'done' ORDER BY id DESC LIMIT 1`,
      )
      .get(scope.catalog, scope.bagRid, scope.snaptime) as CommitRowRecord | undefined;
    return row ? toRecord(row) : null;
  }

  /**
   * The draft history each target's value was last sent with, per `feature + target`: rows of
   * finished commits, and rows the catalog acknowledged in commits still under way. A row from
   * before history was kept counts as history 0, so its draft is sent again rather than skipped.
   */
  sentHistory(scope: CommitScope): Map<string, number> {
    const rows = this.db
      .prepare(
        `SELECT r.feature, r.target, max(coalesce(r.history_id, 0)) AS history
           FROM commit_rows r JOIN commits c ON c.id = r.commit_id
          WHERE c.catalog = ? AND c.bag_rid = ? AND c.snaptime = ? AND (c.state = 'done' OR r.inserted = 1)
          GROUP BY r.feature, r.target`,
      )
      .all(scope.catalog, scope.bagRid, scope.snaptime) as {
      feature: string;
      target: string;
      history: number;
    }[];
    return new Map(rows.map((row) => [rowKey(row), row.history]));
  }

  /**
   * When the labels a commit sends were made: the first and the last change behind its rows since
   * each target's value was last sent by an earlier commit. Null when no row has a history.
   */
  labelingSpan(id: number): { first: string; last: string } | null {
    const span = this.db
      .prepare(
        `SELECT min(a.at) AS first, max(a.at) AS last
           FROM commit_rows r
           JOIN commits c ON c.id = r.commit_id
           JOIN label_history h ON h.feature = r.feature AND h.target = r.target AND h.id <= r.history_id
           JOIN label_actions a ON a.id = h.action_id AND a.bag_rid = c.bag_rid AND a.snaptime = c.snaptime
          WHERE r.commit_id = ?
            AND h.id > coalesce((
                  SELECT max(coalesce(s.history_id, 0))
                    FROM commit_rows s JOIN commits e ON e.id = s.commit_id
                   WHERE e.id < c.id AND e.catalog = c.catalog AND e.bag_rid = c.bag_rid
                     AND e.snaptime = c.snaptime AND (e.state = 'done' OR s.inserted = 1)
                     AND s.feature = r.feature AND s.target = r.target), 0)`,
      )
      .get(id) as { first: string | null; last: string | null };
    return span.first && span.last ? { first: span.first, last: span.last } : null;
  }

  create(
    scope: CommitScope & { configuration: string; description: string },
    rows: PlannedRow[],
  ): CommitRecord {
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO commits (catalog, bag_rid, snaptime, state, configuration, description, created_at, updated_at)
             VALUES (?, ?, ?, 'planned', ?, ?, ?, ?)`,
          )
          .run(
            scope.catalog,
            scope.bagRid,
            scope.snaptime,
            scope.configuration,
            scope.description,
            this.now(),
            this.now(),
          ).lastInsertRowid,
      );
      const insert = this.db.prepare(
        'INSERT INTO commit_rows (commit_id, feature, target, "values", history_id) VALUES (?, ?, ?, ?, ?)',
      );
      for (const row of rows)
        insert.run(id, row.feature, row.target, JSON.stringify(row.values), row.historyId);
      return this.get(id);
    })();
  }

  get(id: number): CommitRecord {
    return toRecord(this.db.prepare('SELECT * FROM commits WHERE id = ?').get(id) as CommitRowRecord);
  }

  rows(id: number): CommitRow[] {
    const rows = this.db
      .prepare(
        'SELECT feature, target, "values", history_id, rid, inserted FROM commit_rows WHERE commit_id = ? ORDER BY feature, target',
      )
      .all(id) as {
      feature: string;
      target: string;
      values: string;
      history_id: number | null;
      rid: string | null;
      inserted: number;
    }[];
    return rows.map((row) => ({
      feature: row.feature,
      target: row.target,
      values: JSON.parse(row.values) as RecordValues,
      historyId: row.history_id,
      rid: row.rid,
      inserted: row.inserted === 1,
    }));
  }

  /** Records that a step's request was answered. */
  advance(id: number, state: CommitStep): void {
    this.db
      .prepare('UPDATE commits SET state = ?, error = NULL, updated_at = ? WHERE id = ?')
      .run(state, this.now(), id);
  }

  /** Keeps a RID the commit will use, before the request that uses it is sent. */
  remember(id: number, fields: { workflowRid?: string; executionRid?: string }): void {
    this.db
      .prepare(
        `UPDATE commits SET workflow_rid = coalesce(?, workflow_rid), execution_rid = coalesce(?, execution_rid),
         updated_at = ? WHERE id = ?`,
      )
      .run(fields.workflowRid ?? null, fields.executionRid ?? null, this.now(), id);
  }

  setConfiguration(id: number, configuration: string): void {
    this.db
      .prepare('UPDATE commits SET configuration = ?, updated_at = ? WHERE id = ?')
      .run(configuration, this.now(), id);
  }

  /** Closes an unfinished commit that never reached the catalog; a new plan takes its place. */
  replace(id: number): void {
    this.db.prepare(`UPDATE commits SET state = 'replaced', updated_at = ? WHERE id = ?`).run(this.now(), id);
  }

  /** Leased RIDs are stored before any row that uses them is sent. */
  assignRids(id: number, assignments: { feature: string; target: string; rid: string }[]): void {
    const update = this.db.prepare(
      'UPDATE commit_rows SET rid = ? WHERE commit_id = ? AND feature = ? AND target = ?',
    );
    this.db.transaction(() => {
      for (const assignment of assignments)
        update.run(assignment.rid, id, assignment.feature, assignment.target);
    })();
  }

  markInserted(id: number, rows: { feature: string; target: string }[]): void {
    const update = this.db.prepare(
      'UPDATE commit_rows SET inserted = 1 WHERE commit_id = ? AND feature = ? AND target = ?',
    );
    this.db.transaction(() => {
      for (const row of rows) update.run(id, row.feature, row.target);
    })();
  }

  /** Unsent rows take their draft's current value, or leave the commit when the draft is gone. */
  refreshRows(id: number, updated: PlannedRow[], dropped: { feature: string; target: string }[]): void {
    const update = this.db.prepare(
      'UPDATE commit_rows SET "values" = ?, history_id = ? WHERE commit_id = ? AND feature = ? AND target = ? AND inserted = 0',
    );
    const remove = this.db.prepare(
      'DELETE FROM commit_rows WHERE commit_id = ? AND feature = ? AND target = ? AND inserted = 0',
    );
    this.db.transaction(() => {
      for (const row of updated)
        update.run(JSON.stringify(row.values), row.historyId, id, row.feature, row.target);
      for (const row of dropped) remove.run(id, row.feature, row.target);
    })();
  }

  link(id: number, table: string, rid: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO commit_links (commit_id, "table", rid) VALUES (?, ?, ?)')
      .run(id, table, rid);
  }

  links(id: number): Record<string, string[]> {
    const rows = this.db
      .prepare('SELECT "table", rid FROM commit_links WHERE commit_id = ? ORDER BY "table", rid')
      .all(id) as { table: string; rid: string }[];
    const result: Record<string, string[]> = {};
    for (const row of rows) (result[row.table] ??= []).push(row.rid);
    return result;
  }

  fail(id: number, message: string): void {
    this.db.prepare('UPDATE commits SET error = ?, updated_at = ? WHERE id = ?').run(message, this.now(), id);
  }
}
