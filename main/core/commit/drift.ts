import type { CatalogClient } from '../catalog/index.js';
import { anyOf } from '../catalog/index.js';
import type { CatalogModel, FeatureTable } from '../bag/index.js';
import { groupBy } from '../common/index.js';
import type { CommitRow } from './journal.js';

export interface Drift {
  feature: string;
  target: string;
  reason: string;
}

/**
 * Checks that the live catalog still has every feature table, column and vocabulary term the rows
 * use; returns one entry per row that could not be inserted as it stands (nothing is sent then).
 */
export async function findDrift(
  client: CatalogClient,
  live: CatalogModel,
  features: ReadonlyMap<string, FeatureTable>,
  rows: CommitRow[],
  signal?: AbortSignal,
): Promise<Drift[]> {
  const drift: Drift[] = [];
  const byFeature = groupBy(rows, (row) => row.feature);
  for (const [featureName, featureRows] of byFeature) {
    const feature = features.get(featureName)!;
    const liveTable = live.table(feature.table.qualified);
    const all = (reason: string) =>
      featureRows.forEach((row) => drift.push({ feature: featureName, target: row.target, reason }));
    if (!liveTable) {
      all(`the catalog no longer has the feature table ${feature.table.qualified}.`);
      continue;
    }
    const needed = [
      'Execution',
      'Feature_Name',
      feature.targetColumn,
      ...Object.keys(featureRows[0]!.values),
    ];
    const missingColumn = needed.find((column) => !liveTable.columnByName.has(column));
    if (missingColumn) {
      all(`${feature.table.qualified} no longer has the column ${missingColumn}.`);
      continue;
    }
    const names = await existingTerms(client, live, 'deriva-ml:Feature_Name', [feature.name], signal);
    if (!names.has(feature.name)) {
      all(`the catalog's Feature_Name vocabulary no longer has the term ${feature.name}.`);
      continue;
    }
    for (const term of feature.termColumns) {
      const used = [
        ...new Set(
          featureRows
            .map((row) => row.values[term.column])
            .filter((value): value is string => typeof value === 'string'),
        ),
      ];
      const present = await existingTerms(client, live, term.vocabulary.qualified, used, signal);
      for (const row of featureRows) {
        const value = row.values[term.column];
        if (typeof value === 'string' && !present.has(value)) {
          drift.push({
            feature: featureName,
            target: row.target,
            reason: `${term.vocabulary.qualified} no longer has the term ${value}.`,
          });
        }
      }
    }
  }
  return drift;
}

/** Which of `names` the live vocabulary holds (one query per 200 names). */
export async function existingTerms(
  client: CatalogClient,
  live: CatalogModel,
  vocabulary: string,
  names: string[],
  signal?: AbortSignal,
): Promise<Set<string>> {
  const table = live.table(vocabulary);
  const present = new Set<string>();
  if (!table) return present;
  for (let start = 0; start < names.length; start += 200) {
    const chunk = names.slice(start, start + 200);
    const rows = await client.attributes(
      { table: { schema: table.schema, table: table.name }, path: [anyOf('Name', chunk)], columns: ['Name'] },
      { signal },
    );
    for (const row of rows) if (typeof row.Name === 'string') present.add(row.Name);
  }
  return present;
}
