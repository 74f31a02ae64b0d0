import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { CatalogClient } from '../../main/core/catalog/index.js';
import { SatchelError, type ProblemKind } from '../../main/core/common/index.js';
import { commitDrafts } from '../../main/core/commit/index.js';
import { exportImageFolder } from '../../main/core/export/index.js';
import { exportDrafts, LabelingSession, LabelStore, parseDrafts } from '../../main/core/labels/index.js';
import { ThumbnailCache } from '../../main/core/thumbs/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import { openWorkspaceDb, type WorkspaceDb } from '../../main/core/workspace-db/index.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { buildMiniBag, refreshManifests } from '../support/mini-bag.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { fingerprintTree } from '../support/tree-fingerprint.js';

let scratch: ReturnType<typeof temporaryDirectory>;
let workspace: string;
let bag: string;

beforeEach(() => {
  scratch = temporaryDirectory();
  workspace = path.join(scratch.dir, 'workspace');
  bag = buildMiniBag(path.join(scratch.dir, 'bags'));
});
afterEach(() => scratch.cleanup());

/** Asserts the open fails with this kind, a one-sentence message naming the file, and no database left. */
async function expectRefused(kind: ProblemKind, mentions: RegExp): Promise<SatchelError> {
  const error = await openBag(bag, { workspace }).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SatchelError);
  const satchelError = error as SatchelError;
  expect(satchelError.kind).toBe(kind);
  expect(satchelError.message).toMatch(mentions);
  expect(satchelError.message.split(/\.\s+[A-Z]/).length).toBe(1);
  const databases = path.join(workspace, 'databases');
  expect(fs.existsSync(databases) ? fs.readdirSync(databases) : []).toEqual([]);
  return satchelError;
}

function rewrite(relative: string, change: (text: string) => string): void {
  const file = path.join(bag, relative);
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
  refreshManifests(bag);
}

describe('opening a self-made bag', () => {
  it('reads datasets, versions in PEP 440 order, members and feature values', async () => {
    const opened = await openBag(bag, { workspace });
    const report = opened.inspect();
    expect(report).toMatchObject({
      rid: 'D1',
      format: 'B',
      version: '0.10.0',
      materialized: true,
      snaptime: '2TA-0000-0001',
    });
    expect(report.datasets.map((dataset) => [dataset.rid, dataset.types, dataset.members.Image])).toEqual([
      ['D1', ['Complete'], 3],
      ['D1-T', ['Training'], 3],
    ]);
    expect(report.datasets[0]!.description).toBe('Mini, "root"');
    expect(opened.members('D1', { elementType: 'Image', recurse: true }).total).toBe(6);
    const sorted = opened.members('D1', {
      elementType: 'Image',
      recurse: true,
      sort: { column: 'Width', descending: true },
      limit: 2,
    });
    expect(sorted.rows.map((row) => row.Width)).toEqual([69, 68]);
    const filtered = opened.rows('lab:Image', { filters: [{ column: 'Filename', contains: 'IMAGE_3' }] });
    expect(filtered.rows.map((row) => row.RID)).toEqual(['I3']);
    const types = opened.rows('deriva-ml:Dataset_Type', { filters: [{ column: 'Name', equals: 'Complete' }] })
      .rows[0]!;
    expect(types.Synonyms).toEqual(['All', 'Everything']);
    expect(opened.rows('deriva-ml:Dataset').rows[0]!.Deleted).toBe(false);
    expect(opened.featureValues('Image', 'Label', { kind: 'newest' })).toHaveLength(6);
    opened.close();
  });

  it('rebuilds the database when the bag changes, and reuses it when it does not', async () => {
    const first = await openBag(bag, { workspace });
    first.close();
    const again = await openBag(bag, { workspace });
    expect(again.identity.databasePath).toBe(first.identity.databasePath);
    again.close();
    rewrite('data/lab/Label.csv', (text) => text.replace('A cat', 'A small cat'));
    const changed = await openBag(bag, { workspace });
    expect(changed.identity.databasePath).not.toBe(first.identity.databasePath);
    expect(changed.vocabularyTerms('lab:Label').find((term) => term.name === 'Cat')!.description).toBe(
      'A small cat',
    );
    changed.close();
  });
});

/**
 * Every way Satchel reads a bag, one after another on a private copy of the generated bag and its zip,
 * each followed by a comparison of every file's bytes and every file's and folder's metadata (the bag
 * folder's own included) with what they were before. Tests run as root, so read-only permissions would
 * not have caught a write; the fingerprint does.
 */
