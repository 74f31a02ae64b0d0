import { useNotices } from '../../stores/notices.js';

export function ErrorBanner() {
  const errors = useNotices((state) => state.errors);
  const dismiss = useNotices((state) => state.dismiss);
  if (errors.length === 0) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      {errors.map((notice) => (
        <div key={notice.id} className="error-item">
          <span className="error-message">{notice.message}</span>
          <button
            type="button"
            className="ghost"
            onClick={() => dismiss(notice.id)}
            aria-label="Dismiss this error"
          >
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
