import { useEffect } from 'react';
import { formatCount } from '../../data/format.js';
import { useDraftStatus } from '../../stores/draftStatus.js';
import { useLabeling } from '../../stores/labeling.js';

/** Read again this long after the last label action, not on every keypress. */
const REFRESH_DELAY_MS = 400;

/** "✎ 70 drafts" in the bag header, in every mode: the user's uncommitted work is always in sight. */
export function DraftCount({ bagId }: { bagId: string }) {
  const status = useDraftStatus((state) => (state.bagId === bagId ? state.status : null));
  // Followed outside React: a label must not redraw this chip, only the answer read after it.
  useEffect(() => {
    const refresh = () => void useDraftStatus.getState().refresh(bagId);
    refresh();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = useLabeling.subscribe((state, previous) => {
      if (state.draftsVersion === previous.draftsVersion) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, REFRESH_DELAY_MS);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [bagId]);
  if (!status) return null;
  const perFeature = Object.entries(status.drafts)
    .map(([feature, count]) => `${feature}: ${count.toLocaleString()}`)
    .join('\n');
  return (
    <span
      className={status.total > 0 ? 'chip draft-count' : 'chip draft-count none'}
      data-testid="draft-count"
      data-total={status.total}
      title={
        status.total > 0
          ? `Your drafts, not committed yet:\n${perFeature}`
          : 'You have no drafts in this bag.'
      }
    >
      <span aria-hidden="true">✎</span> {formatCount(status.total)} draft{status.total === 1 ? '' : 's'}
    </span>
  );
}
