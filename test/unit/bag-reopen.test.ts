import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBag, type Bag } from '../../main/core/bag/index.js';
import { writeSyntheticBag } from '../../bench/synthetic-bag.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

/**
 * What reopening an imported bag relies on instead of reading it again: the database key from the
 * tag files' identity, the materialization seen at import, the member counts made at import and the
 * first pages of members read with LIMIT.
 */
let scratch: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  scratch = temporaryDirectory();
});
afterEach(() => scratch.cleanup());

const workspace = () => path.join(scratch.dir, 'workspace');

function copyBag(source: string): string {
  const target = path.join(scratch.dir, 'bags', path.basename(source));
  fs.cpSync(source, target, { recursive: true });
  return target;
}

async function databaseOf(bag: string): Promise<string> {
  const opened = await openBag(bag, { workspace: workspace() });
  opened.close();
  return opened.identity.databasePath;
}

describe('the bag database key', () => {
  it('is the same for an unchanged bag and new when a tag file is rewritten, even to the same size and time', async () => {
    const bag = copyBag(generatedBags().holey);
    const first = await databaseOf(bag);
    expect(await databaseOf(bag)).toBe(first);
    const fetchFile = path.join(bag, 'fetch.txt');
    const { atime, mtime, size } = fs.statSync(fetchFile);
    const text = fs.readFileSync(fetchFile, 'utf8');
    // Same length, other bytes, and the old modification time put back: the change time still moves.
    fs.writeFileSync(fetchFile, text.replace('https://', 'HTTPS://'));
    fs.utimesSync(fetchFile, atime, mtime);
    expect(fs.statSync(fetchFile).size).toBe(size);
    const changed = await databaseOf(bag);
    expect(changed).not.toBe(first);
    expect(fs.readdirSync(path.join(workspace(), 'databases')).sort()).toEqual(
      [path.basename(first), path.basename(changed)].sort(),
    );
  });
});

describe('materialization as seen at import', () => {
  it('a holey bag stays not materialized until the last missing file arrives', async () => {
    const { holey, formatB } = generatedBags();
    const bag = copyBag(holey);
    const open = () => openBag(bag, { workspace: workspace() });
    let opened = await open();
    expect(opened.inspect().materialized).toBe(false);
    const missing = fs
      .readdirSync(path.join(formatB, 'data', 'asset'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(formatB, path.join(entry.parentPath, entry.name)));
    expect(missing.length).toBeGreaterThan(1);
    const copyIn = (relative: string) => {
      fs.mkdirSync(path.dirname(path.join(bag, relative)), { recursive: true });
      fs.copyFileSync(path.join(formatB, relative), path.join(bag, relative));
    };
    const [first, ...rest] = missing.sort();
    copyIn(first!);
    opened.close();
    opened = await open();
    expect(opened.inspect().materialized).toBe(false);
    for (const relative of rest) copyIn(relative);
    opened.close();
    opened = await open();
    expect(opened.inspect().materialized).toBe(true);
    expect(opened.isMaterialized()).toBe(true);
    opened.close();
  });

  it('a bag complete at import counts as complete until every file is looked at again', async () => {
    const bag = copyBag(generatedBags().formatB);
    const opened = await openBag(bag, { workspace: workspace() });
    opened.close();
    const asset = fs
      .readdirSync(path.join(bag, 'data', 'asset'), { recursive: true, withFileTypes: true })
      .find((entry) => entry.isFile())!;
    fs.rmSync(path.join(asset.parentPath, asset.name));
    const reopened = await openBag(bag, { workspace: workspace() });
    expect(reopened.identity.databasePath).toBe(opened.identity.databasePath);
    expect(reopened.inspect().materialized).toBe(true);
    expect(reopened.isMaterialized()).toBe(false);
    reopened.close();
  });
});

describe('member counts and first pages', () => {
  let bag: Bag;
  let rid: string;
  beforeEach(async () => {
    const synthetic = await writeSyntheticBag(path.join(scratch.dir, 'synthetic'), {
      images: 3000,
      featureRows: 3000,
      jpegFiles: 1,
      seed: 9,
    });
    rid = synthetic.rid;
    bag = await openBag(synthetic.bagDir, { workspace: workspace() });
  });
  afterEach(() => bag.close());

  /** The same request through an ordered selection: a filter every member passes forces one. */
  const throughSelection = (datasetRid: string, request: Parameters<Bag['members']>[1]) =>
    bag.members(datasetRid, { ...request, filters: [{ column: 'RID', contains: '' }] });

  it('counted at import as a live count counts them, for every dataset, directly and recursively', () => {
    const type = bag.elementType('Image');
    const datasets = bag.datasets();
    expect(datasets.map((dataset) => dataset.members.Image)).toEqual([0, 2000, 1000]);
    for (const dataset of datasets) {
      for (const recurse of [false, true]) {
        const live = throughSelection(dataset.rid, { elementType: 'Image', recurse, limit: 1 }).total;
        expect([dataset.rid, recurse, bag.memberCount(dataset.rid, type, recurse)]).toEqual([
          dataset.rid,
          recurse,
          live,
        ]);
      }
    }
    expect(bag.memberCount(rid, type, true)).toBe(3000);
  });

  it('read with LIMIT, the first pages hold what the ordered selection holds', () => {
    for (const dataset of bag.datasets()) {
      for (const recurse of [false, true]) {
        for (const [offset, limit] of [
          [0, 100],
          [100, 100],
          [1500, 200],
          [2950, 100],
        ] as const) {
          const request = { elementType: 'Image', recurse, offset, limit };
          const page = bag.members(dataset.rid, request);
          const expected = throughSelection(dataset.rid, request);
          expect(page.total).toBe(expected.total);
          expect(page.offset).toBe(offset);
          expect(page.rows).toEqual(expected.rows);
        }
      }
    }
    const first = bag.members(rid, { elementType: 'Image', recurse: true, limit: 3 });
    expect(first.rows.map((row) => row.RID)).toEqual(bag.memberRids(rid, 'Image', true).slice(0, 3));
  });
});
