import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag } from '../../main/core/bag/index.js';
import { readCsvFile } from '../../main/core/bag/csv.js';
import { parseSchemaDocument } from '../../main/core/bag/model.js';
import { CatalogClient, CatalogError, type Credential } from '../../main/core/catalog/index.js';
import {
  downloadBag,
  estimateBag,
  listDatasets,
  type DownloadProgress,
} from '../../main/core/download/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import { decodeSnaptime, seedWorld, startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

// The sample world served by the stand-in, downloaded at both releases and compared with the bags the
// project generates from the same world: same tables, rows, headers, fetch lines and asset bytes.
const bags = generatedBags();
const facts = bags.facts;
const { complete, training, testing } = facts.datasets;
const domain = facts.schemas.domain;
const scratch = temporaryDirectory('satchel-download-');
let standIn: StandIn;
let snaptimes: Record<string, string> = {};
let admin: Credential;
let client: CatalogClient;
const workspace = path.join(scratch.dir, 'workspace');
const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };

beforeAll(async () => {
  standIn = await startStandIn({
    seed: async (server) => {
      snaptimes = (await seedWorld(server)).snaptimes;
    },
  });
  admin = { kind: 'cookie', value: standIn.login('testadmin') };
  client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, { credential: admin, retry: fast });
});
afterAll(async () => {
  await standIn?.close();
  scratch.cleanup();
});

