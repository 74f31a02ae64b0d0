import { compareVersions } from '../bag/index.js';
import type { CatalogModel, ElementType, Table } from '../bag/index.js';
import { SatchelError } from '../common/index.js';
import { anyOf, eq, isCatalogError, type CatalogClient, type Row, type TableRef } from '../catalog/index.js';

import type { DatasetListing, DatasetState, DatasetVersionInfo } from '../../../shared/catalog.js';

export type { DatasetListing, DatasetState, DatasetVersionInfo } from '../../../shared/catalog.js';

const ML_SCHEMA = 'deriva-ml';
const PAGE = 10_000;
const ANY_CHUNK = 500;
/** Snapshots read at once when listing what each version held. */
const SNAPSHOT_CONCURRENCY = 3;
const UNREADABLE_SNAPSHOT = new Set(['conflict', 'not-found', 'bad-request']);

/**
 * Every dataset of the catalog (as the client sees it: live, or at its snapshot) with types,
 * versions and direct member counts. Counts come from one attributegroup query per element type,
 * never one query per dataset. Each version also carries the dataset as it was at that version's
 * snapshot, read there (one set of the same queries per distinct snapshot), so a version shows the
 * counts, description and types its bag has, not today's.
 */
export async function listDatasets(
  client: CatalogClient,
  options: { signal?: AbortSignal; model?: CatalogModel } = {},
): Promise<DatasetListing[]> {
  const model = options.model ?? (await client.schema(undefined, options));
  const live = await datasetStates(client, model, options.signal);
  const versions = await datasetVersions(client, model, options.signal);
  const snapshots = [
    ...new Set([...versions.values()].flat().flatMap((info) => (info.snapshot ? [info.snapshot] : []))),
  ].sort();
  const atSnapshot = new Map<string, Map<string, DatasetState>>();
  await inParallel(snapshots, SNAPSHOT_CONCURRENCY, async (snapshot) => {
    const pinned = client.at(snapshot);
    try {
      atSnapshot.set(
        snapshot,
        await datasetStates(pinned, await pinned.schema(snapshot, options), options.signal),
      );
    } catch (error) {
      // A Snapshot the catalog does not know (copied from another catalog, or older than its history)
      // cannot be read: that version is listed without its past state rather than failing the list.
      if (!isCatalogError(error) || !UNREADABLE_SNAPSHOT.has(error.kind)) throw error;
    }
  });
  return [...live].map(([rid, state]) => ({
    rid,
    ...state,
    versions: (versions.get(rid) ?? [])
      .sort((a, b) => compareVersions(a.version, b.version))
      .map((info) => {
        const states = info.snapshot ? atSnapshot.get(info.snapshot) : undefined;
        if (info.snapshot && !states) return info;
        return { ...info, atSnapshot: states?.get(rid) ?? null };
      }),
  }));
}

/** Description, types, direct members and nested datasets of every (not deleted) dataset, in RID order. */
async function datasetStates(
  client: CatalogClient,
  model: CatalogModel,
  signal?: AbortSignal,
): Promise<Map<string, DatasetState>> {
  const datasetTable = requireMlTable(model, 'Dataset');
  const datasets = await allRows(
    client,
    datasetTable,
    ['RID', 'Description', ...(datasetTable.columnByName.has('Deleted') ? ['Deleted'] : [])],
    signal,
  );
  const types = await datasetTypes(client, model, signal);
  const members = new Map<string, Record<string, number>>();
  const children = new Map<string, string[]>();
  for (const element of model.elementTypes) {
    if (isNestedDatasets(element)) {
      for (const [parent, child] of await associationPairs(client, element, signal))
        children.set(parent, [...(children.get(parent) ?? []), child]);
      continue;
    }
    const groups = await client.attributeGroups(
      {
        table: ref(element.association),
        columns: [{ as: 'Dataset', column: element.datasetColumn }],
        values: [{ as: 'n', aggregate: 'cnt', column: '*' }],
      },
      { signal },
    );
    for (const group of groups) {
      const rid = String(group.Dataset);
      members.set(rid, { ...members.get(rid), [element.table.name]: Number(group.n) });
    }
  }
  const states = new Map<string, DatasetState>();
  for (const row of datasets) {
    if (row.Deleted === true) continue;
    const rid = String(row.RID);
    states.set(rid, {
      description: typeof row.Description === 'string' ? row.Description : null,
      types: (types.get(rid) ?? []).sort(),
      members: members.get(rid) ?? {},
      children: (children.get(rid) ?? []).sort(),
    });
  }
  return states;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

/** The versions of one dataset, ascending (read from the live catalog: a version's own snapshot precedes its Snapshot stamp). */
export async function versionsOf(
  client: CatalogClient,
  rid: string,
  signal?: AbortSignal,
): Promise<DatasetVersionInfo[]> {
  const rows = await client.attributes(
    {
      table: { schema: ML_SCHEMA, table: 'Dataset_Version' },
      path: [eq('Dataset', rid)],
      columns: ['RID', 'Version', 'Snapshot'],
      sort: ['RID'],
      limit: 'none',
    },
    { signal },
  );
  if (rows.length === 0) {
    const dataset = await client.attributes(
      { table: { schema: ML_SCHEMA, table: 'Dataset' }, path: [eq('RID', rid)], columns: ['RID'], limit: 1 },
      { signal },
    );
    if (dataset.length === 0) throw new SatchelError('unknown-dataset', `The catalog has no dataset ${rid}.`);
  }
  return rows.map(versionInfo).sort((a, b) => compareVersions(a.version, b.version));
}

/**
 * The version to download: the one named (compared in PEP 440 terms, so `1.0` finds `1.0.0`), or
 * the current (highest) one.
 */
export function chooseVersion(
  versions: readonly DatasetVersionInfo[],
  rid: string,
  requested?: string,
): DatasetVersionInfo {
  if (versions.length === 0)
    throw new SatchelError(
      'unknown-dataset',
      `Dataset ${rid} has no versions in the catalog, so there is no snapshot to download.`,
    );
  if (requested === undefined) return versions[versions.length - 1]!;
  const found =
    versions.find((info) => info.version === requested) ??
    versions.find((info) => compareVersions(info.version, requested) === 0);
  if (!found) {
    throw new SatchelError(
      'unknown-dataset',
      `Dataset ${rid} has no version ${requested}; it has ${versions.map((info) => info.version).join(', ')}.`,
    );
  }
  return found;
}

/** The dataset and all its nested descendants (through Dataset_Dataset), root first, then sorted. */
export async function datasetTree(
  client: CatalogClient,
  model: CatalogModel,
  root: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const nested = model.elementTypes.find(isNestedDatasets);
  if (!nested) return [root];
  const childrenOf = new Map<string, string[]>();
  for (const [parent, child] of await associationPairs(client, nested, signal))
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), child]);
  const seen = new Set([root]);
  const queue = [root];
  while (queue.length > 0) {
    for (const child of childrenOf.get(queue.shift()!) ?? []) {
      if (!seen.has(child)) {
        seen.add(child);
        queue.push(child);
      }
    }
  }
  return [root, ...[...seen].filter((rid) => rid !== root).sort()];
}

