import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogClient } from '../../main/core/catalog/index.js';
import { downloadBag, listDatasets } from '../../main/core/download/index.js';
import { contextWorkingDir, findDerivaCacheBags, findDerivaContext } from '../../main/core/library/index.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { copyFixtureBag, repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * One cache for both tools. deriva-ml finds cached bags only through `<cache_dir>/index.sqlite`, the
 * index deriva-py's BagCacheIndex keeps (read here with the SQL of deriva-py's find_bags_for_rid and
 * the fields deriva-ml's BagCache.list_bags reads); Satchel writes it, and finds deriva-ml's bags
 * through it, also under a working folder that is not ~/.deriva-ml.
 */
const bags = generatedBags();
const { facts } = bags;
const scratch = temporaryDirectory('satchel-ml-cache-');
let standIn: StandIn;
let client: CatalogClient;
let snapshots: Record<string, string> = {};

beforeAll(async () => {
  standIn = await startStandIn({ seed: 'world' });
  client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
    credential: { kind: 'cookie', value: standIn.login('testadmin') },
  });
  const complete = (await listDatasets(client)).find((dataset) => dataset.rid === facts.rid)!;
  snapshots = Object.fromEntries(complete.versions.map((version) => [version.version, version.snapshot!]));
});
afterAll(async () => {
  await standIn?.close();
  scratch.cleanup();
});

/** deriva-py's BagCacheIndex.find_bags_for_rid, verbatim in its SQL. */
function findBagsForRid(index: Database.Database, table: string, rid: string): string[] {
  return index
    .prepare(
      'SELECT b.checksum FROM bag_anchor_rids r JOIN bags b ON b.checksum = r.checksum ' +
        'WHERE r."table" = ? AND r.rid = ? ORDER BY b.built_at DESC',
    )
    .pluck()
    .all(table, rid) as string[];
}

/** The sum of file sizes under a folder (deriva-ml's _dir_size), computed independently of Satchel. */
function sizeOf(dir: string): number {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + fs.statSync(path.join(entry.parentPath, entry.name)).size, 0);
}

/** deriva-ml's BagCache._is_fully_materialized: every fetch.txt path exists. */
function fullyMaterialized(bagDir: string): boolean {
  const fetch = path.join(bagDir, 'fetch.txt');
  if (!fs.existsSync(fetch)) return true;
  return fs
    .readFileSync(fetch, 'utf8')
    .split('\n')
    .map((line) => line.trim().split('\t'))
    .filter((parts) => parts.length >= 3)
    .every((parts) => fs.existsSync(path.join(bagDir, parts[2]!)));
}

const PYTHON_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
const nonEmptyTables = (release: '1.0.0' | '1.1.0') =>
  Object.fromEntries(Object.entries(facts.tables[release]).filter(([, rows]) => rows > 0));

