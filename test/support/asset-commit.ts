// Reading back what a commit of asset-valued features left on the stand-in: the Hatrac object (its
// bytes, MD5 and versions), the asset row, its Asset_Type rows, its Execution link and the feature rows.
import crypto from 'node:crypto';
import { expect } from 'vitest';
import { hatracPath, type CatalogClient, type Row } from '../../main/core/catalog/index.js';
import type { RequestRecord, StandIn } from '../stand-in/index.js';
import { rowsOf } from './commit-world.js';

export const REGION_FILE = 'digits:Region_File';
export const REGION_FEATURE = 'digits:Execution_Image_Region';

export const md5Of = (bytes: Uint8Array): string => crypto.createHash('md5').update(bytes).digest('hex');

/** deriva-ml's Hatrac name of an asset: `/hatrac/<AssetTable>/<md5>.<filename>`, the name quoted. */
export const assetUrl = (table: string, bytes: Uint8Array, filename: string): string =>
  hatracPath(table.split(':')[1]!, `${md5Of(bytes)}.${filename}`);

export interface HatracObject {
  bytes: Buffer;
  contentMd5: string | null;
  disposition: string | null;
  /** Every version the object has. */
  versions: string[];
}

/** The current version of a Hatrac object and the list of its versions, as testadmin reads them. */
export async function readHatracObject(standIn: StandIn, url: string): Promise<HatracObject> {
  const cookie = standIn.login('testadmin');
  const response = await fetch(`${standIn.origin}${url}`, { headers: { cookie } });
  expect(response.status, `GET ${url}`).toBe(200);
  const versions = await fetch(`${standIn.origin}${url};versions`, {
    headers: { cookie, accept: 'application/json' },
  });
  return {
    bytes: Buffer.from(await response.arrayBuffer()),
    contentMd5: response.headers.get('content-md5'),
    disposition: response.headers.get('content-disposition'),
    versions: (await versions.json()) as string[],
  };
}

/** The asset row with this URL, its Asset_Type names and its Execution links. */
export async function assetRecord(
  admin: CatalogClient,
  table: string,
  url: string,
): Promise<{ row: Row; types: string[]; links: { Execution: unknown; Asset_Role: unknown }[] }> {
  const rows = await rowsOf(admin, table, ['URL', url]);
  expect(rows, `${table} rows with URL ${url}`).toHaveLength(1);
  const row = rows[0]!;
  const name = table.split(':')[1]!;
  const rid = String(row.RID);
  const types = (await rowsOf(admin, `${table}_Asset_Type`, [name, rid]))
    .map((type) => String(type.Asset_Type))
    .sort();
  const links = (await rowsOf(admin, `${table}_Execution`, [name, rid]))
    .map((link) => ({ Execution: link.Execution, Asset_Role: link.Asset_Role }))
    .sort((a, b) => String(a.Execution).localeCompare(String(b.Execution)));
  return { row, types, links };
}

/** The feature rows of one execution as {target: {column: value}}. */
export async function featureRowsOf(
  admin: CatalogClient,
  table: string,
  execution: string,
  columns: string[],
): Promise<Record<string, Record<string, unknown>>> {
  const rows = await rowsOf(admin, table, ['Execution', execution]);
  return Object.fromEntries(
    rows.map((row) => [
      String(row.Image),
      Object.fromEntries(columns.map((column) => [column, row[column]])),
    ]),
  );
}

/** Hatrac requests about one object in the log: what was sent for it and how the server answered. */
export function hatracTraffic(requests: readonly RequestRecord[], url: string) {
  const mine = requests.filter(
    (request) =>
      request.path === url || request.path.startsWith(`${url};`) || request.path.startsWith(`${url}?`),
  );
  const finalize = /;upload\/[^/]+$/;
  return {
    all: mine,
    heads: mine.filter((request) => request.method === 'HEAD'),
    jobsCreated: mine.filter((request) => request.method === 'POST' && request.path.includes(';upload?')),
    chunks: mine.filter((request) => request.method === 'PUT' && /;upload\/[^/]+\/\d+$/.test(request.path)),
    /** Finalizations the server acted on (201): each makes a version. */
    finalized: mine.filter(
      (request) => request.method === 'POST' && finalize.test(request.path) && request.status === 201,
    ),
    singlePuts: mine.filter((request) => request.method === 'PUT' && !request.path.includes(';')),
  };
}
