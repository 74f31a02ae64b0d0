import type { Progress } from '../../stores/progress.js';

interface ProgressBarProps {
  label: string;
  progress: Progress | undefined;
  testId?: string;
}

/** A labelled bar; indeterminate until the task reports a total. */
export function ProgressBar({ label, progress, testId }: ProgressBarProps) {
  const total = progress?.total ?? 0;
  const done = Math.min(progress?.done ?? 0, total);
  const known = total > 0;
  return (
    <div className="progress" data-testid={testId}>
      <div className="progress-text">
        <span>{progress?.phase ? `${label}: ${progress.phase}` : label}</span>
        {known && (
          <span className="muted">
            {done.toLocaleString()} / {total.toLocaleString()}
          </span>
        )}
      </div>
      <div
        className={known ? 'progress-track' : 'progress-track indeterminate'}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={known ? total : undefined}
        aria-valuenow={known ? done : undefined}
      >
        <div className="progress-fill" style={known ? { width: `${(100 * done) / total}%` } : undefined} />
      </div>
    </div>
  );
}
