import { transferText } from '../../../../shared/catalog.js';
import { useFetchFiles } from '../../stores/fetchFiles.js';
import { useProgress } from '../../stores/progress.js';
import { useSession } from '../../stores/session.js';
import { ProgressBar } from '../common/ProgressBar.js';

/**
 * Under the bag header of a holey bag: "Fetch files" brings the files fetch.txt lists into the bag,
 * reusing copies already on disk, with progress ("N reused, M fetched, X MB") and Cancel.
 */
export function FetchFiles() {
  const bag = useSession((state) => state.bag);
  const fetchState = useFetchFiles((state) => state.state);
  const start = useFetchFiles((state) => state.start);
  const cancel = useFetchFiles((state) => state.cancel);
  const dismiss = useFetchFiles((state) => state.dismiss);
  const progress = useProgress((state) => state.byTask.fetch);
  if (!bag) return null;
  const mine = fetchState.status !== 'idle' && fetchState.bagId === bag.bagId ? fetchState : null;
  if (bag.report.materialized && mine?.status !== 'done') return null;

  if (mine?.status === 'running') {
    return (
      <div className="fetch-files" data-testid="fetch-files-progress">
        <ProgressBar label="Fetching the files" progress={progress} testId="fetch-files-bar" />
        <span className="muted" data-testid="fetch-files-detail">
          {progress?.detail ?? 'Looking for copies on this computer…'}
        </span>
        <button
          type="button"
          className="secondary"
          data-testid="fetch-files-cancel"
          onClick={() => void cancel()}
        >
          Cancel
        </button>
      </div>
    );
  }
  if (mine?.status === 'done') {
    return (
      <div className="fetch-files done" data-testid="fetch-files-done">
        <span>
          {mine.summary.materialized ? 'Every file is in the bag' : 'Some files are still missing'}:{' '}
          {transferText(mine.summary.transfer)}
          {mine.summary.skipped > 0
            ? ` (${mine.summary.skipped.toLocaleString('en-US')} were there already)`
            : ''}
          .
        </span>
        <button type="button" className="ghost" onClick={dismiss}>
          Dismiss
        </button>
      </div>
    );
  }
  return (
    <div className="fetch-files" data-testid="fetch-files">
      <span className="warn">
        {mine?.status === 'cancelled'
          ? 'Fetching was cancelled; the files fetched so far are kept and fetching again picks up where it stopped.'
          : mine?.status === 'failed'
            ? mine.message
            : 'This bag is holey: its asset files are listed in fetch.txt but not here yet.'}
      </span>
      <button
        type="button"
        className="primary"
        data-testid="fetch-files-button"
        onClick={() => void start()}
        title="Fetch the files fetch.txt lists; copies already on this computer are reused"
      >
        Fetch files
      </button>
    </div>
  );
}