describe('the bag itself is never written', () => {
  const bags = generatedBags();
  const { facts } = bags;
  const scratch = temporaryDirectory();
  const workspace = path.join(scratch.dir, 'workspace');
  const bagDir = path.join(scratch.dir, 'bags', path.basename(bags.formatB));
  const zipFile = path.join(scratch.dir, 'zips', path.basename(bags.formatBZip));
  let bagPrint: ReturnType<typeof fingerprintTree>;
  let zipPrint: ReturnType<typeof fingerprintTree>;
  let bag: Bag;
  let db: WorkspaceDb;
  let session: LabelingSession;
  let standIn: StandIn | undefined;

  beforeAll(async () => {
    fs.cpSync(bags.formatB, bagDir, { recursive: true });
    fs.mkdirSync(path.dirname(zipFile));
    fs.copyFileSync(bags.formatBZip, zipFile);
    bagPrint = fingerprintTree(bagDir);
    zipPrint = fingerprintTree(zipFile);
    bag = await openBag(bagDir, { workspace });
    db = openWorkspaceDb(workspace);
    session = new LabelingSession(bag, new LabelStore(db), 'Image/Digit');
  });
  afterAll(async () => {
    await standIn?.close();
    db?.close();
    bag?.close();
    scratch.cleanup();
  });

  const expectUntouched = () => {
    expect(fingerprintTree(bagDir)).toEqual(bagPrint);
    expect(fingerprintTree(zipFile)).toEqual(zipPrint);
  };
  const images = facts.images.filter((image) => image.release === '1.0.0');

  it('fingerprints every file and folder of the bag', () => {
    // data/schema.json, the CSVs and the assets, and the BagIt tag files.
    const files = bagPrint.filter((entry) => entry.type === 'file');
    expect(files).toHaveLength(1 + Object.keys(facts.tables['1.0.0']).length + facts.assets['1.0.0'] + 7);
    expect(bagPrint[0]).toMatchObject({ path: '.', type: 'folder' });
    expect(zipPrint).toEqual([expect.objectContaining({ path: '.', type: 'file' })]);
  });

  it('open (the import into a bag database), of the folder and of the zip', async () => {
    (await openBag(bagDir, { workspace })).close();
    (await openBag(zipFile, { workspace })).close();
    expect(fs.readdirSync(path.join(workspace, 'databases')).length).toBeGreaterThan(0);
    expectUntouched();
  });

  it('verify', async () => {
    expect((await verifyBag(bagDir)).ok).toBe(true);
    expectUntouched();
  });

  it('thumbnails', async () => {
    const image = images[0]!;
    const thumbnail = await new ThumbnailCache(workspace).get(
      path.join(bagDir, 'data', 'asset', image.rid, 'Image', image.filename),
    );
    expect(thumbnail.ok).toBe(true);
    expectUntouched();
  });

  it('label, and import drafts', () => {
    session.store.set(session.scope, session.shape, [images[0]!.rid, images[1]!.rid], { Digit: '4' }, 'ann');
    const drafted = session.store.drafts(session.scope, session.definition.table);
    const text = exportDrafts(
      session.shape,
      [{ target: images[2]!.rid, values: { Digit: '5', Confidence: 0.5 } }],
      'jsonl',
    );
    const { records, rejects } = parseDrafts(session.shape, text, 'jsonl', (rid) => session.isTarget(rid));
    expect(rejects).toEqual([]);
    session.store.setEach(session.scope, session.shape, records, 'ann');
    expect(session.store.drafts(session.scope, session.definition.table)).toHaveLength(drafted.length + 1);
    expectUntouched();
  });

  it('export, as links and as copies', () => {
    for (const copy of [false, true]) {
      const written = exportImageFolder(bag, {
        outDir: path.join(scratch.dir, copy ? 'export-copies' : 'export-links'),
        assetTable: 'Image',
        targets: ['Digit'],
        copy,
      });
      expect(Object.keys(written.manifest)).toHaveLength(images.length);
      expect(written.missing).toEqual([]);
    }
    expectUntouched();
  });

  it('commit to the stand-in catalog of the same world', async () => {
    standIn = await startStandIn({ seed: 'world' });
    const client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
      credential: { kind: 'cookie', value: standIn.login('testadmin') },
    });
    const result = await commitDrafts({
      client,
      db,
      bag,
      store: session.store,
      appVersion: '0.1.0',
    });
    expect(result.rows).toBe(3);
    expectUntouched();
  });
});

