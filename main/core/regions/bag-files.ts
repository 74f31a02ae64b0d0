import fs from 'node:fs';
import path from 'node:path';
import type { FeatureValue } from '../../../shared/bag.js';
import type { FeatureFile, FeatureFileKind, Region } from '../../../shared/regions.js';
import { isoTimestamp, type Bag, type FeatureTable } from '../bag/index.js';
import { isSatchelError, SatchelError } from '../common/index.js';
import { readHead, sniffImageFormat } from '../thumbs/index.js';
import { MAX_REGION_FILE_BYTES, parseLabelme, type LabelmeFile } from './labelme.js';

/**
 * The files of the bag's asset-valued features: what a feature row's asset column points at, read as a
 * labelme drawing when it is JSON, otherwise described for a preview (an image such as a mask, a text
 * report). A file that cannot be read is reported in one sentence naming it, never thrown past the view.
 */

const TEXT_EXTENSIONS = new Set(['txt', 'csv', 'tsv', 'json', 'md', 'log', 'xml', 'yaml', 'yml']);
/** Feature rows read for one image: far more than any image has. */
const MAX_ROWS_PER_TARGET = 1_000;

function featureKey(feature: FeatureTable): string {
  return `${feature.target.name}/${feature.name}`;
}

/** The features of `targetTable` (every table when omitted) with at least one asset column. */
export function assetFeatures(bag: Bag, targetTable?: string): FeatureTable[] {
  const table = targetTable === undefined ? undefined : bag.requireTable(targetTable);
  return bag.model.features.filter(
    (feature) => feature.assetColumns.length > 0 && (table === undefined || feature.target === table),
  );
}

/** The feature `Target/Name` if it has an asset column, else a SatchelError saying so. */
export function regionFeature(bag: Bag, key: string): FeatureTable {
  const [target, name] = key.split('/', 2);
  if (!target || !name)
    throw new SatchelError(
      'bad-argument',
      `Name the feature as Target/Name, such as Image/Region, not "${key}".`,
    );
  const feature = bag.feature(target, name);
  if (feature.assetColumns.length === 0)
    throw new SatchelError(
      'bad-argument',
      `${key} has no asset column, so it cannot hold region files; choose an asset-valued feature.`,
    );
  return feature;
}

/** Reads one asset row's file as a labelme drawing; a SatchelError names the file when it cannot. */
export function readRegionFile(bag: Bag, assetTable: string, assetRid: string): LabelmeFile {
  const file = bag.assetFile(assetTable, assetRid);
  if (!file)
    throw new SatchelError('missing-file', `The bag has no ${assetTable} row ${assetRid} with a file.`);
  if (!file.exists)
    throw new SatchelError(
      'missing-file',
      `${file.relative} is listed in the bag but not fetched; materialize the bag to read its regions.`,
      file.relative,
    );
  if (path.extname(file.path).toLowerCase() !== '.json')
    throw new SatchelError(
      'bad-value',
      `${file.relative} is not a labelme region file: labelme files are .json files.`,
      file.relative,
    );
  const stat = fs.statSync(file.path);
  if (stat.size > MAX_REGION_FILE_BYTES)
    throw new SatchelError(
      'bad-value',
      `${file.relative} is not a labelme region file: it has ${stat.size} bytes, more than the ${MAX_REGION_FILE_BYTES} Satchel reads.`,
      file.relative,
    );
  return parseLabelme(fs.readFileSync(file.path), file.relative);
}

async function classify(
  bag: Bag,
  assetTable: string,
  assetRid: string,
): Promise<Pick<FeatureFile, 'kind' | 'regions' | 'problem' | 'filename'>> {
  const row = bag.row(assetTable, assetRid);
  const filename = typeof row?.Filename === 'string' ? row.Filename : null;
  const result = (kind: FeatureFileKind, regions: Region[] | null = null, problem: string | null = null) => ({
    kind,
    regions,
    problem,
    filename,
  });
  let file: ReturnType<Bag['assetFile']>;
  try {
    file = bag.assetFile(assetTable, assetRid);
  } catch (error) {
    if (isSatchelError(error)) return result('invalid', null, error.message);
    throw error;
  }
  if (!file) return result('missing', null, `The bag has no ${assetTable} row ${assetRid}.`);
  if (!file.exists) return result('missing', null, `${file.relative} is listed in the bag but not fetched.`);
  const extension = path.extname(file.path).slice(1).toLowerCase();
  if (extension === 'json') {
    try {
      return result('regions', readRegionFile(bag, assetTable, assetRid).regions);
    } catch (error) {
      if (isSatchelError(error)) return result('invalid', null, error.message);
      throw error;
    }
  }
  if (sniffImageFormat(await readHead(file.path))) return result('image');
  return result(TEXT_EXTENSIONS.has(extension) ? 'text' : 'other');
}

/** Every file the asset-valued features of `targetTable` hold for one target, oldest row first. */
export async function featureFiles(bag: Bag, targetTable: string, target: string): Promise<FeatureFile[]> {
  const files: FeatureFile[] = [];
  for (const feature of assetFeatures(bag, targetTable)) {
    const rows = bag.rows(feature.table.qualified, {
      filters: [{ column: feature.targetColumn, equals: target }],
      sort: { column: 'RCT' },
      limit: MAX_ROWS_PER_TARGET,
    }).rows;
    for (const row of rows) {
      for (const { column, assetTable } of feature.assetColumns) {
        const assetRid = row[column];
        if (typeof assetRid !== 'string' || assetRid === '') continue;
        files.push({
          feature: featureKey(feature),
          column,
          execution: typeof row.Execution === 'string' ? row.Execution : null,
          rct: isoTimestamp(row.RCT),
          assetTable: assetTable.qualified,
          assetRid,
          ...(await classify(bag, assetTable.qualified, assetRid)),
        });
      }
    }
  }
  return files;
}

/** The feature's region drawings in the bag, per execution and image (an execution's newest row wins). */
export function bagDrawings(
  bag: Bag,
  feature: FeatureTable,
  datasetRid = bag.rid,
): { byExecution: Map<string, Map<string, Region[]>>; problems: string[] } {
  const column = feature.assetColumns[0]!;
  const values = bag.featureValues(feature.target.name, feature.name, { kind: 'all' }, datasetRid);
  const newest = new Map<string, FeatureValue>();
  for (const value of values) {
    const key = `${value.execution ?? ''}\u0000${value.target}`;
    const known = newest.get(key);
    if (!known || (value.rct ?? '') >= (known.rct ?? '')) newest.set(key, value);
  }
  const byExecution = new Map<string, Map<string, Region[]>>();
  const problems: string[] = [];
  for (const value of newest.values()) {
    const assetRid = value.values[column.column];
    if (typeof assetRid !== 'string' || assetRid === '') continue;
    try {
      const { regions } = readRegionFile(bag, column.assetTable.qualified, assetRid);
      const execution = value.execution ?? 'unknown';
      if (!byExecution.has(execution)) byExecution.set(execution, new Map());
      byExecution.get(execution)!.set(value.target, regions);
    } catch (error) {
      if (!isSatchelError(error)) throw error;
      problems.push(error.message);
    }
  }
  return { byExecution, problems };
}
