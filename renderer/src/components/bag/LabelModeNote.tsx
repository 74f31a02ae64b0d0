import { useLabeling, useLabelFeature } from '../../stores/labeling.js';
import { useSession } from '../../stores/session.js';

/** Shown over another section while label mode is on: it is not lost, and one click goes back to it. */
export function LabelModeNote() {
  const feature = useLabelFeature();
  const progress = useLabeling((state) => (feature ? state.progress[feature.key] : undefined));
  const showSection = useSession((state) => state.showSection);
  if (!feature) return null;
  const target = feature.shape.target;
  return (
    <div className="label-mode-note" role="status" data-testid="label-mode-note">
      <span>
        Label mode stays on for <strong>{feature.key}</strong>
        {progress && ` (${progress.labeled.toLocaleString()} of ${progress.total.toLocaleString()} labeled)`}.
      </span>
      <button
        type="button"
        className="primary"
        data-testid="back-to-labeling"
        onClick={() => showSection({ kind: 'members', elementType: target })}
      >
        Back to labeling {target}
      </button>
    </div>
  );
}
