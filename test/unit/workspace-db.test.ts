import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SatchelError } from '../../main/core/common/index.js';
import {
  migrate,
  openWorkspaceDb,
  WORKSPACE_MIGRATIONS,
  workspaceDbPath,
  type Migration,
} from '../../main/core/workspace-db/index.js';
import { temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory('satchel-workspace-db-');
afterAll(() => scratch.cleanup());
let counter = 0;
const freshWorkspace = () => `${scratch.dir}/workspace-${++counter}`;

/**
 * Data a database holds once it is at a version, and how to see it survived every later migration.
 * Add an entry with each new migration.
 */
const DATA_AT_VERSION: Record<
  number,
  { seed(db: Database.Database): void; check(db: Database.Database): void }
> = {
  1: {
    seed: (db) =>
      db
        .prepare('INSERT INTO recent_bags (path, rid, version, opened_at) VALUES (?, ?, ?, ?)')
        .run('/bags/Dataset_58A', '58A', '1.0.0', '2026-11-20T10:00:00.000Z'),
    check: (db) =>
      expect(db.prepare('SELECT * FROM recent_bags').all()).toEqual([
        { path: '/bags/Dataset_58A', rid: '58A', version: '1.0.0', opened_at: '2026-11-20T10:00:00.000Z' },
      ]),
  },
  2: {
    seed: (db) => {
      const action = db
        .prepare(
          `INSERT INTO label_actions (bag_rid, snaptime, kind, author, at) VALUES ('58A', '361-XRNG-TRRP', 'set', 'ann', '2026-11-21T09:00:00Z')`,
        )
        .run().lastInsertRowid;
      db.prepare(
        `INSERT INTO label_history (action_id, feature, target, old_values, new_values) VALUES (?, 'hematology:Execution_Image_Cell_Type', '43Y', NULL, '{"Cell_Type":"Basophil"}')`,
      ).run(action);
      db.exec(`INSERT INTO label_drafts (bag_rid, snaptime, feature, target, feature_name, target_table, "values", author, updated_at)
        VALUES ('58A', '361-XRNG-TRRP', 'hematology:Execution_Image_Cell_Type', '43Y', 'Cell_Type', 'hematology:Image', '{"Cell_Type":"Basophil"}', 'ann', '2026-11-21T09:00:00Z')`);
    },
    check: (db) => {
      expect(db.prepare('SELECT kind, author, state FROM label_actions').all()).toEqual([
        { kind: 'set', author: 'ann', state: 'done' },
      ]);
      expect(db.prepare('SELECT target, new_values FROM label_history').all()).toEqual([
        { target: '43Y', new_values: '{"Cell_Type":"Basophil"}' },
      ]);
      expect(db.prepare('SELECT target, "values" FROM label_drafts').all()).toEqual([
        { target: '43Y', values: '{"Cell_Type":"Basophil"}' },
      ]);
    },
  },
  3: {
    seed: (db) => {
      const commit = db
        .prepare(
          `INSERT INTO commits (catalog, bag_rid, snaptime, state, execution_rid, configuration, description, created_at, updated_at)
           VALUES ('https://example.org/ermrest/catalog/1', '58A', '361-XRNG-TRRP', 'features', '9ZZ', '{}', 'labels', 'T0', 'T1')`,
        )
        .run().lastInsertRowid;
      db.prepare(
        `INSERT INTO commit_rows (commit_id, feature, target, "values", rid, inserted) VALUES (?, 'hematology:Execution_Image_Cell_Type', '43Y', '{"Cell_Type":"Basophil"}', 'A1B', 1)`,
      ).run(commit);
      db.prepare(
        `INSERT INTO commit_links (commit_id, "table", rid) VALUES (?, 'deriva-ml:Dataset_Execution', 'A1C')`,
      ).run(commit);
    },
    check: (db) => {
      expect(
        db.prepare("SELECT state, execution_rid FROM commits WHERE description = 'labels'").all(),
      ).toEqual([{ state: 'features', execution_rid: '9ZZ' }]);
      expect(db.prepare("SELECT target, rid, inserted FROM commit_rows WHERE target = '43Y'").all()).toEqual([
        { target: '43Y', rid: 'A1B', inserted: 1 },
      ]);
      expect(db.prepare('SELECT "table", rid FROM commit_links').all()).toEqual([
        { table: 'deriva-ml:Dataset_Execution', rid: 'A1C' },
      ]);
    },
  },
  4: {
    seed: (db) => {
      const commit = db
        .prepare(
          `INSERT INTO commits (catalog, bag_rid, snaptime, state, configuration, description, created_at, updated_at)
           VALUES ('https://example.org/ermrest/catalog/1', '58A', '361-XRNG-TRRP', 'planned', '{}', 'later', 'T2', 'T2')`,
        )
        .run().lastInsertRowid;
      db.prepare(
        `INSERT INTO commit_rows (commit_id, feature, target, "values", history_id) VALUES (?, 'hematology:Execution_Image_Cell_Type', '43Z', '{"Cell_Type":"Monocyte"}', 7)`,
      ).run(commit);
    },
    check: (db) =>
      expect(db.prepare("SELECT target, history_id FROM commit_rows WHERE target = '43Z'").all()).toEqual([
        { target: '43Z', history_id: 7 },
      ]),
  },
  5: {
    // Checksums and tallies are derived from the drafts of version 2: no data of their own.
    seed: () => {},
    check: (db) => {
      const rows = db
        .prepare(
          'SELECT bag_rid, snaptime, feature, target, feature_name, target_table, "values", author, updated_at, checksum FROM label_drafts',
        )
        .raw()
        .all() as unknown[][];
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row[9]).toBe(zlib.crc32(row.slice(0, 9).join('\u0000')));
      expect(
        db.prepare('SELECT bag_rid, snaptime, feature, drafts, checksums FROM label_tallies').all(),
      ).toEqual(
        db
          .prepare(
            'SELECT bag_rid, snaptime, feature, count(*) AS drafts, sum(checksum) AS checksums FROM label_drafts GROUP BY 1, 2, 3',
          )
          .all(),
      );
    },
  },
  // Found by name, so the entry follows the migration wherever it is numbered.
  [versionNamed('region drafts, actions and history')]: {
    seed: (db) => {
      const action = db
        .prepare(
          `INSERT INTO region_actions (bag_rid, snaptime, feature, kind, author, at) VALUES ('58A', '361-XRNG-TRRP', 'digits:Execution_Image_Region', 'add', 'ann', '2026-12-01T09:00:00Z')`,
        )
        .run().lastInsertRowid;
      db.prepare(
        `INSERT INTO region_history (action_id, target, old_sha256, new_sha256) VALUES (?, '43Y', NULL, 'ab12')`,
      ).run(action);
      db.exec(`INSERT INTO region_drafts (bag_rid, snaptime, feature, target, sha256, shapes, author, updated_at)
        VALUES ('58A', '361-XRNG-TRRP', 'digits:Execution_Image_Region', '43Y', 'ab12', 3, 'ann', '2026-12-01T09:00:00Z')`);
    },
    check: (db) => {
      expect(db.prepare('SELECT kind, author, state FROM region_actions').all()).toEqual([
        { kind: 'add', author: 'ann', state: 'done' },
      ]);
      expect(db.prepare('SELECT target, old_sha256, new_sha256 FROM region_history').all()).toEqual([
        { target: '43Y', old_sha256: null, new_sha256: 'ab12' },
      ]);
      expect(db.prepare('SELECT target, sha256, shapes FROM region_drafts').all()).toEqual([
        { target: '43Y', sha256: 'ab12', shapes: 3 },
      ]);
      expect(() =>
        db.exec(
          `INSERT INTO region_actions (bag_rid, snaptime, feature, kind, author, at) VALUES ('58A', 'S', 'F', 'erase everything', 'ann', 'T')`,
        ),
      ).toThrow(/CHECK constraint/);
    },
  },
};

