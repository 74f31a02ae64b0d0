import { useEffect } from 'react';
import { useDebounced } from '../../hooks/useDebounced.js';
import { useDraftStatus } from '../../stores/draftStatus.js';
import { useLabeling } from '../../stores/labeling.js';

/** Read again this long after the last label action, not on every keypress. */
const REFRESH_DELAY_MS = 400;

/** "✎ 70 drafts" in the bag header, in every mode: the user's uncommitted work is always in sight. */
export function DraftCount({ bagId }: { bagId: string }) {
  const status = useDraftStatus((state) => (state.bagId === bagId ? state.status : null));
  const draftsVersion = useDebounced(
    useLabeling((state) => state.draftsVersion),
    REFRESH_DELAY_MS,
  );
  useEffect(() => {
    void useDraftStatus.getState().refresh(bagId);
  }, [bagId, draftsVersion]);
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
      <span aria-hidden="true">✎</span> {status.total.toLocaleString()} draft{status.total === 1 ? '' : 's'}
    </span>
  );
}
