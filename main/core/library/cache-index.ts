import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SatchelError, pythonJsonDumps } from '../common/index.js';

/**
 * deriva-ml's bag-cache index, `<cache_dir>/index.sqlite`: one `bags` row per cached bag (keyed by
 * its cache checksum, the folder name under `<cache_dir>/bags/`) and the reverse index
 * `bag_anchor_rids` from anchor RIDs to checksums. Written the way deriva-ml's
 * `deriva_ml/dataset/bag_download.py` `_extract_archive_to_cache` records a bag through deriva-py's
 * `BagCacheIndex.record` (anchors `[("Dataset", rid)]`, `anchor_summary {"version": ...}`, the size
 * on disk) and read the way `deriva_ml/dataset/bag_cache.py` `BagCache.list_bags` / `cache_status`
 * read it. The tables, the `schema_meta` version guard and the connection pragmas are those of
 * deriva-py's `deriva/bag/cache_index.py` and `sqlite_helpers.py` (schema version 1); anchors
 * accumulate across records, as deriva-ml's tests/dataset/test_multi_anchor_bag_cache.py pins.
 */

export const CACHE_INDEX_FILE = 'index.sqlite';
export const CACHE_INDEX_SCHEMA_VERSION = 1;
const DATASET_ANCHOR = 'Dataset';

export interface CachedBagEntry {
  checksum: string;
  rid: string;
  /** `anchor_summary["version"]`: the version the bag was downloaded at; null when not recorded. */
  version: string | null;
  builtAt: string;
  sizeBytes: number | null;
  /** `<cache_dir>/bags/<checksum>/Dataset_<rid>` (it may have been deleted since). */
  bagDir: string;
}