function versionNamed(name: string): number {
  const migration = WORKSPACE_MIGRATIONS.find((candidate) => candidate.name === name);
  if (!migration) throw new Error(`No workspace migration is named "${name}".`);
  return migration.version;
}

/** A database brought to `version` with the app's own migrations, holding that version's data. */
function databaseAtVersion(workspace: string, version: number): void {
  const db = openWorkspaceDb(workspace, WORKSPACE_MIGRATIONS.slice(0, version));
  for (let known = 1; known <= version; known++) DATA_AT_VERSION[known]?.seed(db);
  db.close();
}

describe('the workspace database', () => {
  it('is created with every migration, in WAL mode with synchronous=FULL and foreign keys on', () => {
    const db = openWorkspaceDb(freshWorkspace());
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(WORKSPACE_MIGRATIONS.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      expect(tables).toEqual([
        'commit_links',
        'commit_rows',
        'commits',
        'label_actions',
        'label_drafts',
        'label_features',
        'label_history',
        'label_tallies',
        'recent_bags',
        'region_actions',
        'region_drafts',
        'region_history',
        'sqlite_sequence',
      ]);
    } finally {
      db.close();
    }
  });

  it('numbers its migrations 1, 2, 3… and has data for every version in this test', () => {
    WORKSPACE_MIGRATIONS.forEach((migration, index) => {
      expect(migration.version).toBe(index + 1);
      expect(
        DATA_AT_VERSION[migration.version],
        `test data for migration ${migration.version}`,
      ).toBeDefined();
    });
  });

  for (const migration of WORKSPACE_MIGRATIONS) {
    it(`migration ${migration.version} (${migration.name}) upgrades a version ${migration.version - 1} database and keeps its data`, () => {
      const workspace = freshWorkspace();
      databaseAtVersion(workspace, migration.version - 1);
      const db = openWorkspaceDb(workspace);
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(WORKSPACE_MIGRATIONS.length);
        for (let version = 1; version < migration.version; version++) DATA_AT_VERSION[version]!.check(db);
        DATA_AT_VERSION[migration.version]!.seed(db);
        DATA_AT_VERSION[migration.version]!.check(db);
      } finally {
        db.close();
      }
    });
  }

  it('migration 4 gives each existing commit row the history entry of the draft value it froze', () => {
    const workspace = freshWorkspace();
    databaseAtVersion(workspace, 3);
    const before = openWorkspaceDb(workspace, WORKSPACE_MIGRATIONS.slice(0, 3));
    // A later change of the same draft, after the commit was planned, is not what the commit carries.
    const later = before
      .prepare(
        `INSERT INTO label_actions (bag_rid, snaptime, kind, author, at) VALUES ('58A', '361-XRNG-TRRP', 'set', 'ann', 'U9')`,
      )
      .run().lastInsertRowid;
    before
      .prepare(
        `INSERT INTO label_history (action_id, feature, target, old_values, new_values) VALUES (?, 'hematology:Execution_Image_Cell_Type', '43Y', '{"Cell_Type":"Basophil"}', '{"Cell_Type":"Monocyte"}')`,
      )
      .run(later);
    const frozen = before
      .prepare(
        "SELECT h.id FROM label_history h JOIN label_actions a ON a.id = h.action_id WHERE a.at < 'T0'",
      )
      .pluck()
      .get();
    before.close();
    const db = openWorkspaceDb(workspace);
    try {
      expect(db.prepare("SELECT history_id FROM commit_rows WHERE target = '43Y'").pluck().all()).toEqual([
        frozen,
      ]);
    } finally {
      db.close();
    }
  });

  it('reopens an up-to-date database without running anything again', () => {
    const workspace = freshWorkspace();
    databaseAtVersion(workspace, WORKSPACE_MIGRATIONS.length);
    const db = openWorkspaceDb(workspace);
    try {
      for (const version of Object.keys(DATA_AT_VERSION)) DATA_AT_VERSION[Number(version)]!.check(db);
    } finally {
      db.close();
    }
  });

  it('refuses a database made by a newer Satchel with one sentence, leaving it untouched', () => {
    const workspace = freshWorkspace();
    databaseAtVersion(workspace, WORKSPACE_MIGRATIONS.length);
    const raw = new Database(workspaceDbPath(workspace));
    raw.pragma(`user_version = ${WORKSPACE_MIGRATIONS.length + 5}`);
    raw.close();
    let refusal: unknown;
    try {
      openWorkspaceDb(workspace).close();
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(SatchelError);
    expect((refusal as SatchelError).message).toMatch(
      /written by a newer version of Satchel .* update Satchel/,
    );
    expect((refusal as SatchelError).message.split('. ').length).toBe(1);
    const check = new Database(workspaceDbPath(workspace), { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(WORKSPACE_MIGRATIONS.length + 5);
    check.close();
  });

  it('applies a later migration in one transaction: a failure leaves the previous version whole', () => {
    const workspace = freshWorkspace();
    databaseAtVersion(workspace, WORKSPACE_MIGRATIONS.length);
    const next = WORKSPACE_MIGRATIONS.length + 1;
    const failing: Migration = {
      version: next,
      name: 'fails halfway',
      up(db) {
        db.exec('CREATE TABLE doomed (id INTEGER PRIMARY KEY)');
        throw new Error('disk on fire');
      },
    };
    expect(() => openWorkspaceDb(workspace, [...WORKSPACE_MIGRATIONS, failing])).toThrow('disk on fire');
    const db = openWorkspaceDb(workspace);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(WORKSPACE_MIGRATIONS.length);
      expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'doomed'").get()).toBeUndefined();
      DATA_AT_VERSION[1]!.check(db);
    } finally {
      db.close();
    }
  });

  it('runs a migration added later over existing data, with foreign keys enforced', () => {
    const workspace = freshWorkspace();
    databaseAtVersion(workspace, WORKSPACE_MIGRATIONS.length);
    const next: Migration = {
      version: WORKSPACE_MIGRATIONS.length + 1,
      name: 'notes',
      up: (db) => db.exec('CREATE TABLE notes (bag TEXT NOT NULL REFERENCES recent_bags (path))'),
    };
    const db = openWorkspaceDb(workspace, [...WORKSPACE_MIGRATIONS, next]);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(next.version);
      DATA_AT_VERSION[1]!.check(db);
      expect(() => db.prepare('INSERT INTO notes (bag) VALUES (?)').run('/nowhere')).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });

  it('rejects a migration list that is out of order', () => {
    const db = new Database(':memory:');
    const skipping: Migration[] = [{ version: 2, name: 'skips one', up: () => {} }];
    expect(() => migrate(db, skipping, ':memory:')).toThrow(/has version 2, expected 1/);
    db.close();
  });
});
