// Committing region drawings and attached files (asset-valued features) of the sample world's bag to
// the stand-in serving the same world, in process: the Hatrac objects (bytes, MD5, one version each),
// the asset rows, their Asset_Type rows and Execution links, the feature rows with the new RIDs, and
// how identical bytes, repeated commits and conflicting drafts are handled.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import type { CatalogClient } from '../../main/core/catalog/index.js';
import {
  commitDrafts,
  formatDuration,
  planCommit,
  type CommitOptions,
  type CommitResult,
} from '../../main/core/commit/index.js';
import { isSatchelError } from '../../main/core/common/index.js';
import { LabelingSession, LabelStore } from '../../main/core/labels/index.js';
import {
  RegionSession,
  RegionStore,
  StagedFiles,
  stagedFileReference,
} from '../../main/core/regions/index.js';
import { openWorkspaceDb, type WorkspaceDb } from '../../main/core/workspace-db/index.js';
import type { DrawnRegion } from '../../shared/regions.js';
import type { StandIn } from '../stand-in/index.js';
import {
  assetRecord,
  assetUrl,
  featureRowsOf,
  hatracTraffic,
  md5Of,
  readHatracObject,
  REGION_FEATURE,
  REGION_FILE,
} from '../support/asset-commit.js';
import { generatedBags } from '../support/bags.js';
import {
  clientAs,
  historyOf,
  imagesAt100,
  label,
  repeatedAcknowledged,
  rowsOf,
  startWorldStandIn,
} from '../support/commit-world.js';
import { temporaryDirectory } from '../support/fixtures.js';

const bags = generatedBags();
const facts = bags.facts;
const DIGIT = `${facts.schemas.domain}:Execution_Image_Digit`;
const DRAWN_FROM = Date.parse('2026-03-02T09:00:00.000Z');
const size = { width: facts.design.imageSize, height: facts.design.imageSize };
const images = imagesAt100(facts);
const scratch = temporaryDirectory('satchel-regions-commit-');
let bag: Bag;
let standIn: StandIn;
let workspace: string;
let db: WorkspaceDb;
let labels: LabelStore;
let regions: RegionSession;
let admin: CatalogClient;
let workspaceCount = 0;
let clock = DRAWN_FROM;

beforeAll(async () => {
  bag = await openBag(bags.formatB, { workspace: path.join(scratch.dir, 'bag-workspace') });
});
afterAll(() => {
  bag.close();
  scratch.cleanup();
});
beforeEach(async () => {
  standIn = await startWorldStandIn();
  workspace = path.join(scratch.dir, `workspace-${++workspaceCount}`);
  db = openWorkspaceDb(workspace);
  clock = DRAWN_FROM;
  const now = () => new Date(clock).toISOString();
  labels = new LabelStore(db, now);
  regions = new RegionSession(
    bag,
    new RegionStore(db, new StagedFiles(workspace).regions, now),
    'Image/Region',
  );
  admin = clientAs(standIn, 'testadmin');
});
afterEach(async () => {
  db.close();
  await standIn.close();
});

function commit(options: Partial<CommitOptions> = {}): Promise<CommitResult> {
  return commitDrafts({ client: admin, db, bag, store: labels, appVersion: '0.1.0', ...options });
}

const box = (x0: number, y0: number, x1: number, y1: number, term: string | null): DrawnRegion => ({
  kind: 'rectangle',
  points: [
    [x0, y0],
    [x1, y1],
  ],
  label: term,
});

function draw(target: string, drawing: DrawnRegion[]): Buffer {
  const change = regions.save(target, drawing, size, 'add', 'ann');
  return regions.store.content.read(change.draft!.sha256!);
}

const filenameOf = (rid: string) => facts.images.find((image) => image.rid === rid)!.filename;
const writesSince = (start: number) =>
  standIn.requests.slice(start).filter((request) => request.method !== 'GET' && request.method !== 'HEAD');