describe("Satchel writes deriva-ml's cache index", () => {
  const home = path.join(scratch.dir, 'home');
  const cacheDir = path.join(home, '.deriva-ml', '127.0.0.1', '1', 'cache');
  const openIndex = () => new Database(path.join(cacheDir, 'index.sqlite'), { readonly: true });

  it('records a download with the tables, columns, anchors and summary deriva-ml reads', async () => {
    const started = Date.now();
    const bag = await downloadBag(client, {
      rid: facts.rid,
      version: '1.0.0',
      homeDir: home,
      materialize: false,
    });
    expect(bag.indexProblem).toBeNull();
    expect(bag.bagDir).toBe(path.join(cacheDir, 'bags', bag.checksum, `Dataset_${facts.rid}`));
    const index = openIndex();
    try {
      expect(
        index
          .prepare("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
          .all(),
      ).toEqual([
        { type: 'table', name: 'bag_anchor_rids' },
        { type: 'index', name: 'bag_anchor_rids_table_rid_idx' },
        { type: 'table', name: 'bags' },
        { type: 'table', name: 'schema_meta' },
      ]);
      const columns = (table: string) =>
        (
          index.prepare(`PRAGMA table_info(${table})`).all() as {
            name: string;
            type: string;
            notnull: number;
            pk: number;
          }[]
        ).map(({ name, type, notnull, pk }) => [name, type, notnull, pk]);
      expect(columns('bags')).toEqual([
        ['checksum', 'TEXT', 0, 1],
        ['profile_id', 'TEXT', 0, 0],
        ['built_at', 'TEXT', 1, 0],
        ['anchor_summary_json', 'TEXT', 0, 0],
        ['size_bytes', 'INTEGER', 0, 0],
      ]);
      expect(columns('bag_anchor_rids')).toEqual([
        ['checksum', 'TEXT', 1, 1],
        ['table', 'TEXT', 1, 2],
        ['rid', 'TEXT', 1, 3],
      ]);
      expect(index.prepare('SELECT MAX(version) FROM schema_meta').pluck().get()).toBe(1);
      expect(index.pragma('journal_mode', { simple: true })).toBe('wal');

      expect(findBagsForRid(index, 'Dataset', facts.rid)).toEqual([bag.checksum]);
      const row = index.prepare('SELECT * FROM bags WHERE checksum = ?').get(bag.checksum) as Record<
        string,
        unknown
      >;
      expect(row.profile_id).toBeNull();
      expect(row.anchor_summary_json).toBe('{"version": "1.0.0"}');
      expect(row.size_bytes).toBe(sizeOf(path.join(cacheDir, 'bags', bag.checksum)));
      expect(row.built_at).toMatch(PYTHON_ISO);
      const builtAt = Date.parse(String(row.built_at));
      expect(builtAt).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000);
      expect(builtAt).toBeLessThanOrEqual(Date.now());
    } finally {
      index.close();
    }
    // BagCache.cache_status: the folder deriva-ml derives from the checksum is there, and holey.
    expect(fs.existsSync(bag.bagDir)).toBe(true);
    expect(fullyMaterialized(bag.bagDir)).toBe(false);
  });

  it('a second version adds a row; downloading the first again neither duplicates nor re-dates it', async () => {
    const before = openIndex();
    const [first] = findBagsForRid(before, 'Dataset', facts.rid);
    const firstBuilt = before.prepare('SELECT built_at FROM bags WHERE checksum = ?').pluck().get(first);
    before.close();
    const newer = await downloadBag(client, {
      rid: facts.rid,
      version: '1.1.0',
      homeDir: home,
      materialize: false,
    });
    const again = await downloadBag(client, {
      rid: facts.rid,
      version: '1.0.0',
      homeDir: home,
      materialize: false,
    });
    expect(again).toMatchObject({ cached: true, cachedBy: 'satchel', checksum: first });
    const index = openIndex();
    try {
      expect(findBagsForRid(index, 'Dataset', facts.rid)).toEqual([newer.checksum, first]);
      expect(newer.checksum.endsWith(`_${snapshots['1.1.0']}`)).toBe(true);
      expect(index.prepare('SELECT count(*) FROM bag_anchor_rids').pluck().get()).toBe(2);
      expect(index.prepare('SELECT built_at FROM bags WHERE checksum = ?').pluck().get(first)).toBe(
        firstBuilt,
      );
      expect(
        index.prepare('SELECT anchor_summary_json FROM bags WHERE checksum = ?').pluck().get(newer.checksum),
      ).toBe('{"version": "1.1.0"}');
    } finally {
      index.close();
    }
    const listed = findDerivaCacheBags(home);
    expect(listed.map((found) => [found.path, found.rid, found.version]).sort()).toEqual(
      [
        [again.bagDir, facts.rid, '1.0.0'],
        [newer.bagDir, facts.rid, '1.1.0'],
      ].sort(),
    );
  });
});

