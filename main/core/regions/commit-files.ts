import crypto from 'node:crypto';
import type { FeatureTable } from '../bag/index.js';
import type { RegionScope, RegionStore } from './store.js';

/**
 * The seam to the commit: the region files a commit uploads, one per drawn image, straight from the
 * content-addressed store with the MD5 and length Hatrac and the asset row need. The commit module
 * uploads each (once per MD5), creates the asset row, its Asset_Type and Execution link, then the
 * feature row with the new asset's RID in `column`.
 */
export interface RegionUpload {
  /** The image (the feature's target) the drawing is on. */
  target: string;
  /** The feature table (qualified) and its asset column that takes the file. */
  feature: string;
  column: string;
  /** The asset table (qualified) the file becomes a row of. */
  assetTable: string;
  /** The file name the asset gets, as the sample world and deriva-ml name region files. */
  filename: string;
  /** The file in the workspace's store: read it to upload. */
  path: string;
  sha256: string;
  md5: string;
  length: number;
}

export function regionFileName(target: string): string {
  return `regions_${target}.json`;
}

export function* regionFilesToUpload(
  store: RegionStore,
  scope: RegionScope,
  feature: FeatureTable,
): Generator<RegionUpload> {
  const column = feature.assetColumns[0]!;
  for (const entry of store.entries(scope)) {
    const bytes = store.content.read(entry.sha256);
    yield {
      target: entry.target,
      feature: feature.table.qualified,
      column: column.column,
      assetTable: column.assetTable.qualified,
      filename: regionFileName(entry.target),
      path: store.content.pathOf(entry.sha256),
      sha256: entry.sha256,
      md5: crypto.createHash('md5').update(bytes).digest('hex'),
      length: bytes.length,
    };
  }
}