describe('committing drawn regions', () => {
  it('uploads each drawing in chunks at deriva-ml’s Hatrac name, then its asset row, types, Execution link and the feature row with its RID', async () => {
    const [first, second, labeled] = images;
    // Two boxes both labeled 4: the row's Digit is 4. A 1 and an unlabeled point: the row's Digit stays empty.
    const firstBytes = draw(first!, [box(10, 10, 40, 50, '4'), box(50, 10, 90, 50, '4')]);
    clock += 90_000;
    const secondBytes = draw(second!, [
      box(20, 20, 60, 70, '1'),
      { kind: 'point', points: [[80, 80]], label: null },
    ]);
    clock += 30_000;
    label(new LabelingSession(bag, labels, 'Image/Digit'), [labeled!], { Digit: '8' });
    const start = standIn.requests.length;

    const result = await commit();
    const log = standIn.requests.slice(start);
    const execution = result.executionRid;
    expect(result).toMatchObject({ alreadyCommitted: false, rows: 3, notes: [] });
    const drawings = [
      { target: first!, bytes: firstBytes },
      { target: second!, bytes: secondBytes },
    ];
    const assetRids: string[] = [];
    for (const { target, bytes } of drawings) {
      const filename = `regions_${target}.json`;
      const url = assetUrl(REGION_FILE, bytes, filename);
      expect(url).toBe(`/hatrac/Region_File/${md5Of(bytes)}.regions_${target}.json`);
      const object = await readHatracObject(standIn, url);
      expect(object.bytes.equals(bytes)).toBe(true);
      expect(object.contentMd5).toBe(Buffer.from(md5Of(bytes), 'hex').toString('base64'));
      expect(object.disposition).toBe(`filename*=UTF-8''${filename}`);
      expect(object.versions).toHaveLength(1);
      // The drawing is the labelme file of what was drawn on this image.
      expect(JSON.parse(object.bytes.toString('utf8'))).toMatchObject({ imagePath: filenameOf(target) });

      const { row, types, links } = await assetRecord(admin, REGION_FILE, url);
      expect(row).toMatchObject({
        URL: url,
        Filename: filename,
        Length: bytes.length,
        MD5: md5Of(bytes),
        Description: `Regions drawn in Satchel on Image ${filenameOf(target)} (${target}).`,
        RCB: 'testadmin',
      });
      expect(types).toEqual(['Output_File', 'Region_File']);
      expect(links).toEqual([{ Execution: execution, Asset_Role: 'Output' }]);
      assetRids.push(String(row.RID));

      // Hatrac heard a HEAD first, then one job: created, one chunk, finalized.
      const traffic = hatracTraffic(log, url);
      expect(traffic.all.map((request) => request.method)).toEqual(['HEAD', 'POST', 'PUT', 'POST']);
      expect([traffic.heads[0]!.status, traffic.jobsCreated.length, traffic.chunks.length]).toEqual([
        404, 1, 1,
      ]);
      expect(traffic.finalized).toHaveLength(1);
    }
    expect(result.inserted[REGION_FILE]!.slice().sort()).toEqual([...assetRids].sort());
    expect(
      await featureRowsOf(admin, REGION_FEATURE, execution, ['Region_File', 'Digit', 'Feature_Name']),
    ).toEqual({
      [first!]: { Region_File: assetRids[0], Digit: '4', Feature_Name: 'Region' },
      [second!]: { Region_File: assetRids[1], Digit: null, Feature_Name: 'Region' },
    });
    expect(
      (await rowsOf(admin, DIGIT, ['Execution', execution])).map((row) => [row.Image, row.Digit]),
    ).toEqual([[labeled, '8']]);
    // The labeling behind the execution spans the drawings and the label: 2 minutes.
    const [row] = await rowsOf(admin, 'deriva-ml:Execution', ['RID', execution]);
    expect(row).toMatchObject({ Status: 'Uploaded', Execution_Duration: formatDuration(120_000) });
    expect(historyOf(standIn, 'deriva-ml:Execution', execution, 'Status_Detail')).toContain(
      'Uploading 2 files and the feature values.',
    );
    // The files went after Pending_Upload and before the feature rows.
    const at = (predicate: (path: string, method: string) => boolean) =>
      log.findIndex((request) => predicate(request.path, request.method));
    const pending = log.findIndex(
      (request) => request.method === 'PUT' && request.body?.includes('"Pending_Upload"') === true,
    );
    const firstUpload = at((where) => where.startsWith('/hatrac/Region_File/'));
    const assetRows = at((where, method) => method === 'POST' && where.includes(`/entity/${REGION_FILE}?`));
    const typeRows = at(
      (where, method) => method === 'POST' && where.includes(`/entity/${REGION_FILE}_Asset_Type?`),
    );
    const linkRows = at(
      (where, method) => method === 'POST' && where.includes(`/entity/${REGION_FILE}_Execution?`),
    );
    const featureRows = at(
      (where, method) => method === 'POST' && where.includes(`/entity/${REGION_FEATURE}?`),
    );
    expect(
      [pending, firstUpload, assetRows, typeRows, linkRows, featureRows].every((index) => index >= 0),
    ).toBe(true);
    expect([pending, firstUpload, assetRows, typeRows, linkRows, featureRows]).toEqual(
      [pending, firstUpload, assetRows, typeRows, linkRows, featureRows].slice().sort((a, b) => a - b),
    );

    // Once more: nothing is sent.
    const again = standIn.requests.length;
    expect(await commit()).toMatchObject({ alreadyCommitted: true, executionRid: execution });
    expect(writesSince(again)).toEqual([]);

    // The preview agrees: both drawings and the label are in the catalog; a redrawn image waits again.
    const catalog = `${admin.url.origin}/ermrest/catalog/${admin.url.catalog}`;
    const states = () =>
      Object.fromEntries(
        planCommit({ db, store: labels, bag, catalog }).drafts.map((draft) => [
          `${draft.key} ${draft.target}`,
          draft.state,
        ]),
      );
    expect(states()).toEqual({
      [`Image/Region ${first}`]: 'committed',
      [`Image/Region ${second}`]: 'committed',
      [`Image/Digit ${labeled}`]: 'committed',
    });
    draw(first!, [box(10, 10, 40, 50, '4')]);
    expect(states()[`Image/Region ${first}`]).toBe('pending');
  });

  it('sends a drawing changed back to an earlier one again: its bytes are already in Hatrac, so the object and asset row are reused and only the links are new', async () => {
    const target = images[3]!;
    const original = [box(10, 10, 40, 50, '2')];
    const firstBytes = draw(target, original);
    const first = await commit();
    const changedBytes = draw(target, [...original, box(60, 60, 90, 90, '2')]);
    const second = await commit();
    regions.undo('ann');
    const start = standIn.requests.length;
    const third = await commit();
    expect(new Set([first.executionRid, second.executionRid, third.executionRid]).size).toBe(3);

    const url = assetUrl(REGION_FILE, firstBytes, `regions_${target}.json`);
    // The undo gave the drawing its first bytes back: HEAD found them, nothing was uploaded again.
    const traffic = hatracTraffic(standIn.requests.slice(start), url);
    expect(traffic.all.map((request) => [request.method, request.status])).toEqual([['HEAD', 200]]);
    expect((await readHatracObject(standIn, url)).versions).toHaveLength(1);
    const { row, types, links } = await assetRecord(admin, REGION_FILE, url);
    expect(types).toEqual(['Output_File', 'Region_File']);
    expect(links).toEqual(
      [first.executionRid, third.executionRid]
        .sort()
        .map((execution) => ({ Execution: execution, Asset_Role: 'Output' })),
    );
    // The third commit reused the first commit's row: it is not among the rows it inserted.
    expect(third.inserted[REGION_FILE]).toBeUndefined();
    expect(first.inserted[REGION_FILE]).toEqual([row.RID]);
    for (const [execution, bytes] of [
      [first.executionRid, firstBytes],
      [second.executionRid, changedBytes],
      [third.executionRid, firstBytes],
    ] as const) {
      const [asset] = await rowsOf(admin, REGION_FILE, [
        'URL',
        assetUrl(REGION_FILE, bytes, `regions_${target}.json`),
      ]);
      expect(await featureRowsOf(admin, REGION_FEATURE, execution, ['Region_File'])).toEqual({
        [target]: { Region_File: asset!.RID },
      });
    }
    expect(repeatedAcknowledged(standIn.requests)).toEqual([]);
  });
});

