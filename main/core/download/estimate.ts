import type { TableKind } from '../../../shared/bag.js';
import type { CatalogClient } from '../catalog/index.js';
import { ref } from './datasets.js';
import { evaluatePlan, planBag } from './plan.js';

export interface BagEstimate {
  rid: string;
  version: string;
  snapshot: string;
  /** Rows per reached table (vocabularies whole); tables with no rows are listed with 0. */
  tables: { table: string; kind: TableKind; rows: number }[];
  rows: number;
  assetFiles: number;
  /** Sum of the asset rows' Length. */
  assetBytes: number;
}

/** What a download of the dataset at `version` (default: current) would bring, without writing anything. */
export async function estimateBag(
  client: CatalogClient,
  rid: string,
  version?: string,
  options: { signal?: AbortSignal } = {},
): Promise<BagEstimate> {
  const plan = await planBag(client, { rid, version, signal: options.signal });
  const reached = await evaluatePlan(plan, options.signal);
  const tables: BagEstimate['tables'] = [];
  let assetFiles = 0;
  let assetBytes = 0;
  for (const table of reached.tables) {
    if (table.kind === 'vocabulary') {
      const counted = await plan.client.query(
        'aggregate',
        { table: ref(table), columns: [{ as: 'n', aggregate: 'cnt', column: '*' }] },
        options,
      );
      tables.push({ table: table.qualified, kind: table.kind, rows: Number(counted[0]?.n ?? 0) });
      continue;
    }
    const rids = reached.rids.get(table.qualified) ?? [];
    tables.push({ table: table.qualified, kind: table.kind, rows: rids.length });
    if (table.kind === 'asset') {
      const rows = reached.rows.get(table.qualified);
      for (const rid of rids) {
        const length = rows?.get(rid)?.Length;
        if (typeof length === 'number') {
          assetFiles += 1;
          assetBytes += length;
        }
      }
    }
  }
  return {
    rid,
    version: plan.version.version,
    snapshot: plan.snapshot,
    tables,
    rows: tables.reduce((sum, entry) => sum + entry.rows, 0),
    assetFiles,
    assetBytes,
  };
}