export interface BagRecord {
  checksum: string;
  rid: string;
  version: string;
  sizeBytes: number;
  builtAt?: Date;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS bags (
    checksum            TEXT PRIMARY KEY,
    profile_id          TEXT,
    built_at            TEXT NOT NULL,
    anchor_summary_json TEXT,
    size_bytes          INTEGER
)`,
  `CREATE TABLE IF NOT EXISTS bag_anchor_rids (
    checksum TEXT NOT NULL,
    "table"  TEXT NOT NULL,
    rid      TEXT NOT NULL,
    PRIMARY KEY (checksum, "table", rid),
    FOREIGN KEY (checksum) REFERENCES bags(checksum) ON DELETE CASCADE
)`,
  `CREATE INDEX IF NOT EXISTS bag_anchor_rids_table_rid_idx
ON bag_anchor_rids ("table", rid)`,
];

export function cacheIndexPath(cacheDir: string): string {
  return path.join(cacheDir, CACHE_INDEX_FILE);
}

/**
 * Records a bag in the cache index (creating the index if needed), so deriva-ml's cache status,
 * listing and purge see it. A bag already recorded keeps its built_at; its size and version are
 * brought up to date. An index of a newer schema version is left alone, with an error saying so.
 */
export function recordCachedBag(cacheDir: string, record: BagRecord): void {
  fs.mkdirSync(cacheDir, { recursive: true });
  const db = openIndex(cacheDir, false);
  try {
    requireKnownVersion(db, cacheDir, true);
    for (const statement of SCHEMA) db.exec(statement);
    db.transaction(() => {
      const existing = db
        .prepare('SELECT built_at FROM bags WHERE checksum = ?')
        .pluck()
        .get(record.checksum) as string | undefined;
      db.prepare(
        `INSERT INTO bags (checksum, profile_id, built_at, anchor_summary_json, size_bytes)
         VALUES (?, NULL, ?, ?, ?)
         ON CONFLICT(checksum) DO UPDATE SET anchor_summary_json = excluded.anchor_summary_json,
           size_bytes = excluded.size_bytes`,
      ).run(
        record.checksum,
        existing ?? pythonIsoFormat(record.builtAt ?? new Date()),
        // BagCacheIndex.record stores json.dumps(anchor_summary, sort_keys=True).
        pythonJsonDumps({ version: record.version }),
        record.sizeBytes,
      );
      db.prepare('INSERT OR IGNORE INTO bag_anchor_rids (checksum, "table", rid) VALUES (?, ?, ?)').run(
        record.checksum,
        DATASET_ANCHOR,
        record.rid,
      );
    })();
  } finally {
    db.close();
  }
}

/**
 * The dataset bags an index lists, newest first (one entry per bag and Dataset anchor, as deriva-ml's
 * `BagCache.list_bags`). No index, or one Satchel cannot read, lists nothing.
 */
export function listCachedBags(cacheDir: string): CachedBagEntry[] {
  if (!fs.existsSync(cacheIndexPath(cacheDir))) return [];
  let db: Database.Database;
  try {
    db = openIndex(cacheDir, true);
  } catch {
    return [];
  }
  try {
    if (!requireKnownVersion(db, cacheDir, false)) return [];
    const rows = db
      .prepare(
        `SELECT b.checksum, b.built_at, b.anchor_summary_json, b.size_bytes, r.rid
         FROM bags b JOIN bag_anchor_rids r ON r.checksum = b.checksum
         WHERE r."table" = ? ORDER BY b.built_at DESC, b.checksum, r.rid`,
      )
      .all(DATASET_ANCHOR) as {
      checksum: string;
      built_at: string;
      anchor_summary_json: string | null;
      size_bytes: number | null;
      rid: string;
    }[];
    return rows.map((row) => ({
      checksum: row.checksum,
      rid: row.rid,
      version: versionOf(row.anchor_summary_json),
      builtAt: row.built_at,
      sizeBytes: row.size_bytes,
      bagDir: path.join(cacheDir, 'bags', row.checksum, `Dataset_${row.rid}`),
    }));
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/** Total bytes of the files under a folder, links not followed (deriva-ml's `_dir_size`). */
export function folderSize(dir: string): number {
  let total = 0;
  const walk = (folder: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) total += fs.lstatSync(full, { throwIfNoEntry: false })?.size ?? 0;
    }
  };
  walk(dir);
  return total;
}

/** deriva-py's engine: WAL, synchronous=NORMAL, foreign keys on, a 5 s busy timeout. */
function openIndex(cacheDir: string, readonly: boolean): Database.Database {
  const db = new Database(cacheIndexPath(cacheDir), { readonly, fileMustExist: readonly, timeout: 5000 });
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
  }
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * deriva-py's schema_meta guard: created with version 1 on first contact; an index written by a
 * newer schema is refused (when writing) or ignored (when reading).
 */
function requireKnownVersion(db: Database.Database, cacheDir: string, writing: boolean): boolean {
  const hasMeta = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_meta'")
    .get();
  if (!hasMeta) {
    if (!writing) return false;
    db.exec(
      "CREATE TABLE IF NOT EXISTS schema_meta (  version INTEGER PRIMARY KEY,  recorded_at TEXT NOT NULL DEFAULT (datetime('now')))",
    );
  }
  const version = db.prepare('SELECT MAX(version) FROM schema_meta').pluck().get() as number | null;
  if (version === null) {
    if (writing)
      db.prepare('INSERT OR IGNORE INTO schema_meta(version) VALUES (?)').run(CACHE_INDEX_SCHEMA_VERSION);
    return writing;
  }
  if (version > CACHE_INDEX_SCHEMA_VERSION) {
    if (!writing) return false;
    throw new SatchelError(
      'io-error',
      `${cacheIndexPath(cacheDir)} was written by a newer deriva-py (cache index schema ${version}); Satchel left it unchanged.`,
      cacheIndexPath(cacheDir),
    );
  }
  return true;
}

function versionOf(summary: string | null): string | null {
  if (!summary) return null;
  try {
    const version = (JSON.parse(summary) as { version?: unknown } | null)?.version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

/** Python's `datetime.now(timezone.utc).isoformat()`: microseconds and `+00:00`. */
export function pythonIsoFormat(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000+00:00`;
}