describe('committing attached files', () => {
  it('uploads identical bytes under one name once: one Hatrac object, one asset row, two feature rows pointing at it', async () => {
    const staged = new StagedFiles(workspace);
    const source = path.join(scratch.dir, `mask ${workspaceCount} (v2).json`);
    fs.writeFileSync(source, `${JSON.stringify({ shapes: [], note: 'the same file for two images' })}\n`);
    const reference = stagedFileReference(staged.attach(source));
    const region = new LabelingSession(bag, labels, 'Image/Region');
    const [a, b] = images.slice(10, 12) as [string, string];
    label(region, [a], { Digit: '3', Region_File: reference });
    label(region, [b], { Digit: '5', Region_File: reference });
    const start = standIn.requests.length;
    const result = await commit();

    const bytes = fs.readFileSync(source);
    const url = assetUrl(REGION_FILE, bytes, path.basename(source));
    // The name is one quoted Hatrac segment: spaces and brackets are %-encoded.
    expect(url).toBe(`/hatrac/Region_File/${md5Of(bytes)}.mask%20${workspaceCount}%20%28v2%29.json`);
    const traffic = hatracTraffic(standIn.requests.slice(start), url);
    expect([traffic.jobsCreated.length, traffic.finalized.length]).toEqual([1, 1]);
    const object = await readHatracObject(standIn, url);
    expect(object.bytes.equals(bytes)).toBe(true);
    expect(object.versions).toHaveLength(1);
    const { row, types, links } = await assetRecord(admin, REGION_FILE, url);
    expect(row).toMatchObject({
      Filename: path.basename(source),
      Length: bytes.length,
      MD5: md5Of(bytes),
      Description: `${path.basename(source)}, attached in Satchel as Region_File of Image/Region for Image ${a} and 1 more.`,
    });
    expect(types).toEqual(['Output_File', 'Region_File']);
    expect(links).toEqual([{ Execution: result.executionRid, Asset_Role: 'Output' }]);
    expect(await featureRowsOf(admin, REGION_FEATURE, result.executionRid, ['Region_File', 'Digit'])).toEqual(
      {
        [a]: { Region_File: row.RID, Digit: '3' },
        [b]: { Region_File: row.RID, Digit: '5' },
      },
    );
    expect(result.inserted[REGION_FILE]).toEqual([row.RID]);
  });

  it('reads a file of several megabytes in pieces: the object, MD5 and length are those of all its bytes', async () => {
    const staged = new StagedFiles(workspace);
    const source = path.join(scratch.dir, `scan ${workspaceCount}.bin`);
    // 2.5 MiB and 3 bytes: two whole megabyte reads, a half and a tail, each position a known byte.
    const bytes = Buffer.alloc(2.5 * 1024 * 1024 + 3);
    for (let index = 0; index < bytes.length; index++) bytes[index] = (index * 31 + (index >> 20)) & 0xff;
    fs.writeFileSync(source, bytes);
    const reference = stagedFileReference(staged.attach(source));
    const target = images[14]!;
    label(new LabelingSession(bag, labels, 'Image/Region'), [target], { Digit: '2', Region_File: reference });
    const result = await commit({ chunkSize: 1024 * 1024 });

    const url = assetUrl(REGION_FILE, bytes, path.basename(source));
    const object = await readHatracObject(standIn, url);
    expect(object.bytes.equals(bytes)).toBe(true);
    expect(object.contentMd5).toBe(Buffer.from(md5Of(bytes), 'hex').toString('base64'));
    const { row } = await assetRecord(admin, REGION_FILE, url);
    expect(row).toMatchObject({ Filename: path.basename(source), Length: 2621443, MD5: md5Of(bytes) });
    expect(await featureRowsOf(admin, REGION_FEATURE, result.executionRid, ['Region_File'])).toEqual({
      [target]: { Region_File: row.RID },
    });
  });

  it('commits to an asset table whose Description is required, as Satchel fills it', async () => {
    const altered = await fetch(
      `${standIn.origin}/ermrest/catalog/1/schema/${facts.schemas.domain}/table/Region_File/column/Description`,
      {
        method: 'PUT',
        headers: { cookie: standIn.login('testadmin'), 'content-type': 'application/json' },
        body: JSON.stringify({ nullok: false }),
      },
    );
    expect(altered.status).toBe(200);
    expect(((await altered.json()) as { nullok: boolean }).nullok).toBe(false);
    const target = images[15]!;
    const bytes = draw(target, [box(12, 12, 48, 60, '6')]);
    const result = await commit();

    const { row } = await assetRecord(
      admin,
      REGION_FILE,
      assetUrl(REGION_FILE, bytes, `regions_${target}.json`),
    );
    expect(row.Description).toBe(`Regions drawn in Satchel on Image ${filenameOf(target)} (${target}).`);
    expect(await featureRowsOf(admin, REGION_FEATURE, result.executionRid, ['Region_File', 'Digit'])).toEqual(
      {
        [target]: { Region_File: row.RID, Digit: '6' },
      },
    );
  });

  it('refuses, sending nothing, a staged file that is gone from the workspace, naming it', async () => {
    const target = images[20]!;
    draw(target, [box(5, 5, 30, 30, '7')]);
    const { sha256 } = regions.store.draft(regions.scope, target)!;
    fs.rmSync(regions.store.content.pathOf(sha256!));
    const start = standIn.requests.length;
    const error = await commit().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(isSatchelError(error)).toBe(true);
    expect((error as Error).message).toBe(
      `The regions drawn on ${target} cannot be committed: ${regions.store.content.pathOf(sha256!)} does not exist.`,
    );
    expect(writesSince(start)).toEqual([]);
  });

  it('refuses, sending nothing, an image with both a drawing and a label of the same feature waiting', async () => {
    const target = images[21]!;
    draw(target, [box(5, 5, 30, 30, '7')]);
    const source = path.join(scratch.dir, 'report.txt');
    fs.writeFileSync(source, 'Looks like a 7.\n');
    const reference = stagedFileReference(new StagedFiles(workspace).attach(source));
    const region = new LabelingSession(bag, labels, 'Image/Region');
    label(region, [target], { Digit: '7', Region_File: reference });
    const start = standIn.requests.length;
    const error = await commit().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toBe(
      `Image ${target} has both regions drawn and a label of Image/Region, and an execution holds one Image/Region row per Image, so nothing was sent: clear one of them (the drawing, or satchel label --clear ${target}) and commit again.`,
    );
    expect(writesSince(start)).toEqual([]);
    // Cleared, the label no longer competes: the drawing is committed.
    labels.clear(region.scope, region.shape, [target], 'ann');
    const result = await commit();
    expect(Object.keys(await featureRowsOf(admin, REGION_FEATURE, result.executionRid, []))).toEqual([
      target,
    ]);
  });
});