const home = (name: string) => path.join(scratch.dir, name);
const bagName = `Dataset_${complete}`;
const filesUnder = (bagDir: string, suffix: string) =>
  fs
    .readdirSync(path.join(bagDir, 'data'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith(suffix))
    .map((file) => `data/${file.split(path.sep).join('/')}`)
    .sort();
const csvFiles = (bagDir: string) => filesUnder(bagDir, '.csv');
const assetFiles = (bagDir: string) =>
  fs
    .readdirSync(path.join(bagDir, 'data', 'asset'), {
      recursive: true,
      encoding: 'utf8',
      withFileTypes: true,
    })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(bagDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
const lines = (file: string) => fs.readFileSync(file, 'utf8').trim().split('\n');
const fetchLines = (dir: string) => lines(path.join(dir, 'fetch.txt')).map((line) => line.split('\t'));
const payloadOxum = (dir: string) =>
  /^Payload-Oxum: (\d+\.\d+)$/m.exec(fs.readFileSync(path.join(dir, 'bag-info.txt'), 'utf8'))?.[1];

/** A CSV file as records (header first). */
function csvRecords(file: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  readCsvFile(file, file, (fields) => void records.push(fields));
  return records;
}

/** The model of a schema.json as tables with their columns (types, nullability) and foreign keys. */
function modelShape(file: string) {
  const model = parseSchemaDocument(fs.readFileSync(file, 'utf8'), file);
  return [...model.tables.values()]
    .filter((table) => table.schema !== 'public')
    .map((table) => ({
      table: table.qualified,
      kind: table.kind,
      columns: table.columns.map((column) => [column.name, column.typename, column.isArray, column.nullok]),
      keys: table.keys,
      foreignKeys: table.foreignKeys,
    }))
    .sort((a, b) => a.table.localeCompare(b.table));
}

/**
 * What the stand-in legitimately writes differently from the generator: releasing stamps the version
 * rows (and points the datasets at them) as testadmin at the stand-in's own time and snaptime.
 */
const STAMPED: Record<string, string[]> = {
  'deriva-ml/Dataset.csv': ['RMT', 'RMB'],
  'deriva-ml/Dataset_Version.csv': ['RMT', 'RMB', 'Snapshot'],
};

/** The downloaded bag holds what the generated bag of the same release holds, file by file. */
function expectSameBag(downloaded: string, generated: string): void {
  expect(modelShape(path.join(downloaded, 'data', 'schema.json'))).toEqual(
    modelShape(path.join(generated, 'data', 'schema.json')),
  );
  expect(csvFiles(downloaded)).toEqual(csvFiles(generated));
  for (const file of csvFiles(generated)) {
    const theirs = csvRecords(path.join(generated, file));
    const header = theirs[0]!;
    const masked = new Set((STAMPED[file.slice('data/'.length)] ?? []).map((name) => header.indexOf(name)));
    const mask = (records: (string | null)[][]) =>
      records.map((record, row) =>
        row === 0 ? record : record.map((cell, i) => (masked.has(i) ? '*' : cell)),
      );
    expect([file, mask(csvRecords(path.join(downloaded, file)))]).toEqual([file, mask(theirs)]);
  }
  const ourFetch = fetchLines(downloaded);
  const theirFetch = fetchLines(generated);
  expect(ourFetch.map(([, length, file]) => [length, file])).toEqual(
    theirFetch.map(([, length, file]) => [length, file]),
  );
  expect(ourFetch.map(([url]) => new URL(url!).pathname)).toEqual(
    theirFetch.map(([url]) => new URL(url!).pathname),
  );
  expect(ourFetch.every(([url]) => url!.startsWith(`${standIn.origin}/hatrac/`))).toBe(true);
  expect(assetFiles(downloaded)).toEqual(assetFiles(generated));
  for (const asset of assetFiles(generated))
    expect([
      asset,
      fs.readFileSync(path.join(downloaded, asset)).equals(fs.readFileSync(path.join(generated, asset))),
    ]).toEqual([asset, true]);
  // Same files; only schema.json's bytes differ (the server's compact document against the generator's).
  expect(payloadOxum(downloaded)!.split('.')[1]).toBe(payloadOxum(generated)!.split('.')[1]);
}

/** The Snapshot column of each version row in a bag, by RID. */
function versionSnapshots(bagDir: string): Record<string, string | null> {
  const [header, ...rows] = csvRecords(path.join(bagDir, 'data', 'deriva-ml', 'Dataset_Version.csv'));
  const snapshot = header!.indexOf('Snapshot');
  return Object.fromEntries(rows.map((row) => [row[0]!, row[snapshot] ?? null]));
}
const versionRows = (release: '1.0.0' | '1.1.0') => Object.values(facts.versions[release]);

describe('downloading the sample world from the stand-in', () => {
  it('lists the three datasets with types, members and both versions at their snapshots', async () => {
    const datasets = await listDatasets(client);
    const trainingImages = facts.images.filter((image) => image.split === 'Training').length;
    expect(
      datasets.map((dataset) => [dataset.rid, dataset.types, dataset.members, dataset.children]),
    ).toEqual([
      [complete, ['Complete'], {}, [training, testing].sort()],
      [training, ['Training'], { Image: trainingImages }, []],
      [testing, ['Testing'], { Image: 100 }, []],
    ]);
    for (const dataset of datasets) {
      const key = dataset.rid === complete ? 'complete' : dataset.rid === training ? 'training' : 'testing';
      expect(dataset.versions.map((version) => [version.rid, version.version, version.snapshot])).toEqual([
        [facts.versions['1.0.0'][key], '1.0.0', snaptimes['1.0.0']],
        [facts.versions['1.1.0'][key], '1.1.0', snaptimes['1.1.0']],
      ]);
    }
    expect(decodeSnaptime(snaptimes['1.0.0']!)).toBeLessThan(decodeSnaptime(snaptimes['1.1.0']!)!);
    // The snapshots are what the catalog was at those moments.
    const count = (snapshot: string) =>
      client.at(snapshot).query('aggregate', {
        table: { schema: domain, table: 'Dataset_Image' },
        path: [{ kind: 'compare', column: 'Dataset', op: '=', value: training }],
        columns: [{ as: 'n', aggregate: 'cnt', column: '*' }],
      });
    expect(await count(snaptimes['1.0.0']!)).toEqual([{ n: trainingImages - facts.design.addedImages }]);
    expect(await count(snaptimes['1.1.0']!)).toEqual([{ n: trainingImages }]);
  });

  it('downloads the world at 1.0.0 as the generated bag, which opens and verifies', async () => {
    const phases = new Set<string>();
    const bag = await downloadBag(client, {
      rid: complete,
      version: '1.0.0',
      homeDir: home('h1'),
      onProgress: (progress) => phases.add(progress.phase),
    });
    expect([...phases]).toEqual(['plan', 'rows', 'tables', 'assets']);
    expect(bag.bagDir).toBe(
      path.join(home('h1'), '.deriva-ml', '127.0.0.1', '1', 'cache', 'bags', bag.checksum, bagName),
    );
    expect(bag.checksum).toMatch(new RegExp(`^[0-9a-f]{16}_${snaptimes['1.0.0']}$`));
    expect(bag).toMatchObject({
      rid: complete,
      version: '1.0.0',
      snapshot: snaptimes['1.0.0'],
      cached: false,
      materialized: true,
    });
    const assetBytes = fetchLines(bags.formatB).reduce((sum, [, length]) => sum + Number(length), 0);
    expect(bag.assets).toEqual({
      files: facts.assets['1.0.0'],
      bytes: assetBytes,
      downloaded: facts.assets['1.0.0'],
      skipped: 0,
      reused: 0,
      fetchedBytes: bag.assets.bytes,
    });
    expect(bag.tables).toEqual(facts.tables['1.0.0']);
    expectSameBag(bag.bagDir, bags.formatB);
    // A version's own bag shows its Snapshot empty: deriva-ml stamps it after reading the snaptime.
    expect(versionSnapshots(bag.bagDir)).toEqual(
      Object.fromEntries(versionRows('1.0.0').map((rid) => [rid, null])),
    );
    expect(JSON.parse(fs.readFileSync(path.join(bag.bagDir, 'data', 'schema.json'), 'utf8')).snaptime).toBe(
      bag.snapshot,
    );
    expect(fs.readFileSync(path.join(bag.bagDir, 'bag-info.txt'), 'utf8')).not.toMatch(/Bagging-Date/);

    const report = await verifyBag(bag.bagDir);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, materialized: true });
    const opened = await openBag(bag.bagDir, { workspace });
    try {
      expect(opened.inspect()).toMatchObject({ rid: complete, version: '1.0.0', snaptime: bag.snapshot });
      expect(opened.memberRids(complete, 'Image', true)).toEqual(
        facts.images
          .filter((image) => image.release === '1.0.0')
          .map((image) => image.rid)
          .sort(),
      );
    } finally {
      opened.close();
    }
  });

  it('downloads the world at 1.1.0 as the newer generated bag, with the ten added images', async () => {
    const bag = await downloadBag(client, { rid: complete, version: '1.1', homeDir: home('h1') });
    expect(bag.version).toBe('1.1.0');
    expect(bag.snapshot).toBe(snaptimes['1.1.0']);
    expect(bag.tables).toEqual(facts.tables['1.1.0']);
    expect(bag.assets.files).toBe(facts.assets['1.1.0']);
    expect(path.dirname(path.dirname(bag.bagDir))).toBe(
      path.join(home('h1'), '.deriva-ml', '127.0.0.1', '1', 'cache', 'bags'),
    );
    expectSameBag(bag.bagDir, bags.newer);
    expect(versionSnapshots(bag.bagDir)).toEqual({
      ...Object.fromEntries(versionRows('1.0.0').map((rid) => [rid, snaptimes['1.0.0']])),
      ...Object.fromEntries(versionRows('1.1.0').map((rid) => [rid, null])),
    });
    expect((await verifyBag(bag.bagDir)).ok).toBe(true);
    const opened = await openBag(bag.bagDir, { workspace });
    try {
      expect(opened.inspect().version).toBe('1.1.0');
      const members = (rid: string) => (opened.allMembers(rid, true).Image ?? []).length;
      const trainingImages = facts.images.filter((image) => image.split === 'Training').length;
      expect([members(training), members(testing), members(complete)]).toEqual([
        trainingImages,
        100,
        facts.images.length,
      ]);
    } finally {
      opened.close();
    }
  });

  it('reuses the cached bag on a second download and fetches nothing again', async () => {
    const before = standIn.requests.length;
    const bag = await downloadBag(client, { rid: complete, version: '1.0.0', homeDir: home('h1') });
    const files = facts.assets['1.0.0'];
    expect(bag).toMatchObject({ cached: true, assets: { files, downloaded: 0, skipped: files } });
    expect(bag.tables[`${domain}:Image`]).toBe(300);
    const later = standIn.requests.slice(before);
    expect(later.some((request) => request.path.startsWith('/hatrac/'))).toBe(false);
    expect(later.some((request) => request.path.includes('RID=any('))).toBe(false);
  });

  it('resumes a download cancelled midway and completes it', async () => {
    const controller = new AbortController();
    const seen: DownloadProgress[] = [];
    const files = facts.assets['1.0.0'];
    let error: unknown;
    try {
      await downloadBag(client, {
        rid: complete,
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
      new RegExp(
        `^Fetching the files of ${bagName} was cancelled after (\\d+) of ${files}; run the download again to resume\\.$`,
      ),
    );
    const fetchedBeforeCancel = Number(/after (\d+) of/.exec((error as CatalogError).message)![1]);
    const resumed = await downloadBag(client, { rid: complete, version: '1.0.0', homeDir: home('h2') });
    expect(resumed.cached).toBe(true);
    expect(resumed.assets.skipped).toBe(fetchedBeforeCancel);
    expect(resumed.assets.downloaded + resumed.assets.skipped).toBe(files);
    expect(
      fs
        .readdirSync(resumed.bagDir, { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.part')),
    ).toEqual([]);
    expect((await verifyBag(resumed.bagDir)).ok).toBe(true);
  });

  it('refuses a file whose checksum differs from the manifest, naming it, and keeps nothing of it', async () => {
    const bag = await downloadBag(client, { rid: complete, version: '1.0.0', homeDir: home('h2') });
    // An image with a percent sign in its name: the manifest, fetch.txt and Hatrac path all quote it.
    const tricky = facts.images.find((image) => image.filename.includes('%'))!;
    const asset = `data/asset/${tricky.rid}/Image/${tricky.filename}`;
    const [url, , listed] = fetchLines(bags.formatB).find(([, , file]) => file!.includes(`/${tricky.rid}/`))!;
    expect(listed).toBe(asset.replace('%', '%25'));
    const manifest = path.join(bag.bagDir, 'manifest-md5.txt');
    const original = fs.readFileSync(manifest, 'utf8');
    const md5 = new RegExp(`^([0-9a-f]{32})  data/asset/${tricky.rid}/`, 'm').exec(original)![1]!;
    fs.rmSync(path.join(bag.bagDir, asset));
    fs.writeFileSync(manifest, original.replace(md5, '0'.repeat(32)));
    try {
      const error = await downloadBag(client, { rid: complete, version: '1.0.0', homeDir: home('h2') }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({
        kind: 'checksum-mismatch',
        message: `${asset} as downloaded from ${standIn.origin}${new URL(url!).pathname} has MD5 ${md5}, but manifest-md5.txt says ${'0'.repeat(32)}.`,
      });
      expect(fs.existsSync(path.join(bag.bagDir, asset))).toBe(false);
      expect(fs.existsSync(path.join(bag.bagDir, `${asset}.part`))).toBe(false);
    } finally {
      fs.writeFileSync(manifest, original);
    }
    const repaired = await downloadBag(client, { rid: complete, version: '1.0.0', homeDir: home('h2') });
    expect(repaired.assets).toMatchObject({ downloaded: 1, skipped: facts.assets['1.0.0'] - 1 });
  });

  it('retries a burst of 5xx answers and dropped connections', async () => {
    standIn.failNext({ pathPrefix: '/ermrest/catalog/1@', status: 503, times: 3 });
    standIn.failNext({ method: 'GET', pathPrefix: '/hatrac/Image/', dropConnection: true, times: 3 });
    standIn.failNext({ method: 'GET', pathPrefix: '/hatrac/Image/', status: 502, times: 2 });
    const before = standIn.requests.length;
    const bag = await downloadBag(client, { rid: complete, version: '1.0.0', homeDir: home('h3') });
    expect((await verifyBag(bag.bagDir)).ok).toBe(true);
    const statuses = standIn.requests.slice(before).map((request) => request.status);
    expect(statuses.filter((status) => status === 503)).toHaveLength(3);
    expect(statuses.filter((status) => status === 'dropped')).toHaveLength(3);
    expect(statuses.filter((status) => status === 502)).toHaveLength(2);
  });

  it('estimates rows and asset bytes without writing anything', async () => {
    const estimate = await estimateBag(client, complete, '1.0.0');
    const rows = Object.fromEntries(
      estimate.tables.filter((entry) => entry.rows > 0).map((entry) => [entry.table, entry.rows]),
    );
    expect(rows).toEqual(facts.tables['1.0.0']);
    expect(estimate.assetFiles).toBe(facts.assets['1.0.0']);
    expect(estimate.assetBytes).toBe(
      fetchLines(bags.formatB).reduce((sum, [, length]) => sum + Number(length), 0),
    );
  });

  it('says sign-in is required when no credential is given', async () => {
    const anonymous = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, { retry: fast });
    await expect(listDatasets(anonymous)).rejects.toMatchObject({
      kind: 'auth-required',
      message:
        'The server requires you to sign in for GET /ermrest/catalog/1/schema (401): enumerate access on catalog/1.',
    });
    await expect(downloadBag(anonymous, { rid: complete, homeDir: home('h4') })).rejects.toMatchObject({
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
      rid: complete,
      version: '1.0.0',
      homeDir: home('h5'),
      concurrency: 1,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).kind).toBe('forbidden');
    expect((error as CatalogError).message).toMatch(
      /^Your account is not allowed to do GET \/hatrac\/(Image|Region_File)\/.+ \(403\)/,
    );
    const holey = await downloadBag(reader, {
      rid: complete,
      version: '1.0.0',
      homeDir: home('h5'),
      materialize: false,
    });
    expect(holey).toMatchObject({ cached: true, materialized: false });
    expect((await verifyBag(holey.bagDir)).unfetched).toBe(facts.assets['1.0.0']);
    expect(fetchLines(holey.bagDir).map(([, length, file]) => [length, file])).toEqual(
      fetchLines(bags.holey).map(([, length, file]) => [length, file]),
    );
  });

  it('names unknown datasets and versions', async () => {
    await expect(downloadBag(client, { rid: 'NOPE', homeDir: home('h6') })).rejects.toThrow(
      'The catalog has no dataset NOPE.',
    );
    await expect(
      downloadBag(client, { rid: complete, version: '9.9.9', homeDir: home('h6') }),
    ).rejects.toThrow(`Dataset ${complete} has no version 9.9.9; it has 1.0.0, 1.1.0.`);
  });
});
