import type Database from 'better-sqlite3';
import type { RecordValues } from '../../../shared/labels.js';
import type { UploadJobState } from '../catalog/index.js';

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
  | 'assets'
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
  'assets',
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

/** Where a row's draft lives: a label draft, or a region drawing (each with its own history). */
export type DraftSource = 'labels' | 'regions';

export interface PlannedRow {
  source: DraftSource;
  feature: string;
  target: string;
  values: RecordValues;
  /** The history entry (label_history or region_history, by source) that gave the draft this value. */
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

/** One key per feature and target: one feature row per target in an execution. */
export const rowKey = (row: { feature: string; target: string }): string =>
  `${row.feature}\u0000${row.target}`;

/** One key per draft: a target's label draft and its drawing of the same feature are two drafts. */
export const draftKey = (row: { source: DraftSource; feature: string; target: string }): string =>
  `${row.source}\u0000${rowKey(row)}`;

/** Where a file a commit uploads has got to: bytes in Hatrac, then its asset row, types, Execution link. */
export type FileState = 'planned' | 'uploaded' | 'inserted' | 'typed' | 'linked';

export interface CommitFile {
  /** The asset table (qualified) the file becomes a row of. */
  assetTable: string;
  sha256: string;
  filename: string;
  /** Which workspace store holds the bytes (see StagedFiles). */
  store: 'regions' | 'files';
  /** Hex, as the asset row's MD5 column holds it. */
  md5: string;
  length: number;
  /** The unversioned Hatrac path, `/hatrac/<AssetTable>/<md5>.<filename>`, and the asset row's URL. */
  url: string;
  description: string;
  /** The chunked upload under way, kept after every acknowledged chunk. */
  job: UploadJobState | null;
  /** Leased before the row is inserted, or the RID of an existing row with the same URL. */
  assetRid: string | null;
  state: FileState;
}

interface CommitFileRecord {
  asset_table: string;
  sha256: string;
  filename: string;
  store: 'regions' | 'files';
  md5: string;
  length: number;
  url: string;
  description: string;
  job: string | null;
  asset_rid: string | null;
  state: FileState;
}

function toFile(row: CommitFileRecord): CommitFile {
  return {
    assetTable: row.asset_table,
    sha256: row.sha256,
    filename: row.filename,
    store: row.store,
    md5: row.md5,
    length: row.length,
    url: row.url,
    description: row.description,
    job: row.job === null ? null : (JSON.parse(row.job) as UploadJobState),
    assetRid: row.asset_rid,
    state: row.state,
  };
}

/** The journal's key of a file: one upload per asset table, content and name. */
export type FileKey = Pick<CommitFile, 'assetTable' | 'sha256' | 'filename'>;

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
   * The draft history each draft's value was last sent with, per draft (`draftKey`): rows of
   * finished commits, and rows the catalog acknowledged in commits still under way. A row from
   * before history was kept counts as history 0, so its draft is sent again rather than skipped.
   */
  sentHistory(scope: CommitScope): Map<string, number> {
    const rows = this.db
      .prepare(
        `SELECT r.source, r.feature, r.target, max(coalesce(r.history_id, 0)) AS history
           FROM commit_rows r JOIN commits c ON c.id = r.commit_id
          WHERE c.catalog = ? AND c.bag_rid = ? AND c.snaptime = ? AND (c.state = 'done' OR r.inserted = 1)
          GROUP BY r.source, r.feature, r.target`,
      )
      .all(scope.catalog, scope.bagRid, scope.snaptime) as {
      source: DraftSource;
      feature: string;
      target: string;
      history: number;
    }[];
    return new Map(rows.map((row) => [draftKey(row), row.history]));
  }

