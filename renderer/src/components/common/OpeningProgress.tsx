import { useProgress } from '../../stores/progress.js';
import { useSession } from '../../stores/session.js';
import { ProgressBar } from './ProgressBar.js';

export function OpeningProgress() {
  const path = useSession((state) => state.openingPath);
  const progress = useProgress((state) => state.byTask.open);
  if (!path) return null;
  return (
    <div className="opening" role="status" data-testid="opening">
      <ProgressBar label={`Opening ${path}`} progress={progress} />
    </div>
  );
}
