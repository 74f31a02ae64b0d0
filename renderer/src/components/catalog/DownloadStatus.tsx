import { transferText } from '../../../../shared/catalog.js';
import { useCatalog, type DownloadState } from '../../stores/catalog.js';
import { useProgress } from '../../stores/progress.js';
import { useSession } from '../../stores/session.js';
import { DOWNLOAD_STAGES, downloadProgressView, downloadStage } from './catalogLogic.js';
import { CatalogError } from './CatalogError.js';
import { StepBar } from './StepBar.js';

/** Under a dataset: the running download's stages and bar, then Open, or why it stopped. */
export function DownloadStatus({ download }: { download: DownloadState }) {
  const dismiss = useCatalog((state) => state.dismissDownload);
  switch (download.status) {
    case 'running':
      return <DownloadProgress download={download} />;
    case 'done':
      return <DownloadDone download={download} />;
    case 'cancelled':
      return (
        <div className="catalog-download note" data-testid="download-cancelled">
          <span>
            Download cancelled. The files fetched so far are kept: downloading again picks up where it
            stopped.
          </span>
          <button type="button" className="ghost" onClick={dismiss}>
            Dismiss
          </button>
        </div>
      );
    case 'failed':
      return (
        <div className="catalog-download">
          <CatalogError message={download.problem.message} testId="download-error">
            <button type="button" className="ghost" onClick={dismiss}>
              Dismiss
            </button>
          </CatalogError>
        </div>
      );
  }
}

function DownloadProgress({ download }: { download: Extract<DownloadState, { status: 'running' }> }) {
  const cancel = useCatalog((state) => state.cancelDownload);
  const progress = useProgress((state) => {
    const latest = state.byTask.download;
    return latest?.path === `${download.url}#${download.rid}` ? latest : undefined;
  });
  const view = downloadProgressView(progress);
  const stage = downloadStage(progress);
  const reached = DOWNLOAD_STAGES.findIndex((entry) => entry.stage === stage);
  return (
    <div className="catalog-download" data-testid="download-progress" data-stage={stage}>
      <ol className="catalog-stages" aria-label="Download stages">
        {DOWNLOAD_STAGES.map((entry, index) => (
          <li
            key={entry.stage}
            className={index < reached ? 'done' : index === reached ? 'current' : undefined}
            aria-current={index === reached ? 'step' : undefined}
          >
            {entry.label}
          </li>
        ))}
      </ol>
      <div className="catalog-download-row">
        <StepBar
          label={`Downloading ${download.rid}${download.version ? ` v${download.version}` : ''}`}
          text={view.text}
          count={view.count}
          fraction={view.fraction}
        />
        <button
          type="button"
          className="secondary"
          data-testid="download-cancel"
          onClick={() => void cancel()}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}

function DownloadDone({ download }: { download: Extract<DownloadState, { status: 'done' }> }) {
  const openDownloaded = useCatalog((state) => state.openDownloaded);
  const dismiss = useCatalog((state) => state.dismissDownload);
  const opening = useSession((state) => state.openingPath !== null);
  const { summary } = download;
  const count = `${summary.files.toLocaleString('en-US')} file${summary.files === 1 ? '' : 's'}`;
  const files = summary.materialized
    ? `${count}: ${transferText(summary.transfer)}`
    : `a holey bag, incomplete as expected: ${count} listed in fetch.txt, fetched when you open it and choose Fetch files`;
  return (
    <div className="catalog-download done" data-testid="download-done">
      <div className="catalog-download-text">
        <div>
          <span className="ok" aria-hidden="true">
            ✓{' '}
          </span>
          {summary.cached ? 'Already downloaded' : 'Downloaded'} <span className="rid">{summary.rid}</span> v
          {summary.version} · {files}
        </div>
        <div className="path" title={summary.path} data-testid="download-path">
          {summary.path}
        </div>
      </div>
      <button
        type="button"
        className="primary"
        data-testid="download-open"
        disabled={opening}
        onClick={() => void openDownloaded()}
      >
        Open
      </button>
      <button type="button" className="ghost" onClick={dismiss} aria-label="Dismiss">
        Dismiss
      </button>
    </div>
  );
}
