import { useMemo, useState } from 'react';
import type { DatasetListing } from '../../../../shared/catalog.js';
import { useCatalog } from '../../stores/catalog.js';
import {
  membersText,
  pickVersion,
  snapshotText,
  stateAtVersion,
  versionOptionText,
  versionsNewestFirst,
} from './catalogLogic.js';
import { CatalogError } from './CatalogError.js';
import { DownloadStatus } from './DownloadStatus.js';

/** The datasets of the active catalog, each with a version picker and a Download button. */
export function DatasetList({ url }: { url: string }) {
  const datasets = useCatalog((state) => (state.datasets?.url === url ? state.datasets : null));
  const loadDatasets = useCatalog((state) => state.loadDatasets);
  const fetchFiles = useCatalog((state) => state.fetchFiles);
  const setFetchFiles = useCatalog((state) => state.setFetchFiles);
  const list = datasets?.status === 'ready' ? datasets.list : null;
  const parents = useMemo(() => {
    const map = new Map<string, string>();
    for (const dataset of list ?? []) for (const child of dataset.children) map.set(child, dataset.rid);
    return map;
  }, [list]);

  return (
    <div className="catalog-datasets" data-testid="catalog-datasets">
      <div className="catalog-datasets-header">
        <h3 className="catalog-subtitle">
          Datasets{list && <span className="muted"> · {list.length.toLocaleString('en-US')}</span>}
        </h3>
        <label
          className="toggle catalog-files-toggle"
          title="Off: a holey bag, its files listed in fetch.txt only"
        >
          <input
            type="checkbox"
            data-testid="download-files"
            checked={fetchFiles}
            onChange={(event) => setFetchFiles(event.target.checked)}
          />
          Download the asset files too
        </label>
        <button
          type="button"
          className="ghost"
          data-testid="catalog-refresh"
          disabled={datasets?.status === 'loading'}
          onClick={() => void loadDatasets(url)}
        >
          Refresh
        </button>
      </div>
      {(!datasets || datasets.status === 'loading') && (
        <p className="muted catalog-loading" data-testid="catalog-datasets-loading">
          Reading the catalog’s datasets…
        </p>
      )}
      {datasets?.status === 'failed' && (
        <CatalogError message={datasets.problem.message} testId="catalog-datasets-error">
          <button type="button" className="secondary" onClick={() => void loadDatasets(url)}>
            Try again
          </button>
        </CatalogError>
      )}
      {list && list.length === 0 && <p className="muted">This catalog has no datasets yet.</p>}
      {list && list.length > 0 && (
        <ul className="catalog-dataset-list">
          {list.map((dataset) => (
            <DatasetItem key={dataset.rid} dataset={dataset} parent={parents.get(dataset.rid) ?? null} />
          ))}
        </ul>
      )}
    </div>
  );
}

function DatasetItem({ dataset, parent }: { dataset: DatasetListing; parent: string | null }) {
  const [chosen, setChosen] = useState<string | null>(null);
  const startDownload = useCatalog((state) => state.startDownload);
  const downloading = useCatalog((state) => state.download?.status === 'running');
  const mine = useCatalog((state) =>
    state.download?.rid === dataset.rid && state.download.url === state.activeUrl ? state.download : null,
  );
  const version = pickVersion(dataset, chosen);
  // Types, description and counts as they were at the chosen version's snapshot, as its bag has them.
  const shown = stateAtVersion(dataset, version);
  const { rid } = dataset;
  return (
    <li className="catalog-dataset" data-testid={`catalog-dataset-${rid}`}>
      <div className="catalog-dataset-text">
        <div className="catalog-dataset-title">
          <span className="rid">{rid}</span>
          {shown.types.map((type) => (
            <span key={type} className="chip">
              {type}
            </span>
          ))}
          {parent && <span className="muted small">nested in {parent}</span>}
        </div>
        {shown.description && (
          <p className="catalog-dataset-description" title={shown.description}>
            {shown.description}
          </p>
        )}
        <div
          className="muted small"
          data-testid={`members-${rid}`}
          title={
            shown.asOf === 'snapshot'
              ? `As of version ${version?.version ?? ''}, read at its snapshot`
              : 'As the catalog is now'
          }
        >
          {membersText(shown.members)}
          {shown.children.length > 0 &&
            ` · ${shown.children.length} nested dataset${shown.children.length === 1 ? '' : 's'}`}
        </div>
      </div>
      <div className="catalog-dataset-version">
        {dataset.versions.length > 0 ? (
          <select
            className="catalog-select"
            aria-label={`Version of dataset ${rid}`}
            data-testid={`version-${rid}`}
            value={version?.version ?? ''}
            disabled={downloading}
            onChange={(event) => setChosen(event.target.value)}
          >
            {versionsNewestFirst(dataset).map((info) => (
              <option key={info.rid} value={info.version}>
                v{versionOptionText(info, dataset)}
              </option>
            ))}
          </select>
        ) : (
          <span className="muted small">no versions</span>
        )}
        <span
          className="muted small catalog-snapshot"
          data-testid={`snapshot-${rid}`}
          title={
            version && !version.snapshot
              ? 'This version has no snapshot yet: the bag is made from the catalog as it is now.'
              : undefined
          }
        >
          {snapshotText(version)}
        </span>
      </div>
      <button
        type="button"
        className="primary"
        data-testid={`download-${rid}`}
        disabled={downloading || !version}
        title={version ? `Download ${rid} v${version.version} as a bag` : 'This dataset has no version yet'}
        onClick={() => version && void startDownload(rid, version.version)}
      >
        Download
      </button>
      {mine && <DownloadStatus download={mine} />}
    </li>
  );
}
