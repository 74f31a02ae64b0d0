import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useCatalog } from '../../stores/catalog.js';
import { useProgress } from '../../stores/progress.js';
import { useSession } from '../../stores/session.js';
import {
  commitErrorAdvice,
  commitProgressView,
  connectionForOrigin,
  connectionStatus,
  rowsText,
  type DraftFilter,
} from './catalogLogic.js';
import { CatalogError } from './CatalogError.js';
import { CommitCatalog } from './CommitCatalog.js';
import { CommitSummaryTable, DraftsList } from './CommitPreview.js';
import { CommitResult } from './CommitResult.js';
import { StepBar } from './StepBar.js';
import { useBagOrigin, useCommitPreview, useTargetCheck } from './useCommitPreview.js';

const DEFAULT_WORKFLOW = 'Satchel offline labeling';

interface CommitDialogProps {
  onClose(): void;
}

/**
 * Commits the open bag's drafts to a catalog as one Execution: where (the bag's own catalog first),
 * under which workflow, exactly what will be sent, then the result and the drafts marked committed.
 */
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
  const [filter, setFilter] = useState<DraftFilter>('pending');
  const origin = useBagOrigin(bag.bagId);

  const connection =
    connections.find((candidate) => candidate.url === chosenUrl) ??
    (origin ? connectionForOrigin(connections, origin) : null) ??
    connections.find((candidate) => candidate.url === activeUrl) ??
    connections[0] ??
    null;
  const mine = commit.status !== 'idle' && commit.bagId === bag.bagId ? commit : null;
  const running = mine?.status === 'running';
  // Each finished attempt changes the journal: the preview is read again after it.
  const round = mine && mine.status !== 'running' ? mine.status : 'before';
  const preview = useCommitPreview(bag.bagId, connection?.url ?? null, filter, round);
  const check = useTargetCheck(bag.bagId, connection);
  const status = connectionStatus(connection);
  const failed = mine?.status === 'failed' ? mine.problem : null;
  const needsSignIn = status.tone === 'sign-in' || failed?.kind === 'auth-required';
  const showConnect = adding || connection === null;
  const ready = preview.status === 'ready' ? preview.value : null;
  const toSend = ready?.pending ?? 0;
  const somethingToDo = toSend > 0 || ready?.unfinished != null;
  const mismatch = check?.status === 'ready' && !check.stale && check.value.verdict === 'mismatch';

  useEffect(() => {
    resetCommit();
    const previous = document.activeElement;
    dialog.current?.focus();
    return () => {
      if (previous instanceof HTMLElement) previous.focus();
    };
  }, [resetCommit]);

  useEffect(() => {
    // After a commit the marks are the news: show every draft, committed ones included.
    if (mine?.status === 'done') setFilter('all');
  }, [mine?.status]);

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

  const blocked = !connection
    ? 'Connect to a catalog first.'
    : mismatch
      ? 'This catalog is not the one the bag came from.'
      : !ready
        ? 'Counting the drafts…'
        : !somethingToDo
          ? ready.committed > 0
            ? 'Nothing to send: every draft is in this catalog already.'
            : 'There are no drafts to commit yet.'
          : null;

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
          <CommitCatalog
            origin={origin}
            connection={connection}
            check={check}
            adding={adding}
            running={running}
            signInFailure={failed?.kind === 'auth-required' ? failed : null}
            needsSignIn={needsSignIn}
            onChoose={(url) => {
              setChosenUrl(url);
              resetCommit();
            }}
            onAdding={setAdding}
            onSignedIn={() => resetCommit()}
          />

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

          {mine?.status !== 'done' && <CommitSummaryTable preview={preview} mismatch={mismatch} />}

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
                  failed.kind === 'catalog-mismatch' ||
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

          <DraftsList preview={preview} filter={filter} onFilter={setFilter} />
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
                disabled={running || showConnect || needsSignIn || blocked !== null}
                onClick={start}
                title={blocked ?? `Commit ${rowsText(toSend)} to ${connection!.url}`}
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

function CommitProgress() {
  const progress = useProgress((state) => state.byTask.commit);
  const view = commitProgressView(progress);
  return (
    <div className="commit-progress" data-testid="commit-progress" data-step={view.step}>
      <StepBar label="Committing" text={view.text} count={view.count} fraction={view.fraction} />
    </div>
  );
}
