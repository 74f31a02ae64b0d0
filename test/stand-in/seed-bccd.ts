// The "bccd" catalog rebuilt from the fixture bag (fixtures/README.md): model, rows with their original
// RIDs, images in Hatrac, release 1.0.0, then the 1.1.0 changes (10 duplicate images, 2 subjects).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRid } from './base32.js';
import { parseCsv } from './csv.js';
import type { CatalogHandle, StandIn } from './index.js';
import { loadRows, type SchemaDocument } from './load-rows.js';

type SchemaJson = SchemaDocument;

/** One row of a bag CSV, values as CSV text (null = empty field). */
export interface BagRow {
  table: string;
  rid: string;
  sequence: number;
  values: Record<string, string | null>;
}

const DATASETS = { complete: '58A', training: '58C', testing: '58E' };
const OWNER = 'testadmin';

/** `$SATCHEL_FIXTURES`, else `../shared/fixtures` beside the repository (`none` hides them). */
export function defaultFixturesDir(): string {
  if (process.env.SATCHEL_FIXTURES) return path.resolve(process.env.SATCHEL_FIXTURES);
  let folder = path.dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = path.join(folder, '..', 'shared', 'fixtures');
    if (fs.existsSync(candidate)) return path.resolve(candidate);
    folder = path.dirname(folder);
  }
  return path.resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..', 'shared', 'fixtures');
}

export const bccdBagDir = (fixturesDir: string): string =>
  path.join(fixturesDir, 'bags', 'bccd', 'Dataset_58A');
export const hasBccdFixtures = (fixturesDir: string): boolean =>
  fs.existsSync(path.join(bccdBagDir(fixturesDir), 'data', 'schema.json'));

const readSchemaJson = (fixturesDir: string): SchemaJson & Record<string, unknown> =>
  JSON.parse(
    fs.readFileSync(path.join(bccdBagDir(fixturesDir), 'data', 'schema.json'), 'utf8'),
  ) as SchemaJson & Record<string, unknown>;

/** The bccd model as a POST /schema document (the `public` schema exists in every catalog already). */
export function bccdModelDocument(fixturesDir: string): { schemas: Record<string, unknown> } {
  const schemas: Record<string, unknown> = { ...readSchemaJson(fixturesDir).schemas };
  delete schemas.public;
  return { schemas };
}

/** Every row of the bag's CSVs, in RID order (the order the real catalog created them). */
export function readBagRows(fixturesDir: string): BagRow[] {
  const dataDir = path.join(bccdBagDir(fixturesDir), 'data');
  const rows: BagRow[] = [];
  for (const schema of fs.readdirSync(dataDir)) {
    const schemaDir = path.join(dataDir, schema);
    if (schema === 'asset' || !fs.statSync(schemaDir).isDirectory()) continue;
    for (const file of fs.readdirSync(schemaDir).filter((name) => name.endsWith('.csv'))) {
      const [header = [], ...records] = parseCsv(fs.readFileSync(path.join(schemaDir, file), 'utf8'));
      for (const record of records) {
        const values = Object.fromEntries(header.map((name, index) => [name ?? '', record[index] ?? null]));
        const rid = values.RID!;
        rows.push({ table: `${schema}:${file.slice(0, -4)}`, rid, sequence: decodeRid(rid)!, values });
      }
    }
  }
  return rows.sort((a, b) => a.sequence - b.sequence);
}

export function createBccdCatalog(standIn: StandIn, id = '1'): CatalogHandle {
  return standIn.createCatalog({
    id,
    owner: [OWNER],
    name: 'bccd',
    description: 'BCCD blood-cell labeling (deriva-ml fixture catalog)',
    acls: { select: ['testuser'], enumerate: ['testuser'] },
  });
}

/**
 * Loads the bag's rows with their original system columns (one committed write), skipping RIDs already
 * present and, with `below`, rows created at or after that RID; asset rows also get their bytes in
 * Hatrac at their URL's version.
 */
export function loadBagRows(
  standIn: StandIn,
  catalog: CatalogHandle,
  options: { below?: string } = {},
): BagRow[] {
  const limit = options.below === undefined ? Number.POSITIVE_INFINITY : decodeRid(options.below)!;
  const pending = readBagRows(standIn.fixturesDir).filter(
    (row) => row.sequence < limit && !catalog.hasRow(row.table, row.rid),
  );
  loadRows(catalog, pending, readSchemaJson(standIn.fixturesDir), OWNER);
  for (const row of pending) putAsset(standIn, row);
  return pending;
}

