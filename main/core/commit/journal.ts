import type Database from 'better-sqlite3';
import type { RecordValues } from '../../../shared/labels.js';

/**
 * The commit journal (workspace migration 3): what a commit froze to send, the RIDs it leased and
 * the step it reached, written before each network step so a killed commit resumes where it was
 * and never sends a row twice.
 */
export type CommitState =
  | 'planned'
  | 'workflow'
  | 'execution'
  | 'running'
  | 'inputs'
  | 'metadata'
  | 'features'
  | 'finishing'
  | 'done';

export const STATE_ORDER: CommitState[] = [
  'planned',
  'workflow',
  'execution',
  'running',
  'inputs',
  'metadata',
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
}

export interface CommitRow {
  feature: string;
  target: string;
  values: RecordValues;
  rid: string | null;
  inserted: boolean;
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
  };
}

export class CommitJournal {
  constructor(
    private readonly db: Database.Database,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {}

  /** The newest commit of this bag to this catalog, finished or not. */
  latest(catalog: string, bagRid: string, snaptime: string): CommitRecord | null {
    const row = this.db
      .prepare(
        'SELECT * FROM commits WHERE catalog = ? AND bag_rid = ? AND snaptime = ? ORDER BY id DESC LIMIT 1',
      )
      .get(catalog, bagRid, snaptime) as CommitRowRecord | undefined;
    return row ? toRecord(row) : null;
  }

  /** Finished commits of this bag to this catalog, oldest first. */
  finishedIds(catalog: string, bagRid: string, snaptime: string): number[] {
    return this.db
      .prepare(
        `SELECT id FROM commits WHERE catalog = ? AND bag_rid = ? AND snaptime = ? AND state = 'done' ORDER BY id`,
      )
      .pluck()
      .all(catalog, bagRid, snaptime) as number[];
  }

  create(
    scope: { catalog: string; bagRid: string; snaptime: string; configuration: string; description: string },
    rows: { feature: string; target: string; values: RecordValues }[],
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
        'INSERT INTO commit_rows (commit_id, feature, target, "values") VALUES (?, ?, ?, ?)',
      );
      for (const row of rows) insert.run(id, row.feature, row.target, JSON.stringify(row.values));
      return this.get(id);
    })();
  }

  get(id: number): CommitRecord {
    return toRecord(this.db.prepare('SELECT * FROM commits WHERE id = ?').get(id) as CommitRowRecord);
  }

  rows(id: number): CommitRow[] {
    const rows = this.db
      .prepare(
        'SELECT feature, target, "values", rid, inserted FROM commit_rows WHERE commit_id = ? ORDER BY feature, target',
      )
      .all(id) as { feature: string; target: string; values: string; rid: string | null; inserted: number }[];
    return rows.map((row) => ({
      ...row,
      values: JSON.parse(row.values) as RecordValues,
      inserted: row.inserted === 1,
    }));
  }

  advance(
    id: number,
    state: CommitState,
    fields: { workflowRid?: string; executionRid?: string } = {},
  ): void {
    this.db
      .prepare(
        `UPDATE commits SET state = ?, workflow_rid = coalesce(?, workflow_rid), execution_rid = coalesce(?, execution_rid),
         error = NULL, updated_at = ? WHERE id = ?`,
      )
      .run(state, fields.workflowRid ?? null, fields.executionRid ?? null, this.now(), id);
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
