import type Database from 'better-sqlite3';
import { DRAFT_CHECKSUM_FUNCTION, DRAFT_COLUMNS } from './checksum.js';

/**
 * One step of the workspace database's schema. `version` is the `PRAGMA user_version` the database
 * has after the step; steps run in order, each in its own transaction. Never edit a released
 * migration: add a new one at the end.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const WORKSPACE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'recent bags',
    up(db) {
      db.exec(`CREATE TABLE recent_bags (
        path TEXT PRIMARY KEY,
        rid TEXT NOT NULL,
        version TEXT,
        opened_at TEXT NOT NULL
      );
      CREATE INDEX recent_bags_opened_at ON recent_bags (opened_at);`);
    },
  },
  {
    version: 2,
    name: 'label drafts, actions and history',
    up(db) {
      db.exec(`
        CREATE TABLE label_actions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          bag_rid TEXT NOT NULL,
          snaptime TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('set', 'clear', 'import', 'undo', 'redo')),
          author TEXT NOT NULL,
          at TEXT NOT NULL,
          state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone', 'discarded')),
          undo_order INTEGER,
          reverts INTEGER REFERENCES label_actions (id)
        );
        CREATE INDEX label_actions_scope ON label_actions (bag_rid, snaptime, state, id);
        CREATE TABLE label_history (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          action_id INTEGER NOT NULL REFERENCES label_actions (id),
          feature TEXT NOT NULL,
          target TEXT NOT NULL,
          old_values TEXT,
          new_values TEXT
        );
        CREATE INDEX label_history_action ON label_history (action_id);
        CREATE INDEX label_history_target ON label_history (feature, target);
        CREATE TABLE label_features (
          feature TEXT PRIMARY KEY,
          feature_name TEXT NOT NULL,
          target_table TEXT NOT NULL
        );
        CREATE TABLE label_drafts (
          bag_rid TEXT NOT NULL,
          snaptime TEXT NOT NULL,
          feature TEXT NOT NULL,
          target TEXT NOT NULL,
          feature_name TEXT NOT NULL,
          target_table TEXT NOT NULL,
          "values" TEXT NOT NULL,
          author TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (bag_rid, snaptime, feature, target)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 3,
    name: 'commit journal',
    up(db) {
      db.exec(`
        CREATE TABLE commits (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          catalog TEXT NOT NULL,
          bag_rid TEXT NOT NULL,
          snaptime TEXT NOT NULL,
          state TEXT NOT NULL,
          workflow_rid TEXT,
          execution_rid TEXT,
          configuration TEXT NOT NULL,
          description TEXT NOT NULL,
          error TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX commits_scope ON commits (catalog, bag_rid, snaptime, id);
        CREATE TABLE commit_rows (
          commit_id INTEGER NOT NULL REFERENCES commits (id),
          feature TEXT NOT NULL,
          target TEXT NOT NULL,
          "values" TEXT NOT NULL,
          rid TEXT,
          inserted INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (commit_id, feature, target)
        ) WITHOUT ROWID;
        CREATE TABLE commit_links (
          commit_id INTEGER NOT NULL REFERENCES commits (id),
          "table" TEXT NOT NULL,
          rid TEXT NOT NULL,
          PRIMARY KEY (commit_id, "table", rid)
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 4,
    name: 'commit rows remember the draft history they carry',
    up(db) {
      // What a commit sends is decided by each draft's own history (changed since its last commit),
      // never by comparing values with older commits. Existing rows get the newest history entry of
      // their draft at or before the moment their commit was planned: the value it froze.
      db.exec(`
        ALTER TABLE commit_rows ADD COLUMN history_id INTEGER;
        UPDATE commit_rows SET history_id = (
          SELECT max(h.id) FROM label_history h
            JOIN label_actions a ON a.id = h.action_id
            JOIN commits c ON c.id = commit_rows.commit_id
          WHERE a.bag_rid = c.bag_rid AND a.snaptime = c.snaptime
            AND h.feature = commit_rows.feature AND h.target = commit_rows.target
            AND a.at <= c.created_at
        );
      `);
    },
  },
  {
    version: 5,
    name: 'draft checksums and tallies',
    up(db) {
      const columns = DRAFT_COLUMNS.map((column) => `"${column}"`).join(', ');
      const scope = (row: 'NEW' | 'OLD') =>
        `bag_rid = ${row}.bag_rid AND snaptime = ${row}.snaptime AND feature = ${row}.feature`;
      const addToTally = `INSERT INTO label_tallies (bag_rid, snaptime, feature, drafts, checksums)
          VALUES (NEW.bag_rid, NEW.snaptime, NEW.feature, 1, NEW.checksum)
          ON CONFLICT (bag_rid, snaptime, feature)
          DO UPDATE SET drafts = drafts + 1, checksums = checksums + excluded.checksums;`;
      const takeFromTally = `UPDATE label_tallies SET drafts = drafts - 1, checksums = checksums - OLD.checksum
          WHERE ${scope('OLD')};`;
      db.exec(`
        CREATE TABLE label_drafts_checked (
          bag_rid TEXT NOT NULL,
          snaptime TEXT NOT NULL,
          feature TEXT NOT NULL,
          target TEXT NOT NULL,
          feature_name TEXT NOT NULL,
          target_table TEXT NOT NULL,
          "values" TEXT NOT NULL,
          author TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          checksum INTEGER GENERATED ALWAYS AS (${DRAFT_CHECKSUM_FUNCTION}(${columns})) STORED,
          PRIMARY KEY (bag_rid, snaptime, feature, target)
        ) WITHOUT ROWID;
        INSERT INTO label_drafts_checked (${columns}) SELECT ${columns} FROM label_drafts;
        DROP TABLE label_drafts;
        ALTER TABLE label_drafts_checked RENAME TO label_drafts;
        CREATE TABLE label_tallies (
          bag_rid TEXT NOT NULL,
          snaptime TEXT NOT NULL,
          feature TEXT NOT NULL,
          drafts INTEGER NOT NULL,
          checksums INTEGER NOT NULL,
          PRIMARY KEY (bag_rid, snaptime, feature)
        ) WITHOUT ROWID;
        INSERT INTO label_tallies (bag_rid, snaptime, feature, drafts, checksums)
          SELECT bag_rid, snaptime, feature, count(*), sum(checksum) FROM label_drafts GROUP BY bag_rid, snaptime, feature;
        CREATE TRIGGER label_drafts_tally_insert AFTER INSERT ON label_drafts BEGIN
          ${addToTally}
        END;
        CREATE TRIGGER label_drafts_tally_delete AFTER DELETE ON label_drafts BEGIN
          ${takeFromTally}
        END;
        CREATE TRIGGER label_drafts_tally_update AFTER UPDATE ON label_drafts BEGIN
          ${takeFromTally}
          ${addToTally}
        END;
      `);
    },
  },
  {
    // Region drafts (main/core/regions): the drawing of an image is a labelme file in the workspace's
    // content-addressed store, named here by its sha256; history rows name the file before and after.
    version: 6,
    name: 'region drafts, actions and history',
    up(db) {
      db.exec(`
        CREATE TABLE region_actions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          bag_rid TEXT NOT NULL,
          snaptime TEXT NOT NULL,
          feature TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('add', 'delete', 'move', 'reshape', 'nudge', 'label', 'copy', 'clear', 'undo', 'redo')),
          author TEXT NOT NULL,
          at TEXT NOT NULL,
          state TEXT NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone', 'discarded')),
          undo_order INTEGER,
          reverts INTEGER REFERENCES region_actions (id)
        );
        CREATE INDEX region_actions_scope ON region_actions (bag_rid, snaptime, feature, state, id);
        CREATE TABLE region_history (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          action_id INTEGER NOT NULL REFERENCES region_actions (id),
          target TEXT NOT NULL,
          old_sha256 TEXT,
          new_sha256 TEXT
        );
        CREATE INDEX region_history_action ON region_history (action_id);
        CREATE TABLE region_drafts (
          bag_rid TEXT NOT NULL,
          snaptime TEXT NOT NULL,
          feature TEXT NOT NULL,
          target TEXT NOT NULL,
          sha256 TEXT NOT NULL,
          shapes INTEGER NOT NULL,
          author TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (bag_rid, snaptime, feature, target)
        ) WITHOUT ROWID;
      `);
    },
  },
];
