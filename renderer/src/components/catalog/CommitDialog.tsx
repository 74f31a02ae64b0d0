import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { CatalogConnection, CommitSummary } from '../../../../shared/catalog.js';
import type { LabelFeature } from '../../../../shared/labels.js';
import { request } from '../../api.js';
import { problemOf, useCatalog, type CatalogProblem } from '../../stores/catalog.js';
import { useProgress } from '../../stores/progress.js';
import { useSession } from '../../stores/session.js';
import {
  commitErrorAdvice,
  commitProgressView,
  connectionStatus,
  draftsText,
  insertedRows,
} from './catalogLogic.js';
import { CatalogError } from './CatalogError.js';
import { ConnectForm } from './ConnectForm.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import { StepBar } from './StepBar.js';

const DEFAULT_WORKFLOW = 'Satchel offline labeling';

type DraftSummary =
  | { status: 'loading' }
  | { status: 'ready'; features: LabelFeature[] }
  | { status: 'failed'; problem: CatalogProblem };

/** The drafts of every feature of the bag (labels:features progress: drafted members of the whole bag). */
function useDraftSummary(bagId: string): DraftSummary {
  const [summary, setSummary] = useState<DraftSummary>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    request('labels:features', { bagId }).then(
      (features) => live && setSummary({ status: 'ready', features }),
      (error: unknown) => live && setSummary({ status: 'failed', problem: problemOf(error) }),
    );
    return () => {
      live = false;
    };
  }, [bagId]);
  return summary;
}

interface CommitDialogProps {
  onClose(): void;
}

