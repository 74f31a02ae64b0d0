import fs from 'node:fs';
import path from 'node:path';
import type { BagOrigin, CommitTargetCheck } from '../../../shared/catalog.js';
import { highestVersion, isoTimestamp, type Bag, type Table } from '../bag/index.js';
import { eq, isCatalogError, type CatalogClient, type Row } from '../catalog/index.js';
import { SatchelError } from '../common/index.js';

/** How much of fetch.txt, bag-info.txt and schema.json is read for addresses: enough to decide, bounded. */
const HEAD_BYTES = 1 << 20;
/** Asset rows read per asset table for absolute URLs. */
const ROWS_PER_ASSET_TABLE = 20;
/** A catalog address or a RID resolver link (`/id/<catalog>/<RID>`) with a real host (templates have braces). */
const CATALOG_ADDRESS = /(https?:\/\/[^\s/"'{}<>]+)\/(?:ermrest\/catalog|id)\/([A-Za-z0-9_-]+)/g;
/** deriva-ml's working folder for a catalog: `~/.deriva-ml/<hostname>/<catalog>/`. */
const CACHE_FOLDER = /[\\/]\.deriva-ml[\\/]([^\\/]+)[\\/]([A-Za-z0-9_-]+)(?:[\\/]|$)/;

/**
 * Where a bag came from, read from the bag itself: the server of its asset files (the URLs of
 * fetch.txt and of asset rows), catalog addresses in bag-info.txt and data/schema.json, and the
 * deriva-ml cache folder it sits in (`~/.deriva-ml/<host>/<catalog>`). deriva-ml's own bags do not
 * record the catalog id, so it is often unknown.
 */
export function bagOrigin(bag: Bag): BagOrigin {
  const fileServers = new Tally();
  for (const line of readHead(path.join(bag.root, 'fetch.txt')).split('\n'))
    fileServers.add(originOf(line.split('\t')[0] ?? ''), 'fetch.txt');
  for (const table of bag.model.tables.values()) {
    if (table.kind !== 'asset' || !table.columnByName.has('URL')) continue;
    for (const row of bag.rows(table.qualified, { limit: ROWS_PER_ASSET_TABLE }).rows)
      if (typeof row.URL === 'string')
        fileServers.add(originOf(row.URL), `the URL column of ${table.qualified}`);
  }
  const addresses: { origin: string; catalog: string; evidence: string }[] = [];
  for (const file of ['bag-info.txt', 'data/schema.json'])
    for (const match of readHead(path.join(bag.root, file)).matchAll(CATALOG_ADDRESS)) {
      const origin = originOf(match[1]!);
      if (origin) addresses.push({ origin, catalog: match[2]!, evidence: file });
    }
  const cached = CACHE_FOLDER.exec(bag.root);

  const server = fileServers.top();
  const origin =
    server?.origin ?? addresses[0]?.origin ?? (cached ? `https://${cached[1]!.toLowerCase()}` : null);
  const evidence = server ? [...server.evidence] : [];
  if (!origin) return { origin: null, catalog: null, evidence };
  const address = addresses.find((candidate) => candidate.origin === origin);
  if (address && !evidence.includes(address.evidence)) evidence.push(address.evidence);
  const cacheCatalog = cached && cached[1]!.toLowerCase() === new URL(origin).hostname ? cached[2]! : null;
  if (cacheCatalog && !address) evidence.push('its folder in the deriva-ml cache');
  return { origin, catalog: address?.catalog ?? cacheCatalog, evidence };
}

/** A commit refused before anything was sent: the catalog is not the one the bag came from. */
export class CatalogMismatchError extends SatchelError {
  constructor(message: string) {
    super('catalog-mismatch', `${message.replace(/\.$/, '')}, so nothing was sent.`);
  }
}

/**
 * Whether `client`'s catalog is the one the bag came from. The address decides when the bag names
 * both host and catalog and they are the target's; otherwise the catalog is asked for the bag's
 * dataset: the same RID made at the same time (RCT), with the bag's version row. The same dataset at
 * another address (a mirror, a local stand-in of the server) is the bag's catalog too.
 */
export async function checkCommitTarget(
  client: CatalogClient,
  bag: Bag,
  origin: BagOrigin,
  signal?: AbortSignal,
): Promise<CommitTargetCheck> {
  if (origin.origin === client.url.origin && origin.catalog === client.url.catalog)
    return { verdict: 'same', message: null };
  const target = catalogName(client.url.origin, client.url.catalog);
  const source = origin.origin
    ? catalogName(origin.origin, origin.catalog)
    : 'a catalog the bag does not name';
  const datasetTable = bag.model.datasetTable;
  if (!datasetTable) {
    // Nothing to look for: only the address can tell.
    return origin.origin && origin.origin !== client.url.origin
      ? { verdict: 'mismatch', message: `This bag comes from ${source}, but the catalog is ${target}.` }
      : { verdict: 'same', message: null };
  }
  const version = bagVersion(bag, datasetTable);
  const what = `dataset ${bag.rid}${version ? ` at version ${version.label}` : ''}`;
  const mismatch = (why: string): CommitTargetCheck => ({
    verdict: 'mismatch',
    message: `This bag is ${what} from ${source}, but ${why}: it is not the catalog the bag came from.`,
  });

  const [found] = await rowsWithRid(client, datasetTable, bag.rid, signal);
  if (!found) return mismatch(`${target} has no dataset ${bag.rid}`);
  const made = (row: Row | null) =>
    Date.parse(isoTimestamp(typeof row?.RCT === 'string' ? row.RCT : undefined) ?? '');
  const bagMade = made(bag.row(datasetTable.qualified, bag.rid));
  const targetMade = made(found);
  if (Number.isFinite(bagMade) && Number.isFinite(targetMade) && bagMade !== targetMade)
    return mismatch(
      `the dataset ${bag.rid} of ${target} is another one, made ${new Date(targetMade).toISOString()} (the bag's ${new Date(bagMade).toISOString()})`,
    );
  if (version) {
    const [row] = await rowsWithRid(client, version.table, version.rid, signal);
    if (!row || row.Dataset !== bag.rid)
      return mismatch(`${target} has no version ${version.label} of dataset ${bag.rid}`);
  }
  if (!origin.origin || origin.origin === client.url.origin) return { verdict: 'same', message: null };
  return {
    verdict: 'mirror',
    message: `${target} holds the same ${what} as ${source}, where the bag came from, so the labels can go there.`,
  };
}

/** "www.example.org catalog 1", or the host alone when the catalog is not known. */
export function catalogName(origin: string, catalog: string | null): string {
  const host = new URL(origin).host;
  return catalog ? `${host} catalog ${catalog}` : host;
}

/** The bag's own version row (the highest Dataset_Version of its dataset), when the bag has one. */
function bagVersion(bag: Bag, datasetTable: Table): { table: Table; rid: string; label: string } | null {
  const table = bag.model.table(`${datasetTable.schema}:Dataset_Version`);
  if (!table) return null;
  const rows = bag.rows(table.qualified, {
    filters: [{ column: 'Dataset', equals: bag.rid }],
    limit: 5000,
  }).rows;
  const label = highestVersion(rows.map((row) => String(row.Version ?? '')).filter(Boolean));
  const row = rows.find((candidate) => candidate.Version === label);
  return row && label ? { table, rid: String(row.RID), label } : null;
}

/** The target's rows of `table` with this RID; none when the catalog has no such table (ERMrest answers 409). */
async function rowsWithRid(
  client: CatalogClient,
  table: Table,
  rid: string,
  signal?: AbortSignal,
): Promise<Row[]> {
  try {
    return await client.entities(
      { table: { schema: table.schema, table: table.name }, path: [eq('RID', rid)] },
      { signal },
    );
  } catch (error) {
    if (isCatalogError(error) && (error.kind === 'conflict' || error.kind === 'not-found')) return [];
    throw error;
  }
}

/** The first bytes of a file as text; empty when it is absent or unreadable (it is evidence only). */
function readHead(file: string): string {
  let descriptor: number | undefined;
  try {
    descriptor = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(HEAD_BYTES);
    const length = fs.readSync(descriptor, buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, length).toString('utf8');
  } catch {
    return '';
  } finally {
    if (descriptor !== undefined) fs.closeSync(descriptor);
  }
}

function originOf(url: string): string | null {
  if (!/^https?:\/\//i.test(url)) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Origins counted by how often they appear, each with where it was seen. */
class Tally {
  private readonly counts = new Map<string, { count: number; evidence: Set<string> }>();

  add(origin: string | null, evidence: string): void {
    if (!origin) return;
    const entry = this.counts.get(origin) ?? { count: 0, evidence: new Set<string>() };
    entry.count++;
    entry.evidence.add(evidence);
    this.counts.set(origin, entry);
  }

  top(): { origin: string; evidence: Set<string> } | null {
    let best: { origin: string; count: number; evidence: Set<string> } | null = null;
    for (const [origin, entry] of this.counts)
      if (!best || entry.count > best.count) best = { origin, ...entry };
    return best;
  }
}
