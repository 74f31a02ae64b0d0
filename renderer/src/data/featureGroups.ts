import type { FeatureDefinition, FeatureValue } from '../../../shared/bag.js';

export interface FeatureGroup {
  feature: string;
  /** Term columns first: they are what executions agree or disagree on. */
  columns: string[];
  disagreement: boolean;
  values: (FeatureValue & { dissenting: boolean })[];
}

/**
 * Groups an asset's feature values by feature. Executions disagree when their term values differ
 * (confidence and other value columns may differ freely); values outside the majority are dissenting,
 * and without a single majority all of them are.
 */
export function groupFeatureValues(
  values: (FeatureValue & { feature: string })[],
  definitions: FeatureDefinition[],
): FeatureGroup[] {
  const byFeature = new Map<string, FeatureValue[]>();
  for (const { feature, ...value } of values)
    byFeature.set(feature, [...(byFeature.get(feature) ?? []), value]);

  return [...byFeature].map(([feature, group]) => {
    const present = [...new Set(group.flatMap((value) => Object.keys(value.values)))];
    const declared = definitions.find((definition) => definition.name === feature)?.termColumns ?? [];
    const terms = declared.length > 0 ? declared : present;
    const keyOf = (value: FeatureValue) =>
      JSON.stringify(terms.map((column) => value.values[column] ?? null));

    const counts = new Map<string, number>();
    for (const value of group) counts.set(keyOf(value), (counts.get(keyOf(value)) ?? 0) + 1);
    const most = Math.max(...counts.values());
    const leaders = [...counts].filter(([, count]) => count === most).map(([key]) => key);
    const majority = leaders.length === 1 ? leaders[0] : undefined;
    const disagreement = counts.size > 1;

    return {
      feature,
      columns: [...terms, ...present.filter((column) => !terms.includes(column))],
      disagreement,
      values: group.map((value) => ({ ...value, dissenting: disagreement && keyOf(value) !== majority })),
    };
  });
}