/** Commits the open bag's drafts to a catalog as one Execution: where, under which workflow, what, then the result. */
export function CommitDialog({ onClose }: CommitDialogProps) {
  const id = useId();
  const dialog = useRef<HTMLDivElement>(null);
  const bag = useSession((state) => state.bag)!;
  const connections = useCatalog((state) => state.connections);
  const activeUrl = useCatalog((state) => state.activeUrl);
  const commit = useCatalog((state) => state.commit);
  const startCommit = useCatalog((state) => state.startCommit);
  const resetCommit = useCatalog((state) => state.resetCommit);
  const cancelCommit = useCatalog((state) => state.cancelCommit);
  const [chosenUrl, setChosenUrl] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [workflow, setWorkflow] = useState('');
  const [description, setDescription] = useState('');
  const drafts = useDraftSummary(bag.bagId);

  const connection =
    connections.find((candidate) => candidate.url === chosenUrl) ??
    connections.find((candidate) => candidate.url === activeUrl) ??
    connections[0] ??
    null;
  const mine = commit.status !== 'idle' && commit.bagId === bag.bagId ? commit : null;
  const running = mine?.status === 'running';
  const status = connectionStatus(connection);
  const total =
    drafts.status === 'ready'
      ? drafts.features.reduce((sum, feature) => sum + feature.progress.labeled, 0)
      : 0;
  const failed = mine?.status === 'failed' ? mine.problem : null;
  const needsSignIn = status.tone === 'sign-in' || failed?.kind === 'auth-required';
  const showConnect = adding || connection === null;

  useEffect(() => {
    resetCommit();
    const previous = document.activeElement;
    dialog.current?.focus();
    return () => {
      if (previous instanceof HTMLElement) previous.focus();
    };
  }, [resetCommit]);

  const close = () => {
    if (running) return;
    resetCommit();
    onClose();
  };

  const start = () => {
    if (!connection) return;
    void startCommit({
      bagId: bag.bagId,
      url: connection.url,
      workflow: workflow.trim() || undefined,
      description: description.trim() || undefined,
    });
  };

  return (
    <div className="modal-backdrop" onClick={close}>
      <div
        ref={dialog}
        className="modal commit-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${id}-title`}
        tabIndex={-1}
        data-testid="commit-dialog"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation();
            close();
          }
        }}
      >
        <div className="modal-header">
          <h2 id={`${id}-title`}>
            Commit labels of dataset <span className="rid">{bag.report.rid}</span>
          </h2>
          <button type="button" className="ghost" onClick={close} disabled={running} aria-label="Close">
            ✕
          </button>
        </div>
        <div className="commit-body">
          <section className="commit-section" aria-labelledby={`${id}-catalog`}>
            <h3 id={`${id}-catalog`} className="catalog-subtitle">
              Catalog
            </h3>
            {connection && !adding && (
              <div className="commit-catalog-row">
                {connections.length > 1 ? (
                  <select
                    className="catalog-select mono"
                    data-testid="commit-catalog"
                    aria-label="Catalog to commit to"
                    value={connection.url}
                    disabled={running}
                    onChange={(event) => {
                      setChosenUrl(event.target.value);
                      resetCommit();
                    }}
                  >
                    {connections.map((other) => (
                      <option key={other.url} value={other.url}>
                        {other.url}
                      </option>
                    ))}
                  </select>
                ) : (
                  <span
                    className="mono commit-catalog-url"
                    title={connection.url}
                    data-testid="commit-catalog"
                  >
                    {connection.url}
                  </span>
                )}
                <ConnectionBadge connection={connection} testId="commit-connection-status" />
                <button
                  type="button"
                  className="ghost"
                  disabled={running}
                  onClick={() => setAdding(true)}
                  data-testid="commit-add-catalog"
                >
                  Another catalog…
                </button>
              </div>
            )}
            {showConnect && (
              <ConnectForm
                initialUrl={useCatalog.getState().suggestedUrl}
                onConnected={(connected: CatalogConnection) => {
                  setChosenUrl(connected.url);
                  setAdding(false);
                  resetCommit();
                }}
                onCancel={connection ? () => setAdding(false) : undefined}
              />
            )}
            {connection && !showConnect && needsSignIn && (
              <div className="commit-sign-in" data-testid="commit-sign-in">
                <p className="commit-kept" data-testid="commit-drafts-kept">
                  Your drafts are kept; sign in and commit again.
                </p>
                {failed?.kind === 'auth-required' && (
                  <p className="commit-sign-in-reason" data-testid="commit-sign-in-reason">
                    {failed.message}
                  </p>
                )}
                <ConnectForm
                  key={connection.url}
                  initialUrl={connection.url}
                  lockUrl
                  initialMethod={connection.credentialSource === 'token' ? 'token' : 'login'}
                  submitLabel="Sign in"
                  onConnected={() => resetCommit()}
                />
              </div>
            )}
          </section>

          {mine?.status !== 'done' && (
            <section className="commit-section" aria-labelledby={`${id}-execution`}>
              <h3 id={`${id}-execution`} className="catalog-subtitle">
                Execution
              </h3>
              <div className="catalog-field-row">
                <label className="catalog-field" htmlFor={`${id}-workflow`}>
                  <span className="catalog-field-label">Workflow</span>
                  <input
                    id={`${id}-workflow`}
                    type="text"
                    data-testid="commit-workflow"
                    placeholder={DEFAULT_WORKFLOW}
                    maxLength={200}
                    disabled={running}
                    value={workflow}
                    onChange={(event) => setWorkflow(event.target.value)}
                  />
                </label>
              </div>
              <label className="catalog-field" htmlFor={`${id}-description`}>
                <span className="catalog-field-label">Description</span>
                <textarea
                  id={`${id}-description`}
                  data-testid="commit-description"
                  rows={2}
                  maxLength={2000}
                  disabled={running}
                  placeholder={`Labels made offline with Satchel by ${connection?.user ?? 'you'}`}
                  value={description}
                  onChange={(event) => setDescription(event.target.value)}
                />
              </label>
              <p className="muted small">
                The workflow is found by name or created once; the execution records the bag’s dataset version
                as its input.
              </p>
            </section>
          )}

          {mine?.status !== 'done' && <DraftsToSend drafts={drafts} />}

          {running && (
            <Revealed>
              <CommitProgress />
            </Revealed>
          )}

          {failed && failed.kind !== 'auth-required' && (
            <Revealed>
              <CatalogError
                tone={
                  failed.kind === 'schema-drift' ||
                  failed.kind === 'nothing-to-commit' ||
                  failed.kind === 'cancelled'
                    ? 'warn'
                    : 'danger'
                }
                message={failed.message}
                advice={commitErrorAdvice(failed.kind)}
                testId="commit-error"
              />
            </Revealed>
          )}

          {mine?.status === 'done' && (
            <Revealed>
              <CommitResult result={mine.result} />
            </Revealed>
          )}
        </div>
        <div className="commit-footer">
          {mine?.status === 'done' ? (
            <button type="button" className="primary" onClick={close} data-testid="commit-close">
              Done
            </button>
          ) : (
            <>
              {running ? (
                <button
                  type="button"
                  className="ghost"
                  data-testid="commit-cancel"
                  onClick={() => void cancelCommit()}
                  title="Stop after the request under way; committing again finishes the rest"
                >
                  Cancel commit
                </button>
              ) : (
                <button type="button" className="ghost" onClick={close}>
                  Cancel
                </button>
              )}
              <button
                type="button"
                className="primary"
                data-testid="commit-start"
                disabled={running || !connection || showConnect || needsSignIn || total === 0}
                onClick={start}
                title={
                  total === 0
                    ? 'There are no drafts to commit yet.'
                    : connection
                      ? `Commit ${draftsText(total)} to ${connection.url}`
                      : 'Connect to a catalog first.'
                }
              >
                {running ? 'Committing…' : failed ? 'Commit again' : 'Commit'}
              </button>
            </>
          )}
        </div>
      </div>
    </div>
  );
}

