import type { DatasetSummary } from '../../../../shared/bag.js';
import { rootDatasets } from '../../data/bagModel.js';

export interface TreeRow {
  dataset: DatasetSummary;
  level: number;
  parent: string | null;
  hasChildren: boolean;
}

/** The datasets on screen, depth first, skipping the children of collapsed ones (and any cycle). */
export function visibleRows(datasets: DatasetSummary[], expanded: ReadonlySet<string>): TreeRow[] {
  const byRid = new Map(datasets.map((dataset) => [dataset.rid, dataset]));
  const rows: TreeRow[] = [];
  const walk = (dataset: DatasetSummary, level: number, parent: string | null, path: Set<string>) => {
    const children = dataset.children.filter((rid) => byRid.has(rid) && !path.has(rid));
    rows.push({ dataset, level, parent, hasChildren: children.length > 0 });
    if (!expanded.has(dataset.rid)) return;
    for (const rid of children) walk(byRid.get(rid)!, level + 1, dataset.rid, new Set(path).add(rid));
  };
  for (const root of rootDatasets(datasets)) walk(root, 1, null, new Set([root.rid]));
  return rows;
}
