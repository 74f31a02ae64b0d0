import fs from 'node:fs';
import type { FeatureValue } from '../../../shared/bag.js';
import type { AssetInfo } from '../../../shared/contract.js';
import { isoTimestamp, type Bag, type Table } from '../bag/index.js';
import { SatchelError } from '../common/index.js';
import { RequestError } from './errors.js';
import { md5OfFile, previewKind, textHead } from './files.js';
import type { BagLookups } from './lookups.js';

/** Everything the detail view shows about one asset row: its file, checksum, types, provenance and labels. */
export async function describeAsset(
  bag: Bag,
  lookups: BagLookups,
  tableName: string,
  rid: string,
): Promise<AssetInfo> {
  const table = bag.requireTable(tableName);
  if (table.kind !== 'asset')
    throw new SatchelError('bad-argument', `${table.qualified} is not an asset table.`);
  const row = bag.row(table.qualified, rid);
  if (!row) throw new RequestError('not-found', `The bag has no ${table.name} row with the RID ${rid}.`);
  const file = bag.assetFile(table.qualified, rid);
  const stat = file?.exists ? await fs.promises.stat(file.path) : null;
  const exists = file !== null && stat?.isFile() === true;
  const preview = file ? await previewKind(file.path, exists) : 'other';
  const expectedMd5 = typeof row.MD5 === 'string' && row.MD5 !== '' ? row.MD5.toLowerCase() : null;
  return {
    table: table.qualified,
    rid,
    row,
    preview,
    relative: file?.relative ?? null,
    exists,
    bytes: exists ? stat!.size : null,
    checksumMatches: exists && expectedMd5 ? (await md5OfFile(file.path, stat!)) === expectedMd5 : null,
    text: exists && preview === 'text' ? await textHead(file.path) : null,
    types: lookups.assetTypes(table, rid),
    provenance: lookups.provenance(table, rid),
    features: featuresOf(bag, lookups, table, rid),
  };
}

/** Every value of every feature about one asset, from every execution. */
function featuresOf(
  bag: Bag,
  lookups: BagLookups,
  table: Table,
  rid: string,
): (FeatureValue & { feature: string })[] {
  const values: (FeatureValue & { feature: string })[] = [];
  for (const feature of bag.model.features.filter((candidate) => candidate.target === table)) {
    const columns = [
      ...feature.termColumns.map((term) => term.column),
      ...feature.valueColumns.map((column) => column.name),
      ...feature.assetColumns.map((asset) => asset.column),
    ];
    for (const rowRid of lookups.featureRowRids(feature, rid)) {
      const row = bag.row(feature.table.qualified, rowRid);
      if (!row) continue;
      values.push({
        feature: feature.name,
        target: rid,
        execution: typeof row.Execution === 'string' ? row.Execution : null,
        rct: isoTimestamp(row.RCT),
        values: Object.fromEntries(columns.map((column) => [column, row[column] ?? null])),
      });
    }
  }
  return values;
}