/** Scrolls what it wraps into view when it appears (progress, error, result below the form). */
function Revealed({ children }: { children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // A block body: newer Chromium returns a promise from scrollIntoView, which React would take for a cleanup.
    ref.current?.scrollIntoView({ block: 'nearest' });
  }, []);
  return (
    <div ref={ref} className="commit-revealed">
      {children}
    </div>
  );
}

function DraftsToSend({ drafts }: { drafts: DraftSummary }) {
  if (drafts.status === 'loading') return <p className="muted">Counting the drafts…</p>;
  if (drafts.status === 'failed') return <CatalogError message={drafts.problem.message} />;
  const features = drafts.features.filter((feature) => feature.progress.labeled > 0);
  const total = features.reduce((sum, feature) => sum + feature.progress.labeled, 0);
  return (
    <section className="commit-section" data-testid="commit-summary" data-total={total}>
      <h3 className="catalog-subtitle">What will be sent</h3>
      {total === 0 ? (
        <p className="muted">
          This bag has no drafts yet. Label some {drafts.features[0]?.shape.target ?? 'members'} first.
        </p>
      ) : (
        <>
          <table className="commit-table">
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col" className="number">
                  Drafts
                </th>
                <th scope="col" className="number">
                  Of members
                </th>
              </tr>
            </thead>
            <tbody>
              {features.map((feature) => (
                <tr key={feature.key} data-testid={`commit-feature-${feature.key}`}>
                  <td className="mono">{feature.key}</td>
                  <td className="number">{feature.progress.labeled.toLocaleString('en-US')}</td>
                  <td className="number muted">{feature.progress.total.toLocaleString('en-US')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            {draftsText(total)} in all, each as one feature row of the new execution. Drafts already committed
            to this catalog are not sent twice.
          </p>
        </>
      )}
    </section>
  );
}

function CommitProgress() {
  const progress = useProgress((state) => state.byTask.commit);
  const view = commitProgressView(progress);
  return (
    <div className="commit-progress" data-testid="commit-progress" data-step={view.step}>
      <StepBar label="Committing" text={view.text} count={view.count} fraction={view.fraction} />
    </div>
  );
}

function CommitResult({ result }: { result: CommitSummary }) {
  const rows = insertedRows(result.inserted);
  return (
    <section
      className={result.alreadyCommitted ? 'commit-result already' : 'commit-result'}
      data-testid="commit-result"
      data-execution-rid={result.executionRid}
      data-already-committed={result.alreadyCommitted}
    >
      <div className="commit-result-title">
        <span className="commit-result-icon" aria-hidden="true">
          ✓
        </span>
        <div>
          <p className="commit-result-headline">
            {result.alreadyCommitted ? 'Already committed as execution ' : 'Committed as execution '}
            <span className="rid" data-testid="commit-execution-rid">
              {result.executionRid}
            </span>
          </p>
          <p className="muted small">
            {result.alreadyCommitted
              ? 'These drafts were sent before; nothing was sent again.'
              : `${result.rows.toLocaleString('en-US')} feature value${result.rows === 1 ? '' : 's'} sent · workflow ${result.workflowRid}`}
          </p>
        </div>
        <a
          className="secondary commit-chaise"
          href={result.chaiseUrl}
          target="_blank"
          rel="noreferrer"
          data-testid="commit-chaise-link"
        >
          Open in Chaise ↗
        </a>
      </div>
      {rows.length > 0 && (
        <table className="commit-table">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" className="number">
                Rows
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ table, rows: count }) => (
              <tr key={table} data-testid={`commit-rows-${table}`}>
                <td className="mono">{table}</td>
                <td className="number">{count.toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