describe('bad input is refused with one sentence and leaves nothing half-written', () => {
  it('missing bagit.txt', async () => {
    fs.rmSync(path.join(bag, 'bagit.txt'));
    await expectRefused('missing-bagit', /bagit\.txt is missing/);
  });

  it('malformed bagit.txt', async () => {
    fs.writeFileSync(path.join(bag, 'bagit.txt'), 'hello\n');
    await expectRefused('bad-bagit', /bagit\.txt must declare/);
  });

  it('missing schema.json', async () => {
    fs.rmSync(path.join(bag, 'data', 'schema.json'));
    await expectRefused('missing-schema', /schema\.json is missing/);
  });

  it('malformed schema.json', async () => {
    fs.writeFileSync(path.join(bag, 'data', 'schema.json'), '{"schemas": ');
    await expectRefused('bad-schema', /schema\.json is not valid JSON/);
  });

  it('schema.json of the wrong shape', async () => {
    fs.writeFileSync(
      path.join(bag, 'data', 'schema.json'),
      '{"snaptime": "X", "schemas": {"a": {"tables": 5}}}',
    );
    await expectRefused('bad-schema', /schema\.json is not an ERMrest schema document/);
  });

  it('a CSV whose header names a column the schema lacks', async () => {
    rewrite('data/lab/Image.csv', (text) => text.replace('Width', 'Wdith'));
    await expectRefused('csv-header', /data\/lab\/Image\.csv: the header names the column "Wdith"/);
  });

  it('a CSV whose header lacks a required column', async () => {
    rewrite('data/lab/Dataset_Image.csv', (text) =>
      text
        .split('\n')
        .map((line) => line.split(',').slice(0, 6).join(','))
        .join('\n'),
    );
    await expectRefused('csv-header', /Dataset_Image\.csv: the header lacks the column "Image"/);
  });

  it('a row with a value that is not of its column type', async () => {
    rewrite('data/lab/Image.csv', (text) => text.replace(',64,', ',sixty-four,'));
    await expectRefused('bad-value', /Image\.csv line 2: Width is "sixty-four", which is not a valid int4/);
  });

  it('a NULL in a NOT NULL column', async () => {
    rewrite('data/lab/Execution_Image_Label.csv', (text) => text.replace(',Label,Cat,', ',Label,,'));
    await expectRefused(
      'bad-value',
      /Execution_Image_Label\.csv line 2: Label is empty, but it cannot be NULL/,
    );
  });

  it('a row with too many fields', async () => {
    rewrite('data/lab/Label.csv', (text) => text.replace('A cat,', 'A cat,extra,'));
    await expectRefused('csv-syntax', /Label\.csv line 2 has 11 fields, but its header has 10/);
  });

  it('a duplicate RID in a Format B table', async () => {
    rewrite('data/lab/Label.csv', (text) => text.replace(/^L1,/m, 'L0,'));
    await expectRefused('duplicate-rid', /Label\.csv lists the RID L0 more than once/);
  });

  it('a CSV for a table the schema does not define', async () => {
    fs.writeFileSync(path.join(bag, 'data', 'lab', 'Mystery.csv'), 'RID\nX\n');
    await expectRefused('unknown-table', /Mystery\.csv names the table "Mystery"/);
  });

  it('`..` in fetch.txt', async () => {
    fs.appendFileSync(path.join(bag, 'fetch.txt'), 'https://x.example/a\t3\tdata/../../../escape.txt\n');
    await expectRefused('unsafe-path', /fetch\.txt line 7 names the path .* climbs out/);
  });

  it('an absolute path in fetch.txt', async () => {
    fs.appendFileSync(path.join(bag, 'fetch.txt'), 'https://x.example/a\t3\t/etc/passwd\n');
    await expectRefused('unsafe-path', /is absolute/);
  });

  it('a symbolic link among the CSVs', async () => {
    fs.symlinkSync('/etc/hostname', path.join(bag, 'data', 'lab', 'Sneaky.csv'));
    await expectRefused('unsafe-path', /Sneaky\.csv is a symbolic link/);
  });

  it('an empty bag', async () => {
    fs.rmSync(path.join(bag, 'data'), { recursive: true });
    fs.mkdirSync(path.join(bag, 'data'));
    await expectRefused('empty-bag', /empty bag/);
  });

  it('a folder that is not a bag at all', async () => {
    const notABag = path.join(scratch.dir, 'plain');
    fs.mkdirSync(notABag);
    fs.writeFileSync(path.join(notABag, 'notes.txt'), 'hi');
    bag = notABag;
    await expectRefused('not-a-bag', /is not a bag/);
  });

  it('an asset Filename that climbs out of the bag is never resolved', async () => {
    rewrite('data/lab/Image.csv', (text) => text.replace(',image_0.bin,', ',../../../../outside.bin,'));
    fs.writeFileSync(path.join(bag, 'fetch.txt'), '');
    refreshManifests(bag);
    const opened = await openBag(bag, { workspace });
    expect(() => opened.assetFile('lab:Image', 'I0')).toThrow(/climbs out/);
    opened.close();
  });
});