/** Puts an asset row's bytes (data/asset/<RID>/<Table>/<Filename>) at its URL, keeping the URL's version id. */
function putAsset(standIn: StandIn, row: BagRow): void {
  const url = row.values.URL;
  const filename = row.values.Filename;
  if (!url?.startsWith('/hatrac/') || !filename) return;
  const file = path.join(
    bccdBagDir(standIn.fixturesDir),
    'data',
    'asset',
    row.rid,
    row.table.split(':')[1]!,
    filename,
  );
  if (!fs.existsSync(file)) return;
  const [objectPath, version] = url.split(':') as [string, string | undefined];
  standIn.putObject(objectPath, fs.readFileSync(file), {
    version,
    contentType: contentTypeOf(filename),
    contentDisposition: `filename*=UTF-8''${encodeURIComponent(filename)}`,
    owner: [OWNER],
  });
}

const contentTypeOf = (filename: string): string =>
  /\.jpe?g$/i.test(filename)
    ? 'image/jpeg'
    : /\.json$/i.test(filename)
      ? 'application/json'
      : 'application/octet-stream';

/** deriva-ml's release sequence: stamp the current catalog snaptime on version rows still lacking one. */
export function stampSnapshot(catalog: CatalogHandle, versionRids: string[]): string {
  const snaptime = catalog.snaptime();
  catalog.updateRows(
    'deriva-ml:Dataset_Version',
    ['RID'],
    versionRids.map((RID) => ({ RID, Snapshot: snaptime })),
    { as: OWNER },
  );
  return snaptime;
}

/** The 1.1.0 release: 2 subjects, 10 byte-identical duplicates of Training images added to Training, new version rows. */
export function applyBccd110(standIn: StandIn, catalog: CatalogHandle): string {
  const bagRows = readBagRows(standIn.fixturesDir);
  const images = bagRows.filter((row) => row.table === 'hematology:Image');
  const subjects = catalog.insertRows('hematology:Subject', [
    { Name: 'BCCD-P061', Age: 47 },
    { Name: 'BCCD-P062', Age: null },
  ]);
  const sources = ['00013', '00015', '00092', '00135', '00160', '00168', '00192', '00203', '00338', '00403'];
  const duplicates = sources.map((number, index) => {
    const source = images.find((row) => row.values.Filename === `BloodImage_${number}.jpg`)!;
    const filename = `BloodImage_${number}_dup.jpg`;
    const bytes = fs.readFileSync(
      path.join(
        bccdBagDir(standIn.fixturesDir),
        'data',
        'asset',
        source.rid,
        'Image',
        source.values.Filename!,
      ),
    );
    const md5 = crypto.createHash('md5').update(bytes).digest('hex');
    const url = standIn.putObject(`/hatrac/Image/${md5}.${filename}`, bytes, {
      contentType: 'image/jpeg',
      contentDisposition: `filename*=UTF-8''${filename}`,
      owner: [OWNER],
    });
    return {
      URL: url,
      Filename: filename,
      Description: `Re-imaged copy of ${source.values.Filename}`,
      Length: bytes.length,
      MD5: md5,
      Width: source.values.Width,
      Height: source.values.Height,
      Acquisition_Date: source.values.Acquisition_Date,
      Subject: subjects[index < 5 ? 0 : 1]!.RID,
    };
  });
  const added = catalog.insertRows('hematology:Image', duplicates);
  catalog.insertRows(
    'hematology:Image_Asset_Type',
    added.map((image) => ({ Image: image.RID, Asset_Type: 'Image' })),
  );
  catalog.insertRows(
    'hematology:Dataset_Image',
    added.map((image) => ({ Dataset: DATASETS.training, Image: image.RID })),
  );
  catalog.setNextRid('7C4');
  const description = 'Added 10 images (2 new subjects) to Training.';
  const versions = catalog.insertRows(
    'deriva-ml:Dataset_Version',
    Object.values(DATASETS).map((Dataset) => ({
      Dataset,
      Version: '1.1.0',
      Description: description,
      Execution: null,
    })),
  );
  catalog.updateRows(
    'deriva-ml:Dataset',
    ['RID'],
    versions.map((version) => ({ RID: version.Dataset, Version: version.RID })),
  );
  return stampSnapshot(
    catalog,
    versions.map((version) => String(version.RID)),
  );
}

/** Seed 'bccd': catalog 1 with versions 1.0.0 (300 images) and 1.1.0 (310 images). */
export async function seedBccd(standIn: StandIn): Promise<void> {
  if (!hasBccdFixtures(standIn.fixturesDir))
    throw new Error(`The bccd seed needs the fixtures at ${standIn.fixturesDir}.`);
  const catalog = createBccdCatalog(standIn);
  catalog.defineModel(bccdModelDocument(standIn.fixturesDir));
  const loaded = loadBagRows(standIn, catalog);
  stampSnapshot(
    catalog,
    loaded
      .filter((row) => row.table === 'deriva-ml:Dataset_Version' && row.values.Snapshot === null)
      .map((row) => row.rid),
  );
  applyBccd110(standIn, catalog);
}
