/**
 * Writes a large synthetic DerivaML Format B bag (BagIt 0.97) on the sample world's model (deriva-ml's
 * ML schema and the domain schema `digits`, from main/core/sample), its data generated deterministically
 * from a seed and streamed to disk. `jpegFiles` images, spread evenly over all of them (the first one
 * always among them), have their JPEG on disk; the others are only listed in fetch.txt (a holey bag),
 * with the checksums of the JPEG they would have. `distinctJpegs` JPEGs are rendered; further files
 * repeat their bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeBagMetadata, writeFetchFile, type FetchEntry, type PayloadEntry } from './synthetic/bagit.js';
import { writeFileWithDigest, type FileDigest } from './synthetic/hashing-writer.js';
import { JpegFactory, writeJpegFiles } from './synthetic/jpeg.js';
import { schemaJson } from './synthetic/model.js';
import { planBag, type BagPlan, type ImagePlan, type PlanOptions } from './synthetic/plan.js';
import { imageUrl, writeTables, type ImageDigests } from './synthetic/tables.js';

export interface SyntheticBagOptions {
  images: number;
  /** Rows of Execution_Image_Digit; more than 3 × images adds executions. */
  featureRows: number;
  /** JPEG files actually written under data/asset, spread over the images (default: all images). */
  jpegFiles?: number | 'all';
  /** JPEGs rendered; the other files repeat their bytes (default: one per file). */
  distinctJpegs?: number;
  /** Default: one subject per 5 images. */
  subjects?: number;
  seed?: number;
}

export interface SyntheticBagTable {
  schema: string;
  table: string;
  /** Bag-relative path, e.g. data/digits/Image.csv. */
  path: string;
  /** Data rows (header excluded). */
  rows: number;
}

export interface SyntheticBag {
  bagDir: string;
  /** RID of the root (Complete) dataset. */
  rid: string;
  imageRids: string[];
  executions: string[];
  featureRows: number;
  /** JPEG files present under data/asset, and their total size. */
  assetFiles: number;
  assetBytes: number;
  tables: SyntheticBagTable[];
}

/** fetch.txt URLs use a reserved TLD, so nothing can ever be downloaded from them. */
export const SYNTHETIC_ORIGIN = 'https://synthetic-catalog.invalid';

export async function writeSyntheticBag(dir: string, options: SyntheticBagOptions): Promise<SyntheticBag> {
  const plan = planBag(resolveOptions(options));
  const bagDir = path.join(dir, `Dataset_${plan.root.rid}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(bagDir);

  const jpegDigests = await writeImageJpegs(bagDir, plan);
  const digests: ImageDigests = (i) => jpegDigests[jpegOfImage(plan, i)] ?? missingDigest(i);
  const schemaEntry = writeSchemaJson(bagDir, plan.snaptime);
  const tables = writeTables(bagDir, plan, digests);
  const assets = plan.images.map((image, i): PayloadEntry => ({ path: assetPath(image), ...digests(i) }));
  const fetchDigest = writeFetchFile(bagDir, fetchEntries(plan, digests));
  writeBagMetadata(bagDir, [schemaEntry, ...tables.map(toPayloadEntry), ...assets], fetchDigest);

  return {
    bagDir,
    rid: plan.root.rid,
    imageRids: plan.images.map((image) => image.rid),
    executions: plan.executions.map((execution) => execution.rid),
    featureRows: plan.options.featureRows,
    assetFiles: plan.options.jpegFiles,
    assetBytes: materializedImages(plan).reduce((sum, i) => sum + digests(i).bytes, 0),
    tables: tables.map(({ schema, table, path: bagPath, rows }) => ({ schema, table, path: bagPath, rows })),
  };
}

function resolveOptions(options: SyntheticBagOptions): PlanOptions {
  const { images, featureRows } = options;
  const jpegFiles =
    options.jpegFiles === undefined || options.jpegFiles === 'all' ? images : options.jpegFiles;
  const distinctJpegs = Math.min(options.distinctJpegs ?? jpegFiles, jpegFiles);
  const subjects = options.subjects ?? Math.ceil(images / 5);
  requireInteger('images', images, 1);
  requireInteger('featureRows', featureRows, 0);
  requireInteger('jpegFiles', jpegFiles, 1);
  requireInteger('distinctJpegs', distinctJpegs, 1);
  requireInteger('subjects', subjects, 1);
  if (jpegFiles > images) throw new RangeError(`jpegFiles (${jpegFiles}) exceeds images (${images})`);
  return { images, featureRows, jpegFiles, distinctJpegs, subjects, seed: options.seed ?? 1 };
}

/** Image index of the j-th JPEG file: the files are spread evenly, the first image always has one. */
function materializedImage(plan: BagPlan, j: number): number {
  return Math.floor((j * plan.options.images) / plan.options.jpegFiles);
}

function materializedImages(plan: BagPlan): number[] {
  return Array.from({ length: plan.options.jpegFiles }, (_, j) => materializedImage(plan, j));
}

/** The rendered JPEG whose bytes image i has (on disk) or stands for (in fetch.txt). */
function jpegOfImage(plan: BagPlan, i: number): number {
  const { images, jpegFiles, distinctJpegs } = plan.options;
  const j = Math.ceil((i * jpegFiles) / images);
  return (materializedImage(plan, j) === i ? j : i) % distinctJpegs;
}

function requireInteger(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum)
    throw new RangeError(`${name} must be an integer >= ${minimum}, got ${value}`);
}

function missingDigest(index: number): never {
  throw new Error(`no JPEG digest for image ${index}`);
}

function assetPath(image: ImagePlan): string {
  return `data/asset/${image.rid}/Image/${image.filename}`;
}

/**
 * Renders the distinct JPEGs into the first asset files, copies their bytes into the others; returns the
 * digest of each distinct JPEG.
 */
async function writeImageJpegs(bagDir: string, plan: BagPlan): Promise<FileDigest[]> {
  const fileOf = (j: number): string => {
    const image = plan.images[materializedImage(plan, j)];
    if (!image) throw new Error(`no image for JPEG file ${j}`);
    return path.join(bagDir, ...assetPath(image).split('/'));
  };
  const { distinctJpegs, jpegFiles } = plan.options;
  const digests = await writeJpegFiles(new JpegFactory(plan.options.seed), distinctJpegs, fileOf);
  for (let j = distinctJpegs; j < jpegFiles; j++) {
    fs.mkdirSync(path.dirname(fileOf(j)), { recursive: true });
    fs.copyFileSync(fileOf(j % distinctJpegs), fileOf(j), fs.constants.COPYFILE_EXCL);
  }
  return digests;
}

function writeSchemaJson(bagDir: string, snaptime: string): PayloadEntry {
  const relative = 'data/schema.json';
  fs.mkdirSync(path.join(bagDir, 'data'), { recursive: true });
  return { path: relative, ...writeFileWithDigest(path.join(bagDir, relative), schemaJson(snaptime)) };
}

function* fetchEntries(plan: BagPlan, digests: ImageDigests): Generator<FetchEntry> {
  for (const [i, image] of plan.images.entries()) {
    const digest = digests(i);
    yield { url: SYNTHETIC_ORIGIN + imageUrl(image, digest), bytes: digest.bytes, path: assetPath(image) };
  }
}

function toPayloadEntry(entry: PayloadEntry): PayloadEntry {
  return { path: entry.path, bytes: entry.bytes, md5: entry.md5, sha256: entry.sha256 };
}
