import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag } from '../../main/core/bag/index.js';
import { CatalogClient, CatalogError, type Credential } from '../../main/core/catalog/index.js';
import {
  downloadBag,
  estimateBag,
  listDatasets,
  type DownloadProgress,
} from '../../main/core/download/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import { decodeSnaptime, startStandIn, type StandIn } from '../stand-in/index.js';
import { expectedFacts, fixtureBags, hasFixtures, temporaryDirectory } from '../support/fixtures.js';

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

describe.runIf(hasFixtures)('downloading bccd bags from the stand-in', () => {
  let versions: { version: string; snapshot: string | null }[] = [];

  it('lists the three datasets with types, members and both versions', async () => {
    const datasets = await listDatasets(client);
    expect(
      datasets.map((dataset) => [dataset.rid, dataset.types, dataset.members, dataset.children]),
    ).toEqual([
      ['58A', ['Complete'], {}, ['58C', '58E']],
      ['58C', ['Training'], { Image: 210 }, []],
      ['58E', ['Testing'], { Image: 100 }, []],
    ]);
    for (const dataset of datasets) {
      expect(dataset.versions.map((version) => version.version)).toEqual(['1.0.0', '1.1.0']);
      expect(dataset.versions.every((version) => /^[0-9A-Z-]+$/.test(version.snapshot ?? ''))).toBe(true);
    }
    versions = datasets[0]!.versions;
    const [v100, v110] = versions.map((version) => decodeSnaptime(version.snapshot!)!);
    expect(v100).toBeLessThan(v110!);
    expect(datasets[0]!.versions.map((version) => version.rid)).toEqual(['79Y', '7C4']);
    // The snapshots are what Dataset_Version says, and what the catalog was at those moments.
    const training = await client.at(versions[0]!.snapshot).query('aggregate', {
      table: { schema: 'hematology', table: 'Dataset_Image' },
      path: [{ kind: 'compare', column: 'Dataset', op: '=', value: '58C' }],
      columns: [{ as: 'n', aggregate: 'cnt', column: '*' }],
    });
    expect(training).toEqual([{ n: 200 }]);
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
    expect(bag.checksum).toMatch(new RegExp(`^[0-9a-f]{16}_${versions[0]!.snapshot}$`));
    expect(bag).toMatchObject({
      rid: '58A',
      version: '1.0.0',
      snapshot: versions[0]!.snapshot,
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

  it('downloads 58A at 1.1.0 with the ten added images', async () => {
    const bag = await downloadBag(client, { rid: '58A', version: '1.1', homeDir: home('h1') });
    expect(bag.version).toBe('1.1.0');
    expect(bag.snapshot).toBe(versions[1]!.snapshot);
    expect(bag.tables).toMatchObject({
      'hematology:Image': 310,
      'hematology:Dataset_Image': 310,
      'hematology:Subject': 62,
      'deriva-ml:Dataset_Version': 6,
    });
    expect(bag.assets.files).toBe(310);
    expect(path.dirname(path.dirname(bag.bagDir))).toBe(
      path.join(home('h1'), '.deriva-ml', '127.0.0.1', '1', 'cache', 'bags'),
    );
    expect((await verifyBag(bag.bagDir)).ok).toBe(true);
    const opened = await openBag(bag.bagDir, { workspace });
    try {
      expect(opened.inspect().version).toBe('1.1.0');
      const members = (rid: string) => (opened.allMembers(rid, true).Image ?? []).length;
      expect([members('58C'), members('58E'), members('58A')]).toEqual([210, 100, 310]);
    } finally {
      opened.close();
    }
  });

  it('reuses the cached bag on a second download and fetches nothing again', async () => {
    const before = standIn.requests.length;
    const bag = await downloadBag(client, { rid: '58A', version: '1.0.0', homeDir: home('h1') });
    expect(bag).toMatchObject({ cached: true, assets: { files: 300, downloaded: 0, skipped: 300 } });
    expect(bag.tables['hematology:Image']).toBe(300);
    const later = standIn.requests.slice(before);
    expect(later.some((request) => request.path.startsWith('/hatrac/'))).toBe(false);
    expect(later.some((request) => request.path.includes('RID=any('))).toBe(false);
  });

  it('resumes a download cancelled midway and completes it', async () => {
    const controller = new AbortController();
    const seen: DownloadProgress[] = [];
    let error: unknown;
    try {
      await downloadBag(client, {
        rid: '58A',
        version: '1.0.0',
        homeDir: home('h2'),
        concurrency: 2,
        signal: controller.signal,
        onProgress: (progress) => {
          seen.push(progress);
          if (progress.phase === 'assets' && (progress.files?.done ?? 0) >= 40) controller.abort();
        },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).kind).toBe('cancelled');
    expect((error as CatalogError).message).toMatch(
      /^Fetching the files of Dataset_58A was cancelled after \d+ of 300; run the download again to resume\.$/,
    );
    const resumed = await downloadBag(client, { rid: '58A', version: '1.0.0', homeDir: home('h2') });
    expect(resumed.cached).toBe(true);
    expect(resumed.assets.skipped).toBeGreaterThanOrEqual(40);
    expect(resumed.assets.downloaded + resumed.assets.skipped).toBe(300);
    expect(
      fs
        .readdirSync(resumed.bagDir, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.part')),
    ).toEqual([]);
    expect((await verifyBag(resumed.bagDir)).ok).toBe(true);
  });

  it('refuses a file whose checksum differs from the manifest, naming it, and keeps nothing of it', async () => {
    const bag = await downloadBag(client, { rid: '58A', version: '1.0.0', homeDir: home('h2') });
    const asset = 'data/asset/42J/Image/BloodImage_00000.jpg';
    const manifest = path.join(bag.bagDir, 'manifest-md5.txt');
    const original = fs.readFileSync(manifest, 'utf8');
    fs.rmSync(path.join(bag.bagDir, asset));
    fs.writeFileSync(
      manifest,
      original.replace(/^[0-9a-f]{32}(  data\/asset\/42J\/)/m, `${'0'.repeat(32)}$1`),
    );
    try {
      const error = await downloadBag(client, { rid: '58A', version: '1.0.0', homeDir: home('h2') }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({
        kind: 'checksum-mismatch',
        message: `${asset} as downloaded from ${standIn.origin}/hatrac/Image/afd8ab2c0770ea7a98d7fc98b83a3ca6.BloodImage_00000.jpg:34J4RSBZEXV6XLDZOJW5NRS2YI has MD5 afd8ab2c0770ea7a98d7fc98b83a3ca6, but manifest-md5.txt says ${'0'.repeat(32)}.`,
      });
      expect(fs.existsSync(path.join(bag.bagDir, asset))).toBe(false);
      expect(fs.existsSync(path.join(bag.bagDir, `${asset}.part`))).toBe(false);
    } finally {
      fs.writeFileSync(manifest, original);
    }
    const repaired = await downloadBag(client, { rid: '58A', version: '1.0.0', homeDir: home('h2') });
    expect(repaired.assets).toMatchObject({ downloaded: 1, skipped: 299 });
  });

  it('retries a burst of 5xx answers and dropped connections', async () => {
    standIn.failNext({ pathPrefix: '/ermrest/catalog/1@', status: 503, times: 3 });
    standIn.failNext({ method: 'GET', pathPrefix: '/hatrac/Image/', dropConnection: true, times: 3 });
    standIn.failNext({ method: 'GET', pathPrefix: '/hatrac/Image/', status: 502, times: 2 });
    const before = standIn.requests.length;
    const bag = await downloadBag(client, { rid: '58A', version: '1.0.0', homeDir: home('h3') });
    expect((await verifyBag(bag.bagDir)).ok).toBe(true);
    const statuses = standIn.requests.slice(before).map((request) => request.status);
    expect(statuses.filter((status) => status === 503)).toHaveLength(3);
    expect(statuses.filter((status) => status === 'dropped')).toHaveLength(3);
    expect(statuses.filter((status) => status === 502)).toHaveLength(2);
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

  it('says sign-in is required when no credential is given', async () => {
    const anonymous = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, { retry: fast });
    await expect(listDatasets(anonymous)).rejects.toMatchObject({
      kind: 'auth-required',
      message:
        'The server requires you to sign in for GET /ermrest/catalog/1/schema (401): enumerate access on catalog/1.',
    });
    await expect(downloadBag(anonymous, { rid: '58A', homeDir: home('h4') })).rejects.toMatchObject({
      kind: 'auth-required',
    });
    expect(fs.existsSync(home('h4'))).toBe(false);
  });

  it('says a reader without Hatrac access is forbidden the files, after the tables arrived', async () => {
    const reader = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
      credential: { kind: 'cookie', value: standIn.login('testuser') },
      retry: fast,
    });
    const error = await downloadBag(reader, {
      rid: '58A',
      version: '1.0.0',
      homeDir: home('h5'),
      concurrency: 1,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).kind).toBe('forbidden');
    expect((error as CatalogError).message).toMatch(
      /^Your account is not allowed to do GET \/hatrac\/Image\/.+ \(403\)/,
    );
    const holey = await downloadBag(reader, {
      rid: '58A',
      version: '1.0.0',
      homeDir: home('h5'),
      materialize: false,
    });
    expect(holey).toMatchObject({ cached: true, materialized: false });
    expect((await verifyBag(holey.bagDir)).unfetched).toBe(300);
  });

  it('names unknown datasets and versions', async () => {
    await expect(downloadBag(client, { rid: 'NOPE', homeDir: home('h6') })).rejects.toThrow(
      'The catalog has no dataset NOPE.',
    );
    await expect(downloadBag(client, { rid: '58A', version: '9.9.9', homeDir: home('h6') })).rejects.toThrow(
      'Dataset 58A has no version 9.9.9; it has 1.0.0, 1.1.0.',
    );
  });
});
