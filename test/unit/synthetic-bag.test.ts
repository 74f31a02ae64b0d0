import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticBag, type SyntheticBag } from '../../bench/synthetic-bag.js';
import { openBag } from '../../main/core/bag/index.js';
import { generatedBags } from '../support/bags.js';

// Independent checks: every expectation is recomputed from the files with node:crypto and a local CSV
// reader, or compared with the sample world's bag that test/support/generated writes for this run.

type Row = Record<string, string | null>;

interface SchemaDocument {
  snaptime: string;
  schemas: Record<string, { tables: Record<string, { column_definitions: { name: string }[] }> }>;
}

function hashFile(file: string, algorithm: 'md5' | 'sha256'): string {
  return createHash(algorithm).update(fs.readFileSync(file)).digest('hex');
}

/** RFC 4180 with ERMrest's NULL rule: an unquoted empty field is null. */
function readCsv(file: string): Row[] {
  const text = fs.readFileSync(file, 'utf8');
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
      wasQuoted = true;
    } else if (!quoted && (char === ',' || char === '\n')) {
      record.push(field === '' && !wasQuoted ? null : field);
      field = '';
      wasQuoted = false;
      if (char === '\n') {
        records.push(record);
        record = [];
      }
    } else field += char;
  }
  const [header = [], ...rows] = records;
  return rows.map((values) => Object.fromEntries(header.map((name, i) => [String(name), values[i] ?? null])));
}

function columnsOf(file: string): string[] {
  return (fs.readFileSync(file, 'utf8').split('\n', 1)[0] ?? '').split(',');
}

function lineCount(file: string): number {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '').length;
}

/** `<hash>  <path>` (payload) or `<hash> <path>` (tag) lines → path → hash. */
function readManifest(file: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+) +(.+)$/.exec(line);
    if (match?.[1] && match[2]) entries.set(match[2], match[1]);
  }
  return entries;
}

function readFetch(file: string): { url: string; length: number; path: string }[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [url = '', length = '', bagPath = ''] = line.split('\t');
      return { url, length: Number(length), path: bagPath };
    });
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

function column(rows: Row[], name: string): (string | null)[] {
  return rows.map((row) => row[name] ?? null);
}

