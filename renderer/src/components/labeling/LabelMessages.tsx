import { useLabeling } from '../../stores/labeling.js';

/** The sentence of a label call that failed (nothing moved on), or a note such as "Nothing to undo". */
export function LabelMessages() {
  const error = useLabeling((state) => state.error);
  const notice = useLabeling((state) => state.notice);
  const { dismissError, dismissNotice } = useLabeling.getState();
  if (!error && !notice) return null;
  return (
    <div className="label-messages">
      {error && (
        <p className="label-error" role="alert" data-testid="label-error">
          <span>
            {error.message}
            {error.cancelled > 0 &&
              ` ${error.cancelled} later action${error.cancelled === 1 ? ' was' : 's were'} not sent.`}
          </span>
          <button type="button" className="ghost" onClick={dismissError} aria-label="Dismiss this error">
            ×
          </button>
        </p>
      )}
      {notice && (
        <p className="label-notice" role="status" data-testid="label-notice">
          <span>{notice}</span>
          <button type="button" className="ghost" onClick={dismissNotice} aria-label="Dismiss this note">
            ×
          </button>
        </p>
      )}
    </div>
  );
}