describe("Satchel finds deriva-ml's bags under a working folder of its own", () => {
  const workingDir = path.join(scratch.dir, 'projects', 'digits-wd');
  const cacheDir = path.join(workingDir, 'cache');
  let checksum = '';
  let bagDir = '';
  let builtAt = '';

  beforeAll(() => {
    // What deriva-ml's _extract_archive_to_cache leaves: the bag at bags/<spec16>_<snapshot>/Dataset_<RID>
    // and the index written through deriva-py's BagCacheIndex (its DDL and record, here in plain SQL).
    checksum = `0f1e2d3c4b5a6978_${snapshots['1.0.0']}`;
    const root = path.join(cacheDir, 'bags', checksum);
    fs.mkdirSync(root, { recursive: true });
    bagDir = copyFixtureBag(bags.formatB, root);
    builtAt = '2026-11-30T08:15:42.123456+00:00';
    const index = new Database(path.join(cacheDir, 'index.sqlite'));
    index.pragma('journal_mode = WAL');
    index.exec(`
      CREATE TABLE IF NOT EXISTS schema_meta (version INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL DEFAULT (datetime('now')));
      INSERT OR IGNORE INTO schema_meta(version) VALUES (1);
      CREATE TABLE IF NOT EXISTS bags (checksum TEXT PRIMARY KEY, profile_id TEXT, built_at TEXT NOT NULL,
        anchor_summary_json TEXT, size_bytes INTEGER);
      CREATE TABLE IF NOT EXISTS bag_anchor_rids (checksum TEXT NOT NULL, "table" TEXT NOT NULL, rid TEXT NOT NULL,
        PRIMARY KEY (checksum, "table", rid), FOREIGN KEY (checksum) REFERENCES bags(checksum) ON DELETE CASCADE);
      CREATE INDEX IF NOT EXISTS bag_anchor_rids_table_rid_idx ON bag_anchor_rids ("table", rid);`);
    index
      .prepare('INSERT INTO bags VALUES (?, NULL, ?, ?, ?)')
      .run(checksum, builtAt, '{"version": "1.0.0"}', sizeOf(root));
    index.prepare('INSERT INTO bag_anchor_rids VALUES (?, ?, ?)').run(checksum, 'Dataset', facts.rid);
    index.close();
  });

  it('the library lists it with the version the index records', () => {
    const found = findDerivaCacheBags(path.join(scratch.dir, 'empty-home'), { workingDirs: [workingDir] });
    expect(found).toEqual([{ path: bagDir, rid: facts.rid, version: '1.0.0', source: cacheDir }]);
  });

  it('downloading that version uses it: no CSV and no file comes over the network', async () => {
    const firstRequest = standIn.requests.length;
    const bag = await downloadBag(client, { rid: facts.rid, version: '1.0.0', workingDir });
    const requests = standIn.requests.slice(firstRequest).map((request) => request.path);
    expect(bag).toMatchObject({ bagDir, checksum, cached: true, cachedBy: 'deriva-ml', indexProblem: null });
    expect(bag.assets).toMatchObject({ files: facts.assets['1.0.0'], downloaded: 0 });
    expect(bag.tables).toEqual(nonEmptyTables('1.0.0'));
    expect(requests.filter((request) => request.startsWith('/hatrac/'))).toEqual([]);
    expect(requests.filter((request) => request.includes('accept=csv'))).toEqual([]);
    const index = new Database(path.join(cacheDir, 'index.sqlite'), { readonly: true });
    try {
      // deriva-ml's own row stays as deriva-ml wrote it: one bag, one anchor, the same date.
      expect(index.prepare('SELECT checksum, built_at, anchor_summary_json FROM bags').all()).toEqual([
        { checksum, built_at: builtAt, anchor_summary_json: '{"version": "1.0.0"}' },
      ]);
      expect(findBagsForRid(index, 'Dataset', facts.rid)).toEqual([checksum]);
    } finally {
      index.close();
    }
  });

  it('satchel download --working-dir finds it too', async () => {
    const cliHome = path.join(scratch.dir, 'cli-home');
    fs.mkdirSync(path.join(cliHome, '.deriva'), { recursive: true });
    fs.writeFileSync(
      path.join(cliHome, '.deriva', 'credential.json'),
      JSON.stringify({ '127.0.0.1': { cookie: standIn.login('testadmin') } }),
    );
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          path.join(repoRoot, 'bin', 'satchel.js'),
          'download',
          `${standIn.origin}/ermrest/catalog/1`,
          '--dataset',
          facts.rid,
          '--version',
          '1.0.0',
          '--working-dir',
          workingDir,
          '--home',
          cliHome,
          '--workspace',
          path.join(scratch.dir, 'cli-workspace'),
        ],
        { encoding: 'utf8' },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      );
    });
    expect(result).toMatchObject({ code: 0, stdout: `${bagDir}\n` });
    expect(result.stderr).toContain(
      `Dataset ${facts.rid} 1.0.0 at snapshot ${snapshots['1.0.0']}, found in deriva-ml's cache`,
    );
  });

  it(".deriva-context.json names deriva-ml's working folder for its catalog", () => {
    const project = path.join(scratch.dir, 'projects', 'digits');
    fs.mkdirSync(path.join(project, 'notebooks'), { recursive: true });
    fs.writeFileSync(
      path.join(project, '.deriva-context.json'),
      JSON.stringify({
        hostname: '127.0.0.1',
        catalog_id: 1,
        default_schema: 'digits',
        working_dir: workingDir,
      }),
    );
    const context = findDerivaContext(path.join(project, 'notebooks'));
    expect(context).toEqual({
      file: path.join(project, '.deriva-context.json'),
      hostname: '127.0.0.1',
      catalogId: '1',
      workingDir,
    });
    expect(contextWorkingDir(context, '127.0.0.1', '1')).toBe(workingDir);
    expect(contextWorkingDir(context, '127.0.0.1', '2')).toBeNull();
    expect(contextWorkingDir(context, 'other.example.org', '1')).toBeNull();
  });
});
