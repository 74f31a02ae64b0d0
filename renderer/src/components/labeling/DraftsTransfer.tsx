import { useRef, useState, type ChangeEvent } from 'react';
import { errorMessage, request } from '../../api.js';
import { useLabeling, useLabelFeature } from '../../stores/labeling.js';
import { useSession } from '../../stores/session.js';

export interface ImportReport {
  file: string;
  imported: number;
  changed: number;
  rejects: { line: number; reason: string }[];
}

const MIME = { jsonl: 'application/x-ndjson', csv: 'text/csv' } as const;

/** Saves text as a file through the browser's download (Electron handles it the same way). */
function download(text: string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Drafts to and from files: JSON lines or CSV in deriva-ml's FeatureRecord shape. */
export function DraftsTransfer({ onImported }: { onImported(report: ImportReport | null): void }) {
  const bag = useSession((state) => state.bag!);
  const feature = useLabelFeature();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  if (!feature) return null;

  const exportAs = async (format: 'jsonl' | 'csv') => {
    setBusy(true);
    try {
      const { text, count } = await request('labels:export', {
        bagId: bag.bagId,
        feature: feature.key,
        format,
      });
      const name = `${bag.report.rid}_${feature.shape.target}_${feature.shape.feature}_drafts.${format}`;
      download(text, name, MIME[format]);
      useLabeling.setState({
        notice: `Exported ${count.toLocaleString()} draft${count === 1 ? '' : 's'} to ${name}.`,
      });
    } catch (error) {
      useLabeling.setState({ error: { message: errorMessage(error), cancelled: 0 } });
    } finally {
      setBusy(false);
    }
  };

  const importFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setBusy(true);
    onImported(null);
    try {
      const text = await file.text();
      const format = /\.csv$/i.test(file.name) ? 'csv' : 'jsonl';
      const result = await request('labels:import', { bagId: bag.bagId, feature: feature.key, format, text });
      useLabeling.getState().received(result.change, feature.key);
      void useLabeling.getState().refreshFeatures();
      onImported({
        file: file.name,
        imported: result.imported,
        changed: result.changed,
        rejects: result.rejects,
      });
    } catch (error) {
      useLabeling.setState({ error: { message: errorMessage(error), cancelled: 0 } });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="drafts-transfer">
      <details className="menu" data-testid="drafts-menu">
        <summary className="ghost">Drafts file…</summary>
        <div className="menu-items" role="group" aria-label="Drafts files">
          <button
            type="button"
            className="ghost"
            data-testid="export-jsonl"
            disabled={busy}
            onClick={() => void exportAs('jsonl')}
          >
            Export as JSON lines
          </button>
          <button
            type="button"
            className="ghost"
            data-testid="export-csv"
            disabled={busy}
            onClick={() => void exportAs('csv')}
          >
            Export as CSV
          </button>
          <button type="button" className="ghost" disabled={busy} onClick={() => input.current?.click()}>
            Import a file…
          </button>
        </div>
      </details>
      <input
        ref={input}
        type="file"
        accept=".jsonl,.json,.ndjson,.csv,.txt"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Drafts file to import"
        data-testid="import-file"
        onChange={(event) => void importFile(event)}
      />
    </div>
  );
}

export function ImportResult({ report, onDismiss }: { report: ImportReport; onDismiss(): void }) {
  const shown = report.rejects.slice(0, 50);
  return (
    <section
      className={report.rejects.length > 0 ? 'import-report has-rejects' : 'import-report'}
      data-testid="import-report"
    >
      <div className="import-summary">
        <span>
          <strong>{report.file}</strong>: imported {report.imported.toLocaleString()} record
          {report.imported === 1 ? '' : 's'} ({report.changed.toLocaleString()} changed a draft)
          {report.rejects.length > 0 && (
            <>
              , <strong className="warn">{report.rejects.length.toLocaleString()} rejected</strong>
            </>
          )}
          .
        </span>
        <button type="button" className="ghost" onClick={onDismiss}>
          Dismiss
        </button>
      </div>
      {shown.length > 0 && (
        <ul className="rejects" data-testid="import-rejects">
          {shown.map((reject) => (
            <li key={reject.line}>
              <span className="mono">line {reject.line}</span> {reject.reason}
            </li>
          ))}
          {report.rejects.length > shown.length && (
            <li className="muted">…and {(report.rejects.length - shown.length).toLocaleString()} more.</li>
          )}
        </ul>
      )}
    </section>
  );
}