describe('writeSyntheticBag', () => {
  let dir = '';
  let bag: SyntheticBag;
  const csv = (schema: string, table: string): Row[] =>
    readCsv(path.join(bag.bagDir, 'data', schema, `${table}.csv`));
  const bagFile = (relative: string): string => path.join(bag.bagDir, ...relative.split('/'));

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthetic-bag-'));
    bag = await writeSyntheticBag(dir, { images: 50, featureRows: 120, jpegFiles: 10, seed: 42 });
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names the bag after the root dataset and writes BagIt 0.97 declarations', () => {
    expect(path.basename(bag.bagDir)).toBe(`Dataset_${bag.rid}`);
    expect(bag.rid).toMatch(/^[0-9A-Z]+(-[0-9A-Z]{4})*$/);
    expect(fs.readFileSync(bagFile('bagit.txt'), 'utf8')).toBe(
      'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n',
    );
  });

  it('has payload manifests whose checksums match every file on disk', () => {
    const md5 = readManifest(bagFile('manifest-md5.txt'));
    const sha256 = readManifest(bagFile('manifest-sha256.txt'));
    expect([...sha256.keys()]).toEqual([...md5.keys()]);
    const onDisk = filesUnder(path.join(bag.bagDir, 'data')).map((file) =>
      path.relative(bag.bagDir, file).split(path.sep).join('/'),
    );
    expect(onDisk.length).toBe(1 + bag.tables.length + 10);
    for (const relative of onDisk) {
      expect(md5.get(relative), relative).toBe(hashFile(bagFile(relative), 'md5'));
      expect(sha256.get(relative), relative).toBe(hashFile(bagFile(relative), 'sha256'));
    }
    expect(md5.size).toBe(1 + bag.tables.length + 50);
  });

  it('lists the unfetched images with the checksum, length and URL of the JPEG they stand for', () => {
    const md5 = readManifest(bagFile('manifest-md5.txt'));
    const images = new Map(csv('digits', 'Image').map((row) => [row.RID, row]));
    for (const entry of readFetch(bagFile('fetch.txt'))) {
      const rid = entry.path.split('/')[2] ?? '';
      const image = images.get(rid);
      expect(image, entry.path).toBeDefined();
      expect(md5.get(entry.path)).toBe(image?.MD5);
      expect(entry.length).toBe(Number(image?.Length));
      expect(entry.url.endsWith(String(image?.URL))).toBe(true);
      expect(image?.URL).toBe(`/hatrac/Image/${image?.MD5}.${image?.Filename}:${image?.URL?.split(':')[1]}`);
    }
  });

  it('states a Payload-Oxum that counts every manifest entry, fetched or not', () => {
    const fetchLengths = new Map(readFetch(bagFile('fetch.txt')).map((entry) => [entry.path, entry.length]));
    const entries = [...readManifest(bagFile('manifest-md5.txt')).keys()];
    const bytes = entries.reduce((sum, relative) => {
      const file = bagFile(relative);
      return sum + (fs.existsSync(file) ? fs.statSync(file).size : (fetchLengths.get(relative) ?? NaN));
    }, 0);
    const bagInfo = fs.readFileSync(bagFile('bag-info.txt'), 'utf8');
    expect(bagInfo).toContain(`\nPayload-Oxum: ${bytes}.${entries.length}\n`);
    expect(bagInfo).toContain(
      'BagIt-Profile-Identifier: https://raw.githubusercontent.com/informatics-isi-edu/',
    );
  });

  it('has tag manifests that match the tag files', () => {
    for (const algorithm of ['md5', 'sha256'] as const) {
      const manifest = readManifest(bagFile(`tagmanifest-${algorithm}.txt`));
      expect([...manifest.keys()].sort()).toEqual(
        ['bag-info.txt', 'bagit.txt', 'fetch.txt', 'manifest-md5.txt', 'manifest-sha256.txt'].sort(),
      );
      for (const [name, hash] of manifest) expect(hash, name).toBe(hashFile(bagFile(name), algorithm));
    }
  });

  it('lists all 50 images in fetch.txt and materializes exactly 10 distinct 640×480 JPEGs', async () => {
    const fetch = readFetch(bagFile('fetch.txt'));
    expect(fetch.map((entry) => entry.path.split('/')[2])).toEqual(bag.imageRids);
    for (const entry of fetch) expect(entry.path).toMatch(/^data\/asset\/[0-9A-Z-]+\/Image\/[^/]+\.jpg$/);
    const present = fetch.filter((entry) => fs.existsSync(bagFile(entry.path)));
    expect(present.length).toBe(10);
    expect(filesUnder(path.join(bag.bagDir, 'data', 'asset')).length).toBe(10);
    expect(bag.assetFiles).toBe(10);
    expect(bag.assetBytes).toBe(
      present.reduce((sum, entry) => sum + fs.statSync(bagFile(entry.path)).size, 0),
    );
    expect(new Set(present.map((entry) => hashFile(bagFile(entry.path), 'md5'))).size).toBe(10);
    for (const entry of present) {
      const metadata = await sharp(bagFile(entry.path)).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['jpeg', 640, 480]);
      expect(entry.length).toBeGreaterThan(15_000);
      expect(entry.length).toBeLessThan(80_000);
    }
  });

  it('writes the sample world model as schema.json, at its own snaptime', () => {
    const readSchema = (bagDir: string) =>
      JSON.parse(fs.readFileSync(path.join(bagDir, 'data', 'schema.json'), 'utf8')) as SchemaDocument;
    const world = readSchema(generatedBags().formatB);
    const written = readSchema(bag.bagDir);
    expect(written.snaptime).toMatch(/^[0-9A-Z]+(-[0-9A-Z]{4})+$/);
    expect(written.snaptime).not.toBe(world.snaptime);
    expect({ ...written, snaptime: world.snaptime }).toEqual(world);
    expect(Object.keys(written.schemas).sort()).toEqual(['deriva-ml', 'digits', 'public']);
  });

  it('writes one CSV per table with rows, each headed by its columns in schema.json', () => {
    const schema = JSON.parse(fs.readFileSync(bagFile('data/schema.json'), 'utf8')) as SchemaDocument;
    const csvFiles = filesUnder(path.join(bag.bagDir, 'data'))
      .map((file) => path.relative(path.join(bag.bagDir, 'data'), file).split(path.sep).join('/'))
      .filter((relative) => relative.endsWith('.csv'))
      .sort();
    expect(csvFiles).toEqual([
      ...['Asset_Role', 'Asset_Type', 'Dataset', 'Dataset_Dataset', 'Dataset_Dataset_Type'].map(
        (table) => `deriva-ml/${table}.csv`,
      ),
      ...['Dataset_Execution', 'Dataset_Type', 'Dataset_Version', 'Execution', 'Execution_Status'].map(
        (table) => `deriva-ml/${table}.csv`,
      ),
      'deriva-ml/Feature_Name.csv',
      'deriva-ml/Workflow.csv',
      ...['Dataset_Image', 'Digit', 'Execution_Image_Digit', 'Handedness', 'Image', 'Image_Asset_Type'].map(
        (table) => `digits/${table}.csv`,
      ),
      'digits/Image_Quality.csv',
      'digits/Stroke_Width.csv',
      'digits/Subject.csv',
    ]);
    expect(bag.tables.map((table) => table.path)).toEqual(csvFiles.map((relative) => `data/${relative}`));
    for (const relative of csvFiles) {
      const [schemaName = '', file = ''] = relative.split('/');
      const definition = schema.schemas[schemaName]?.tables[file.replace(/\.csv$/, '')];
      const header = fs.readFileSync(bagFile(`data/${relative}`), 'utf8').split('\n', 1)[0];
      expect(header, relative).toBe(definition?.column_definitions.map((column) => column.name).join(','));
    }
  });

  it('holds the sample world vocabularies, terms, descriptions and synonyms alike', () => {
    const vocabularies = bag.tables.filter((table) => columnsOf(bagFile(table.path)).includes('Synonyms'));
    expect(vocabularies.map((table) => table.table).sort()).toEqual(
      [
        'Asset_Role',
        'Asset_Type',
        'Dataset_Type',
        'Digit',
        'Execution_Status',
        'Feature_Name',
        'Handedness',
        'Image_Quality',
        'Stroke_Width',
      ].sort(),
    );
    const terms = (file: string) =>
      readCsv(file).map((row) => [row.Name, row.Description, row.Synonyms] as const);
    for (const table of vocabularies) {
      const world = path.join(generatedBags().formatB, ...table.path.split('/'));
      expect(terms(bagFile(table.path)), table.path).toEqual(terms(world));
      for (const row of readCsv(bagFile(table.path))) {
        expect(row.ID).toBe(`sample:${row.RID}`);
        expect(row.URI).toBe(`/id/${row.RID}`);
      }
    }
    const digits = readCsv(bagFile('data/digits/Digit.csv'));
    expect(column(digits, 'Name')).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(digits[0]?.Synonyms).toBe('{Zero}');
    const quality = readCsv(bagFile('data/digits/Image_Quality.csv'));
    expect(quality.find((row) => row.Name === 'Blurry')?.Synonyms).toBe('{Out_of_focus,Smudged}');
    expect(quality.find((row) => row.Name === 'Good')?.Synonyms).toBeNull();
  });

  it('writes CSVs with the expected row counts', () => {
    const expected: Record<string, number> = {
      'data/digits/Image.csv': 50,
      'data/digits/Image_Asset_Type.csv': 50,
      'data/digits/Dataset_Image.csv': 50,
      'data/digits/Subject.csv': 10,
      'data/digits/Execution_Image_Digit.csv': 120,
      'data/digits/Digit.csv': 10,
      'data/deriva-ml/Dataset.csv': 3,
      'data/deriva-ml/Dataset_Version.csv': 3,
      'data/deriva-ml/Dataset_Dataset.csv': 2,
      'data/deriva-ml/Dataset_Dataset_Type.csv': 3,
      'data/deriva-ml/Execution.csv': 3,
      'data/deriva-ml/Workflow.csv': 2,
    };
    for (const [relative, rows] of Object.entries(expected))
      expect(lineCount(bagFile(relative)) - 1, relative).toBe(rows);
    for (const table of bag.tables)
      expect(csv(table.schema, table.table).length, table.path).toBe(table.rows);
  });

  it('keeps the feature unique key (Execution, Image, Feature_Name) and valid references', () => {
    const features = csv('digits', 'Execution_Image_Digit');
    const keys = features.map((row) => `${row.Execution}|${row.Image}|${row.Feature_Name}`);
    expect(new Set(keys).size).toBe(120);
    expect(new Set(column(features, 'Execution'))).toEqual(new Set(bag.executions));
    const images = new Set(bag.imageRids);
    const digits = new Set(column(csv('digits', 'Digit'), 'Name'));
    expect(column(csv('deriva-ml', 'Feature_Name'), 'Name')).toContain('Digit');
    for (const row of features) {
      expect(images.has(String(row.Image))).toBe(true);
      expect(digits.has(row.Digit ?? null)).toBe(true);
      expect(row.Feature_Name).toBe('Digit');
      if (row.Confidence !== null) expect(Number(row.Confidence)).toBeGreaterThan(0);
    }
    const executions = csv('deriva-ml', 'Execution');
    expect(column(executions, 'Status')).toEqual(['Uploaded', 'Uploaded', 'Uploaded']);
    expect(column(csv('deriva-ml', 'Execution_Status'), 'Name')).toContain('Uploaded');
    const subjects = new Set(column(csv('digits', 'Subject'), 'RID'));
    for (const image of csv('digits', 'Image')) expect(subjects.has(image.Subject ?? null)).toBe(true);
  });

  it('gives every row a unique RID', () => {
    const rids = bag.tables.flatMap((table) => column(csv(table.schema, table.table), 'RID'));
    expect(rids.length).toBe(bag.tables.reduce((sum, table) => sum + table.rows, 0));
    expect(new Set(rids).size).toBe(rids.length);
    for (const rid of rids) expect(rid).toMatch(/^[0-9A-Z]+(-[0-9A-Z]+)*$/);
  });

  it('nests Training and Testing under a Complete root and splits the images about 2/3 to 1/3', () => {
    const types = new Map(
      csv('deriva-ml', 'Dataset_Dataset_Type').map((row) => [row.Dataset, row.Dataset_Type]),
    );
    expect(types.get(bag.rid)).toBe('Complete');
    const children = csv('deriva-ml', 'Dataset_Dataset').filter((row) => row.Dataset === bag.rid);
    const childRids = column(children, 'Nested_Dataset');
    expect(childRids.map((rid) => types.get(rid)).sort()).toEqual(['Testing', 'Training']);
    const members = csv('digits', 'Dataset_Image');
    expect(column(members, 'Image').sort()).toEqual([...bag.imageRids].sort());
    const training = members.filter((row) => types.get(row.Dataset) === 'Training').length;
    expect(training / 50).toBeGreaterThan(0.55);
    expect(training / 50).toBeLessThan(0.8);
    const versions = csv('deriva-ml', 'Dataset_Version');
    expect(column(versions, 'Version')).toEqual(['1.0.0', '1.0.0', '1.0.0']);
    // deriva-ml stamps a version's Snapshot only after its bag is taken.
    expect(column(versions, 'Snapshot')).toEqual([null, null, null]);
    const versionRids = new Map(versions.map((row) => [row.RID, row.Dataset]));
    for (const dataset of csv('deriva-ml', 'Dataset'))
      expect(versionRids.get(dataset.Version)).toBe(dataset.RID);
  });

  it('opens in Satchel with its 50 Image members, the Image/Digit feature and the Digit terms', async () => {
    const workspace = path.join(dir, 'workspace');
    fs.mkdirSync(workspace);
    const opened = await openBag(bag.bagDir, { workspace });
    try {
      expect(opened.rid).toBe(bag.rid);
      expect(opened.memberCount(bag.rid, opened.elementType('Image'), true)).toBe(50);
      const digit = opened.featureDefinitions().find((feature) => feature.name === 'Digit');
      expect(digit?.target).toBe('Image');
      expect(digit?.rows).toBe(120);
      expect(digit?.terms.map((term) => term.column)).toEqual(['Digit']);
      expect(digit?.values.map((value) => value.column)).toEqual(['Confidence']);
      const terms = opened.vocabularyTerms('digits:Digit');
      expect(terms.map((term) => term.synonyms)).toEqual([
        ['Zero'],
        ['One'],
        ['Two'],
        ['Three'],
        ['Four'],
        ['Five'],
        ['Six'],
        ['Seven'],
        ['Eight'],
        ['Nine'],
      ]);
    } finally {
      opened.close();
    }
  });

  it('is deterministic for a seed', async () => {
    const again = await writeSyntheticBag(path.join(dir, 'again'), {
      images: 50,
      featureRows: 120,
      jpegFiles: 10,
      seed: 42,
    });
    const other = await writeSyntheticBag(path.join(dir, 'other'), {
      images: 50,
      featureRows: 120,
      jpegFiles: 10,
      seed: 43,
    });
    const manifest = (bagDir: string): string =>
      fs.readFileSync(path.join(bagDir, 'manifest-sha256.txt'), 'utf8');
    expect(manifest(again.bagDir)).toBe(manifest(bag.bagDir));
    expect(manifest(other.bagDir)).not.toBe(manifest(bag.bagDir));
  });

  it('adds executions when more feature rows are asked for than three per image', async () => {
    const dense = await writeSyntheticBag(path.join(dir, 'dense'), {
      images: 10,
      featureRows: 45,
      jpegFiles: 1,
      seed: 5,
    });
    expect(dense.executions.length).toBe(5);
    const features = readCsv(path.join(dense.bagDir, 'data', 'digits', 'Execution_Image_Digit.csv'));
    expect(new Set(features.map((row) => `${row.Execution}|${row.Image}|${row.Feature_Name}`)).size).toBe(45);
    expect(readCsv(path.join(dense.bagDir, 'data', 'deriva-ml', 'Execution.csv')).length).toBe(5);
  });

  it('spreads the JPEG files over the images, the first among them, and repeats the rendered ones', async () => {
    const spread = await writeSyntheticBag(path.join(dir, 'spread'), {
      images: 40,
      featureRows: 40,
      jpegFiles: 8,
      distinctJpegs: 3,
      seed: 6,
    });
    const root = (relative: string) => path.join(spread.bagDir, ...relative.split('/'));
    const fetch = readFetch(root('fetch.txt'));
    const present = fetch.flatMap((entry, index) => (fs.existsSync(root(entry.path)) ? [index] : []));
    expect(present).toEqual([0, 5, 10, 15, 20, 25, 30, 35]);
    const md5 = readManifest(root('manifest-md5.txt'));
    const onDisk = present.map((index) => hashFile(root(fetch[index]!.path), 'md5'));
    expect(onDisk).toEqual(present.map((index) => md5.get(fetch[index]!.path)));
    expect(new Set(onDisk).size).toBe(3);
    expect(spread.assetFiles).toBe(8);
    expect(spread.assetBytes).toBe(
      present.reduce((sum, index) => sum + fs.statSync(root(fetch[index]!.path)).size, 0),
    );
  });
});
