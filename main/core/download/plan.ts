import type { CatalogModel, Table } from '../bag/index.js';
import { catalogPath, parseModel, type CatalogClient } from '../catalog/index.js';
import { cacheChecksum, type BagSpec } from './cache.js';
import {
  allRows,
  chooseVersion,
  datasetTree,
  memberCounts,
  versionsOf,
  type DatasetVersionInfo,
} from './datasets.js';
import {
  TERMINAL_TABLES,
  reachableRows,
  reachedTables,
  walkPolicy,
  type ReachedRows,
  type WalkPolicy,
} from './reach.js';

/** Everything decided before any row is read: version, snapshot, model, anchors and reached tables. */
export interface BagPlan {
  rid: string;
  version: DatasetVersionInfo;
  snapshot: string;
  /** The client pinned to the snapshot; every bag query goes through it. */
  client: CatalogClient;
  /** GET /ermrest/catalog/N@SNAP/schema, verbatim: the bag's data/schema.json. */
  schemaBytes: Buffer;
  model: CatalogModel;
  /** The dataset and its nested descendants. */
  anchors: string[];
  /** Element associations left out because no dataset of the tree has such members. */
  excluded: string[];
  policy: WalkPolicy;
  /** Tables the walk enters, sorted by (schema, table). */
  tables: Table[];
  /** `<spec16>_<snapshot>`, the cache folder name. */
  checksum: string;
}

export interface PlanRequest {
  rid: string;
  version?: string;
  signal?: AbortSignal;
}

/**
 * Resolves the version to its snapshot and works out, from the snapshot's model and nesting, which
 * tables the bag holds. A development version without a Snapshot is pinned to the catalog's current
 * snapshot, so the bag stays reproducible (deriva-ml reads the live catalog in that case).
 */
export async function planBag(client: CatalogClient, request: PlanRequest): Promise<BagPlan> {
  const live = client.at(null);
  const version = chooseVersion(
    await versionsOf(live, request.rid, request.signal),
    request.rid,
    request.version,
  );
  const snapshot = version.snapshot ?? (await live.catalogInfo({ signal: request.signal })).snaptime;
  const pinned = client.at(snapshot);
  const schemaBytes = await pinned.schemaBytes(snapshot, { signal: request.signal });
  const model = parseModel(schemaBytes, `${catalogPath(pinned.url)}/schema`);
  const anchors = await datasetTree(pinned, model, request.rid, request.signal);
  const excluded: string[] = [];
  for (const [element, count] of await memberCounts(pinned, model, anchors, request.signal)) {
    if (count === 0 && element.table.kind !== 'vocabulary') excluded.push(element.association.qualified);
  }
  excluded.sort();
  const policy = walkPolicy(excluded);
  const tables = reachedTables(model, policy);
  const spec: BagSpec = {
    catalog: `${client.url.origin}${catalogPath({ catalog: client.url.catalog, snapshot: null })}`,
    snapshot,
    dataset: request.rid,
    anchors: [...anchors].sort(),
    excluded,
    reached: tables.map((table) => table.qualified),
    terminal: TERMINAL_TABLES,
  };
  return {
    rid: request.rid,
    version,
    snapshot,
    client: pinned,
    schemaBytes,
    model,
    anchors,
    excluded,
    policy,
    tables,
    checksum: cacheChecksum(spec),
  };
}

/** The reached RIDs of every non-vocabulary table, from one projected scan per table at the snapshot. */
export function evaluatePlan(plan: BagPlan, signal?: AbortSignal): Promise<ReachedRows> {
  return reachableRows(plan.model, plan.policy, plan.anchors, (table, columns) =>
    allRows(plan.client, table, columns, signal),
  );
}
