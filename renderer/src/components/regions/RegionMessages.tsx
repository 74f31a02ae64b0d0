import { useRegions } from '../../stores/regions/index.js';

/** A region action that failed (what is stored is shown again), or a note such as "Undid the move." */
export function RegionMessages() {
  const error = useRegions((state) => state.error);
  const notice = useRegions((state) => state.notice);
  const { dismissError, say } = useRegions.getState();
  if (!error && !notice) return null;
  return (
    <div className="label-messages">
      {error && (
        <p className="label-error" role="alert" data-testid="region-error">
          <span>{error}</span>
          <button type="button" className="ghost" onClick={dismissError} aria-label="Dismiss this error">
            ×
          </button>
        </p>
      )}
      {notice && (
        <p className="label-notice" role="status" data-testid="region-notice">
          <span>{notice}</span>
          <button type="button" className="ghost" onClick={() => say(null)} aria-label="Dismiss this note">
            ×
          </button>
        </p>
      )}
    </div>
  );
}
