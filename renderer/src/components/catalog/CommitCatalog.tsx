import { useId } from 'react';
import type { BagOrigin, CatalogConnection, CommitTargetCheck } from '../../../../shared/catalog.js';
import { useCatalog, type CatalogProblem } from '../../stores/catalog.js';
import { commitErrorAdvice, originAddress, originName, originSentence } from './catalogLogic.js';
import { CatalogError } from './CatalogError.js';
import { ConnectForm } from './ConnectForm.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import type { Loaded } from './useCommitPreview.js';

interface CommitCatalogProps {
  origin: BagOrigin | null;
  connection: CatalogConnection | null;
  check: Loaded<CommitTargetCheck> | null;
  /** Connecting to another catalog (or the first one). */
  adding: boolean;
  running: boolean;
  /** The commit's failure, when it asked for a sign-in. */
  signInFailure: CatalogProblem | null;
  needsSignIn: boolean;
  onChoose(url: string): void;
  onAdding(adding: boolean): void;
  onSignedIn(): void;
}

/**
 * Where the labels go: the bag's own catalog (read from the bag), the chosen connection, whether it
 * is the bag's catalog, and the forms to connect or sign in.
 */
export function CommitCatalog({
  origin,
  connection,
  check,
  adding,
  running,
  signInFailure,
  needsSignIn,
  onChoose,
  onAdding,
  onSignedIn,
}: CommitCatalogProps) {
  const id = useId();
  const connections = useCatalog((state) => state.connections);
  const suggestedUrl = useCatalog((state) => state.suggestedUrl);
  const showConnect = adding || connection === null;
  const verdict = check?.status === 'ready' && !check.stale ? check.value : null;
  const home = origin ? originAddress(origin) : null;
  const homeConnected = origin?.origin && connections.some((other) => other.origin === origin.origin);
  return (
    <section className="commit-section" aria-labelledby={`${id}-catalog`}>
      <h3 id={`${id}-catalog`} className="catalog-subtitle">
        Catalog
      </h3>
      {origin && (
        <p className="muted small" data-testid="commit-origin">
          {originSentence(origin)}
        </p>
      )}
      {connection && !adding && (
        <div className="commit-catalog-row">
          {connections.length > 1 ? (
            <select
              className="catalog-select mono"
              data-testid="commit-catalog"
              aria-label="Catalog to commit to"
              value={connection.url}
              disabled={running}
              onChange={(event) => onChoose(event.target.value)}
            >
              {connections.map((other) => (
                <option key={other.url} value={other.url}>
                  {other.url}
                </option>
              ))}
            </select>
          ) : (
            <span className="mono commit-catalog-url" title={connection.url} data-testid="commit-catalog">
              {connection.url}
            </span>
          )}
          <ConnectionBadge connection={connection} testId="commit-connection-status" />
          <button
            type="button"
            className="ghost"
            disabled={running}
            onClick={() => onAdding(true)}
            data-testid="commit-add-catalog"
          >
            Another catalog…
          </button>
        </div>
      )}
      {connection && !showConnect && verdict?.verdict === 'mismatch' && (
        <CatalogError
          tone="warn"
          message={verdict.message!}
          advice={commitErrorAdvice('catalog-mismatch')}
          testId="commit-mismatch"
        >
          {home && !homeConnected && (
            <button
              type="button"
              className="secondary"
              data-testid="commit-connect-origin"
              onClick={() => onAdding(true)}
            >
              Connect to {originName(origin!)}…
            </button>
          )}
        </CatalogError>
      )}
      {connection && !showConnect && verdict?.verdict === 'mirror' && (
        <p className="commit-note" data-testid="commit-mirror">
          {verdict.message}
        </p>
      )}
      {showConnect && (
        <>
          {origin?.origin && !origin.catalog && (
            <p className="muted small" data-testid="commit-origin-hint">
              The address starts with the bag’s server; add the catalog’s number at its end.
            </p>
          )}
          <ConnectForm
            // The bag's origin arrives after the first render: the form starts again with it.
            key={home ?? ''}
            initialUrl={home ?? suggestedUrl}
            onConnected={(connected: CatalogConnection) => {
              onChoose(connected.url);
              onAdding(false);
            }}
            onCancel={connection ? () => onAdding(false) : undefined}
          />
        </>
      )}
      {connection && !showConnect && needsSignIn && (
        <div className="commit-sign-in" data-testid="commit-sign-in">
          <p className="commit-kept" data-testid="commit-drafts-kept">
            Your drafts are kept; sign in and commit again.
          </p>
          {(signInFailure?.message ?? connection.problem) && (
            <p className="commit-sign-in-reason" data-testid="commit-sign-in-reason">
              {signInFailure?.message ?? connection.problem}
            </p>
          )}
          <ConnectForm
            key={connection.url}
            initialUrl={connection.url}
            lockUrl
            initialMethod={connection.credentialSource === 'token' ? 'token' : 'login'}
            submitLabel="Sign in"
            onConnected={onSignedIn}
          />
        </div>
      )}
    </section>
  );
}