  /**
   * When the labels a commit sends were made: the first and the last change behind its rows since
   * each draft's value was last sent by an earlier commit (label history for label drafts, region
   * history for drawings). Null when no row has a history.
   */
  labelingSpan(id: number): { first: string; last: string } | null {
    const since = (source: DraftSource) => `h.id > coalesce((
                  SELECT max(coalesce(s.history_id, 0))
                    FROM commit_rows s JOIN commits e ON e.id = s.commit_id
                   WHERE e.id < c.id AND e.catalog = c.catalog AND e.bag_rid = c.bag_rid
                     AND e.snaptime = c.snaptime AND (e.state = 'done' OR s.inserted = 1)
                     AND s.source = '${source}' AND s.feature = r.feature AND s.target = r.target), 0)`;
    const spans = [
      this.db
        .prepare(
          `SELECT min(a.at) AS first, max(a.at) AS last
             FROM commit_rows r
             JOIN commits c ON c.id = r.commit_id
             JOIN label_history h ON h.feature = r.feature AND h.target = r.target AND h.id <= r.history_id
             JOIN label_actions a ON a.id = h.action_id AND a.bag_rid = c.bag_rid AND a.snaptime = c.snaptime
            WHERE r.commit_id = ? AND r.source = 'labels' AND ${since('labels')}`,
        )
        .get(id),
      this.db
        .prepare(
          `SELECT min(a.at) AS first, max(a.at) AS last
             FROM commit_rows r
             JOIN commits c ON c.id = r.commit_id
             JOIN region_history h ON h.target = r.target AND h.id <= r.history_id
             JOIN region_actions a ON a.id = h.action_id AND a.bag_rid = c.bag_rid
                  AND a.snaptime = c.snaptime AND a.feature = r.feature
            WHERE r.commit_id = ? AND r.source = 'regions' AND ${since('regions')}`,
        )
        .get(id),
    ] as { first: string | null; last: string | null }[];
    const firsts = spans.flatMap((span) => (span.first ? [span.first] : [])).sort();
    const lasts = spans.flatMap((span) => (span.last ? [span.last] : [])).sort();
    return firsts.length > 0 ? { first: firsts[0]!, last: lasts.at(-1)! } : null;
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
        'INSERT INTO commit_rows (commit_id, source, feature, target, "values", history_id) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const row of rows)
        insert.run(id, row.source, row.feature, row.target, JSON.stringify(row.values), row.historyId);
      return this.get(id);
    })();
  }

  get(id: number): CommitRecord {
    return toRecord(this.db.prepare('SELECT * FROM commits WHERE id = ?').get(id) as CommitRowRecord);
  }

  rows(id: number): CommitRow[] {
    const rows = this.db
      .prepare(
        'SELECT source, feature, target, "values", history_id, rid, inserted FROM commit_rows WHERE commit_id = ? ORDER BY feature, target',
      )
      .all(id) as {
      source: DraftSource;
      feature: string;
      target: string;
      values: string;
      history_id: number | null;
      rid: string | null;
      inserted: number;
    }[];
    return rows.map((row) => ({
      source: row.source,
      feature: row.feature,
      target: row.target,
      values: JSON.parse(row.values) as RecordValues,
      historyId: row.history_id,
      rid: row.rid,
      inserted: row.inserted === 1,
    }));
  }

  /** How many feature rows a commit carries and how many the catalog acknowledged, without reading them. */
  rowCounts(id: number): { total: number; inserted: number } {
    const counts = this.db
      .prepare(
        'SELECT count(*) AS total, coalesce(sum(inserted), 0) AS inserted FROM commit_rows WHERE commit_id = ?',
      )
      .get(id) as { total: number; inserted: number };
    return counts;
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

  /** The files a commit uploads, in the order they were planned. */
  files(id: number): CommitFile[] {
    return (
      this.db
        .prepare('SELECT * FROM commit_files WHERE commit_id = ? ORDER BY asset_table, url')
        .all(id) as CommitFileRecord[]
    ).map(toFile);
  }

  /** Records files to upload (before any request about them); files already planned are kept as they are. */
  planFiles(id: number, files: Omit<CommitFile, 'job' | 'assetRid' | 'state'>[]): void {
    const insert = this.db.prepare(
      `INSERT OR IGNORE INTO commit_files (commit_id, asset_table, sha256, filename, store, md5, length, url, description)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const file of files)
        insert.run(
          id,
          file.assetTable,
          file.sha256,
          file.filename,
          file.store,
          file.md5,
          file.length,
          file.url,
          file.description,
        );
    })();
  }

  /** Forgets planned files no unsent row needs any more (a draft changed before they were uploaded). */
  dropFiles(id: number, files: FileKey[]): void {
    const remove = this.db.prepare(
      `DELETE FROM commit_files WHERE commit_id = ? AND asset_table = ? AND sha256 = ? AND filename = ? AND state = 'planned'`,
    );
    this.db.transaction(() => {
      for (const file of files) remove.run(id, file.assetTable, file.sha256, file.filename);
    })();
  }

  /** Keeps a chunked upload's job after it was created and after every acknowledged chunk. */
  saveJob(id: number, file: FileKey, job: UploadJobState | null): void {
    this.db
      .prepare(
        'UPDATE commit_files SET job = ? WHERE commit_id = ? AND asset_table = ? AND sha256 = ? AND filename = ?',
      )
      .run(job === null ? null : JSON.stringify(job), id, file.assetTable, file.sha256, file.filename);
  }

  /** Records that files reached `state` (once the catalog acknowledged the step); the upload job is done with then. */
  markFiles(id: number, files: FileKey[], state: FileState): void {
    const update = this.db.prepare(
      `UPDATE commit_files SET state = ?, job = NULL
        WHERE commit_id = ? AND asset_table = ? AND sha256 = ? AND filename = ?`,
    );
    this.db.transaction(() => {
      for (const file of files) update.run(state, id, file.assetTable, file.sha256, file.filename);
    })();
  }

  /** Leased asset RIDs are stored before the rows that use them are sent. */
  assignFileRids(id: number, assignments: (FileKey & { rid: string })[]): void {
    const update = this.db.prepare(
      'UPDATE commit_files SET asset_rid = ? WHERE commit_id = ? AND asset_table = ? AND sha256 = ? AND filename = ?',
    );
    this.db.transaction(() => {
      for (const file of assignments) update.run(file.rid, id, file.assetTable, file.sha256, file.filename);
    })();
  }

  fail(id: number, message: string): void {
    this.db.prepare('UPDATE commits SET error = ?, updated_at = ? WHERE id = ?').run(message, this.now(), id);
  }
}
