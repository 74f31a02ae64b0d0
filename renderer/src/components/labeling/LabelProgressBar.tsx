import { formatCount } from '../../data/format.js';
import { useLabeling, useLabelFeature } from '../../stores/labeling.js';
import { useSession } from '../../stores/session.js';

/** Labeled / total of the feature in the selected dataset: always on screen in label mode (bar or viewer). */
export function LabelProgressBar() {
  const feature = useLabelFeature();
  const progress = useLabeling((state) => (feature ? state.progress[feature.key] : undefined));
  const datasetRid = useSession((state) => state.datasetRid);
  if (!feature || !progress) return null;
  const { labeled, total } = progress;
  const label = `${feature.shape.feature} · dataset ${datasetRid ?? ''}`;
  return (
    <div
      className="progress label-progress"
      data-testid="label-progress"
      data-labeled={labeled}
      data-total={total}
      title={`Your drafts of ${feature.key} among the members of dataset ${datasetRid ?? ''} (nested datasets included)`}
    >
      <div className="progress-text">
        <span>{label}</span>
        <span>
          <strong data-testid="label-progress-count">
            {formatCount(labeled)} / {formatCount(total)}
          </strong>{' '}
          <span className="muted">labeled</span>
          <SavingState />
        </span>
      </div>
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={labeled}
      >
        <div className="progress-fill" style={{ width: total > 0 ? `${(100 * labeled) / total}%` : 0 }} />
      </div>
    </div>
  );
}

/** Its own component: each label changes it twice (sent, then acknowledged), and nothing else needs to redraw. */
function SavingState() {
  const saving = useLabeling((state) => state.saving);
  return (
    <span className="saving muted" aria-live="polite">
      {saving > 0 ? ` · saving ${saving}…` : ' · saved'}
    </span>
  );
}
