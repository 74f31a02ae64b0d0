interface StepBarProps {
  /** The bar's accessible name. */
  label: string;
  text: string;
  count: string | null;
  /** 0..1, or null for an indeterminate bar. */
  fraction: number | null;
  testId?: string;
}

/** A progress bar with a sentence and a count, in the app's progress style; indeterminate without a fraction. */
export function StepBar({ label, text, count, fraction, testId }: StepBarProps) {
  const known = fraction !== null;
  const percent = known ? Math.round(fraction * 1000) / 10 : 0;
  return (
    <div className="progress catalog-bar" data-testid={testId}>
      <div className="progress-text">
        <span>{text}</span>
        {count && <span className="muted">{count}</span>}
      </div>
      <div
        className={known ? 'progress-track' : 'progress-track indeterminate'}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={known ? 100 : undefined}
        aria-valuenow={known ? percent : undefined}
        aria-valuetext={count ? `${text}: ${count}` : text}
      >
        <div className="progress-fill" style={known ? { width: `${percent}%` } : undefined} />
      </div>
    </div>
  );
}