/** Member counts per element-type association for a set of datasets (nested datasets excluded). */
export async function memberCounts(
  client: CatalogClient,
  model: CatalogModel,
  datasets: readonly string[],
  signal?: AbortSignal,
): Promise<Map<ElementType, number>> {
  const counts = new Map<ElementType, number>();
  for (const element of model.elementTypes) {
    if (isNestedDatasets(element)) continue;
    let total = 0;
    for (let start = 0; start < datasets.length; start += ANY_CHUNK) {
      const rows = await client.query(
        'aggregate',
        {
          table: ref(element.association),
          path: [anyOf(element.datasetColumn, datasets.slice(start, start + ANY_CHUNK))],
          columns: [{ as: 'n', aggregate: 'cnt', column: '*' }],
        },
        { signal },
      );
      total += Number(rows[0]?.n ?? 0);
    }
    counts.set(element, total);
  }
  return counts;
}

export function isNestedDatasets(element: ElementType): boolean {
  return element.table.schema === ML_SCHEMA && element.table.name === 'Dataset';
}

export function requireMlTable(model: CatalogModel, name: string): Table {
  const table = model.table(`${ML_SCHEMA}:${name}`);
  if (!table)
    throw new SatchelError(
      'bad-schema',
      `The catalog has no ${ML_SCHEMA}:${name} table, so it is not a DerivaML catalog.`,
    );
  return table;
}

export function ref(table: Table): TableRef {
  return { schema: table.schema, table: table.name };
}

async function associationPairs(
  client: CatalogClient,
  element: ElementType,
  signal?: AbortSignal,
): Promise<[string, string][]> {
  const rows = await allRows(
    client,
    element.association,
    ['RID', element.datasetColumn, element.memberColumn],
    signal,
  );
  return rows
    .filter(
      (row) =>
        typeof row[element.datasetColumn] === 'string' && typeof row[element.memberColumn] === 'string',
    )
    .map((row) => [String(row[element.datasetColumn]), String(row[element.memberColumn])]);
}

async function datasetTypes(
  client: CatalogClient,
  model: CatalogModel,
  signal?: AbortSignal,
): Promise<Map<string, string[]>> {
  const table = model.table(`${ML_SCHEMA}:Dataset_Dataset_Type`);
  const types = new Map<string, string[]>();
  if (!table) return types;
  for (const row of await allRows(client, table, ['RID', 'Dataset', 'Dataset_Type'], signal)) {
    if (typeof row.Dataset !== 'string' || typeof row.Dataset_Type !== 'string') continue;
    types.set(row.Dataset, [...(types.get(row.Dataset) ?? []), row.Dataset_Type]);
  }
  return types;
}

async function datasetVersions(
  client: CatalogClient,
  model: CatalogModel,
  signal?: AbortSignal,
): Promise<Map<string, DatasetVersionInfo[]>> {
  const table = requireMlTable(model, 'Dataset_Version');
  const versions = new Map<string, DatasetVersionInfo[]>();
  for (const row of await allRows(client, table, ['RID', 'Dataset', 'Version', 'Snapshot'], signal)) {
    if (typeof row.Dataset !== 'string') continue;
    versions.set(row.Dataset, [...(versions.get(row.Dataset) ?? []), versionInfo(row)]);
  }
  return versions;
}

function versionInfo(row: Row): DatasetVersionInfo {
  return {
    version: String(row.Version ?? ''),
    snapshot: typeof row.Snapshot === 'string' && row.Snapshot !== '' ? row.Snapshot : null,
    rid: String(row.RID),
  };
}

/** Every row of a table, projected to `columns` (RID first), paged by RID. */
export async function allRows(
  client: CatalogClient,
  table: Table,
  columns: readonly string[],
  signal?: AbortSignal,
): Promise<Row[]> {
  const rows: Row[] = [];
  const unique = [...new Set(['RID', ...columns])];
  for await (const page of client.pages(
    'attribute',
    { table: ref(table), columns: unique, sort: ['RID'] },
    { pageSize: PAGE, signal },
  ))
    rows.push(...page);
  return rows;
}
