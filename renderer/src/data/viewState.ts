import type { UiState } from '../../../shared/contract.js';

type SavedBag = NonNullable<UiState['bag']>;

/** What is worth keeping of the screen: the open bag, its dataset and section, and browse or label mode. */
export function viewStateOf(
  session: {
    bag: { path: string } | null;
    datasetRid: string | null;
    section: SavedBag['section'];
  },
  labeling: { active: boolean; featureKey: string | null },
): UiState {
  if (!session.bag) return { bag: null };
  return {
    bag: {
      path: session.bag.path,
      datasetRid: session.datasetRid,
      section: session.section,
      mode: labeling.active ? 'label' : 'browse',
      feature: labeling.active ? labeling.featureKey : null,
    },
  };
}
