import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag } from '../../main/core/bag/index.js';
import { CatalogClient, eq, type Credential } from '../../main/core/catalog/index.js';
import { downloadBag, estimateBag } from '../../main/core/download/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { expectedFacts, fixtureBags, hasFixtures, temporaryDirectory } from '../support/fixtures.js';

// Conformance with the real server's bytes: the stand-in seeded from the bccd fixture bag, downloaded
// again, gives that bag's files (the world-based download tests live in test/integration/download.test.ts).

const scratch = temporaryDirectory('satchel-download-');
let standIn: StandIn;
let admin: Credential;
let client: CatalogClient;
const workspace = path.join(scratch.dir, 'workspace');
const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

beforeAll(async () => {
  standIn = await startStandIn({ seed: 'bccd' });
  admin = { kind: 'cookie', value: standIn.login('testadmin') };
  client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, { credential: admin, retry: fast });
});
afterAll(async () => {
  await standIn?.close();
  scratch.cleanup();
});

const home = (name: string) => path.join(scratch.dir, name);
const csvFiles = (bagDir: string) =>
  fs
    .readdirSync(path.join(bagDir, 'data'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.csv'))
    .map((file) => `data/${file.split(path.sep).join('/')}`)
    .sort();
const csvRids = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0]);
/** schema.json without what a rebuilt catalog legitimately changes: model RIDs and the snaptime. */
const comparableSchema = (file: string): unknown =>
  JSON.parse(fs.readFileSync(file, 'utf8'), (key, value: unknown) =>
    key === 'RID' || key === 'snaptime' ? undefined : value,
  );

describe.skipIf(!hasFixtures)('downloading the bccd fixture catalog from the stand-in', () => {
  let snapshot = '';
  beforeAll(async () => {
    const [version] = await client.attributes({
      table: { schema: 'deriva-ml', table: 'Dataset_Version' },
      path: [eq('RID', '79Y')],
      columns: ['Snapshot'],
    });
    snapshot = String(version!.Snapshot);
  });

  it('downloads 58A at 1.0.0 as the fixture bag, which opens and verifies', async () => {
    const phases = new Set<string>();
    const bag = await downloadBag(client, {
      rid: '58A',
      version: '1.0.0',
      homeDir: home('h1'),
      onProgress: (progress) => phases.add(progress.phase),
    });
    expect([...phases]).toEqual(['plan', 'rows', 'tables', 'assets']);
    expect(bag.bagDir).toBe(
      path.join(home('h1'), '.deriva-ml', '127.0.0.1', '1', 'cache', 'bags', bag.checksum, 'Dataset_58A'),
    );
    expect(bag.checksum).toMatch(new RegExp(`^[0-9a-f]{16}_${snapshot}$`));
    expect(bag).toMatchObject({
      rid: '58A',
      version: '1.0.0',
      snapshot,
      cached: false,
      materialized: true,
    });
    expect(bag.assets).toEqual({
      files: 300,
      bytes: expect.any(Number) as number,
      downloaded: 300,
      skipped: 0,
      reused: 0,
      fetchedBytes: bag.assets.bytes,
    });

    const fixture = fixtureBags.formatB;
    const expectedTables = Object.fromEntries(
      Object.entries(expectedFacts().bags.bccd!.tables!).filter(([, rows]) => rows > 0),
    );
    expect(bag.tables).toEqual(expectedTables);
    expect(csvFiles(bag.bagDir)).toEqual(csvFiles(fixture));
    for (const file of csvFiles(fixture)) {
      const ours = path.join(bag.bagDir, file);
      const theirs = path.join(fixture, file);
      expect([file, csvRids(ours)]).toEqual([file, csvRids(theirs)]);
      expect(fs.readFileSync(ours, 'utf8').split('\n')[0]).toBe(
        fs.readFileSync(theirs, 'utf8').split('\n')[0],
      );
    }
    expect(comparableSchema(path.join(bag.bagDir, 'data', 'schema.json'))).toEqual(
      comparableSchema(path.join(fixture, 'data', 'schema.json')),
    );
    expect(JSON.parse(fs.readFileSync(path.join(bag.bagDir, 'data', 'schema.json'), 'utf8')).snaptime).toBe(
      bag.snapshot,
    );
    const fetchLines = (dir: string) =>
      fs
        .readFileSync(path.join(dir, 'fetch.txt'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => line.split('\t'));
    const ourFetch = fetchLines(bag.bagDir);
    expect(ourFetch.map(([, length, file]) => [length, file])).toEqual(
      fetchLines(fixture).map(([, length, file]) => [length, file]),
    );
    expect(ourFetch.map(([url]) => new URL(url!).pathname)).toEqual(
      fetchLines(fixture).map(([url]) => new URL(url!).pathname),
    );
    expect(fs.readFileSync(path.join(bag.bagDir, 'bag-info.txt'), 'utf8')).not.toMatch(/Bagging-Date/);
    expect(fs.readFileSync(path.join(bag.bagDir, 'bag-info.txt'), 'utf8')).toMatch(
      /^Payload-Oxum: \d+\.321$/m,
    );
    for (const asset of [
      'data/asset/42J/Image/BloodImage_00000.jpg',
      'data/asset/4N6/Image/BloodImage_00408.jpg',
    ]) {
      expect(
        fs.readFileSync(path.join(bag.bagDir, asset)).equals(fs.readFileSync(path.join(fixture, asset))),
      ).toBe(true);
    }

    const report = await verifyBag(bag.bagDir);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, materialized: true, files: 321 });
    const opened = await openBag(bag.bagDir, { workspace });
    try {
      const inspect = opened.inspect();
      expect(inspect.rid).toBe('58A');
      expect(inspect.version).toBe('1.0.0');
      expect(inspect.snaptime).toBe(bag.snapshot);
      const images = opened.allMembers('58A', true).Image ?? [];
      expect(images).toHaveLength(300);
    } finally {
      opened.close();
    }
  });

  it('estimates rows and asset bytes without writing anything', async () => {
    const estimate = await estimateBag(client, '58A', '1.0.0');
    const rows = Object.fromEntries(estimate.tables.map((entry) => [entry.table, entry.rows]));
    expect(rows).toEqual(expectedFacts().bags.bccd!.tables);
    expect(estimate.assetFiles).toBe(300);
    const fetchBytes = fs
      .readFileSync(path.join(fixtureBags.formatB, 'fetch.txt'), 'utf8')
      .trim()
      .split('\n')
      .reduce((sum, line) => sum + Number(line.split('\t')[1]), 0);
    expect(estimate.assetBytes).toBe(fetchBytes);
  });
});
