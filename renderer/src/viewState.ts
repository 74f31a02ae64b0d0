import type { UiState } from '../../shared/contract.js';
import { request } from './api.js';
import { viewStateOf } from './data/viewState.js';
import { useLabeling } from './stores/labeling.js';
import { reportError } from './stores/notices.js';
import { useSession } from './stores/session.js';

/**
 * Work never looks lost: the open bag, dataset, section and mode are kept in the workspace as they
 * change, and a reload (or a restart of Satchel) opens the same bag in the same place and mode.
 */

const SAVE_DELAY_MS = 250;

/** Saves the view whenever it changes (debounced); returns the unsubscribe. */
export function keepViewState(): () => void {
  let last = JSON.stringify(current());
  let timer: ReturnType<typeof setTimeout> | undefined;
  const changed = () => {
    // Label mode is on once its feature is chosen: the moment in between is not a state worth saving.
    if (useLabeling.getState().active && !useLabeling.getState().featureKey) return;
    const next = JSON.stringify(current());
    if (next === last) return;
    last = next;
    clearTimeout(timer);
    timer = setTimeout(() => {
      request('ui:save', { state: JSON.parse(next) as UiState }).catch(reportError);
    }, SAVE_DELAY_MS);
  };
  const offSession = useSession.subscribe(changed);
  const offLabeling = useLabeling.subscribe(changed);
  return () => {
    offSession();
    offLabeling();
    clearTimeout(timer);
  };
}

function current(): UiState {
  return viewStateOf(useSession.getState(), useLabeling.getState());
}

/**
 * Once the saved bag is open (reopened here, or opened by the shell's or server's own request), shows
 * the saved dataset and section again and turns label mode back on where it was on.
 */
export function restoreWhenOpened(saved: UiState): void {
  const wanted = saved.bag;
  if (!wanted) return;
  const apply = (bag: { path: string } | null): boolean => {
    if (!bag) return false;
    if (bag.path === wanted.path) {
      useSession.getState().restoreView({ datasetRid: wanted.datasetRid, section: wanted.section });
      if (wanted.mode === 'label')
        void useLabeling
          .getState()
          .start(wanted.feature)
          // Label mode opens on its feature's members; it was left on another section (All tables).
          .then(() =>
            useSession.getState().restoreView({ datasetRid: wanted.datasetRid, section: wanted.section }),
          );
    }
    return true;
  };
  if (apply(useSession.getState().bag)) return;
  const off = useSession.subscribe((state, previous) => {
    if (state.bag === previous.bag || !state.bag) return;
    off();
    apply(state.bag);
  });
}
