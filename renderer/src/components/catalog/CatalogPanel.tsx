import { useEffect, useState } from 'react';
import { credentialSourceText, type CatalogConnection } from '../../../../shared/catalog.js';
import { useActiveConnection, useCatalog } from '../../stores/catalog.js';
import { connectionName, connectionStatus, type SignInMethod } from './catalogLogic.js';
import { CatalogError } from './CatalogError.js';
import { ConnectForm } from './ConnectForm.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import { DatasetList } from './DatasetList.js';
import './catalog.css';

/** The library's door to a Deriva catalog: connect, browse its datasets, download one as a bag. */
export function CatalogPanel() {
  const active = useActiveConnection();
  const suggestedUrl = useCatalog((state) => state.suggestedUrl);
  const startProblem = useCatalog((state) => state.startProblem);
  const [adding, setAdding] = useState(false);
  const [changing, setChanging] = useState(false);
  useEffect(() => {
    void useCatalog.getState().start();
  }, []);

  return (
    <section className="card catalog-panel" data-testid="catalog-panel" aria-labelledby="catalog-title">
      <div className="catalog-panel-header">
        <h2 id="catalog-title">Catalog</h2>
        {active && <ConnectionBadge connection={active} testId="catalog-status" />}
      </div>
      {!active ? (
        <>
          <p className="muted">
            Connect to a Deriva catalog to download dataset bags. Label them offline; commit the labels back
            as an execution when you are online again.
          </p>
          {startProblem && (
            <CatalogError
              message={startProblem.message}
              advice="Check the address and how you sign in, then connect again."
              testId="catalog-error"
            />
          )}
          <ConnectForm key={suggestedUrl} initialUrl={suggestedUrl} />
        </>
      ) : (
        <>
          <ConnectionRow
            connection={active}
            adding={adding || changing}
            onAdd={() => setAdding(true)}
            onChangeSignIn={() => setChanging(true)}
          />
          {changing && (
            <div className="catalog-subpanel" data-testid="catalog-change-sign-in">
              <h3 className="catalog-subtitle">Sign in to this catalog another way</h3>
              <p className="muted small">
                If the catalog refuses the new sign-in, the one you have now stays.
              </p>
              <ConnectForm
                key={active.url}
                initialUrl={active.url}
                lockUrl
                initialMethod="token"
                submitLabel="Sign in"
                onConnected={() => setChanging(false)}
                onCancel={() => setChanging(false)}
              />
            </div>
          )}
          {adding && (
            <div className="catalog-subpanel">
              <h3 className="catalog-subtitle">Connect another catalog</h3>
              <ConnectForm onConnected={() => setAdding(false)} onCancel={() => setAdding(false)} />
            </div>
          )}
          <ConnectionBody connection={active} />
        </>
      )}
    </section>
  );
}

function ConnectionRow({
  connection,
  adding,
  onAdd,
  onChangeSignIn,
}: {
  connection: CatalogConnection;
  /** A form is open under the row: its buttons step aside. */
  adding: boolean;
  onAdd(): void;
  onChangeSignIn(): void;
}) {
  const connections = useCatalog((state) => state.connections);
  const select = useCatalog((state) => state.select);
  const disconnect = useCatalog((state) => state.disconnect);
  const signedIn = connection.user
    ? `${connection.user}, with ${credentialSourceText(connection.credentialSource)}`
    : null;
  return (
    <div className="catalog-connection">
      <div className="catalog-connection-text">
        {connections.length > 1 ? (
          <select
            className="catalog-select mono"
            aria-label="Catalog"
            data-testid="catalog-choice"
            value={connection.url}
            onChange={(event) => select(event.target.value)}
          >
            {connections.map((other) => (
              <option key={other.url} value={other.url}>
                {other.url}
              </option>
            ))}
          </select>
        ) : (
          <div
            className="catalog-connection-url mono"
            title={connection.url}
            data-testid="catalog-connected-url"
          >
            {connection.url}
          </div>
        )}
        <div className="muted small">
          {connectionName(connection)}
          {signedIn && ` · signed in as ${signedIn}`}
        </div>
      </div>
      {!adding && connectionStatus(connection).tone === 'online' && (
        <button
          type="button"
          className="ghost"
          onClick={onChangeSignIn}
          data-testid="catalog-change-sign-in-open"
        >
          Change sign-in…
        </button>
      )}
      {!adding && (
        <button type="button" className="ghost" onClick={onAdd} data-testid="catalog-add">
          Connect another…
        </button>
      )}
      <button
        type="button"
        className="ghost"
        onClick={() => void disconnect(connection.url)}
        data-testid="catalog-disconnect"
      >
        Disconnect
      </button>
    </div>
  );
}

/** Signed in: the datasets. Needs a sign-in: the form, the address fixed. Offline: why, and a retry. */
function ConnectionBody({ connection }: { connection: CatalogConnection }) {
  const loadDatasets = useCatalog((state) => state.loadDatasets);
  const status = connectionStatus(connection);
  if (status.tone === 'sign-in') {
    // A refused credential file is usually fixed by signing in another way; a token by a fresh one.
    const method: SignInMethod = connection.credentialSource === 'token' ? 'token' : 'login';
    return (
      <div className="catalog-subpanel">
        <CatalogError
          tone="warn"
          message={connection.problem ?? 'The catalog asks you to sign in.'}
          advice="Sign in to list and download its datasets. Bags you downloaded and your drafts stay available."
          testId="catalog-sign-in-needed"
        />
        <ConnectForm
          key={connection.url}
          initialUrl={connection.url}
          lockUrl
          initialMethod={method}
          submitLabel="Sign in"
        />
      </div>
    );
  }
  if (status.tone === 'offline') {
    return (
      <CatalogError
        tone="warn"
        message={status.detail}
        advice="You can keep working offline: downloaded bags and your drafts stay on this computer."
        testId="catalog-offline"
      >
        <button type="button" className="secondary" onClick={() => void loadDatasets(connection.url)}>
          Try again
        </button>
      </CatalogError>
    );
  }
  return <DatasetList url={connection.url} />;
}
