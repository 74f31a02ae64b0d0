import { transferText, type CatalogConnection, type CredentialSource } from '../../../shared/catalog.js';
import type { EventMap, RequestOf, ResponseMap, ResponseOf } from '../../../shared/contract.js';
import type { Bag } from '../bag/index.js';
import {
  CatalogClient,
  confirmGlobusSignIn,
  isCatalogError,
  login,
  parseCatalogUrl,
  pastedCredential,
  presentable,
  storedSignIn,
  signedInAs,
  type Credential,
} from '../catalog/index.js';
import { commitDrafts } from '../commit/index.js';
import { appVersion } from '../common/index.js';
import { downloadBag, listDatasets } from '../download/index.js';
import type { LabelStore } from '../labels/index.js';
import type { WorkspaceDb } from '../workspace-db/index.js';
import { RequestError } from './errors.js';
import { throttledProgress } from './progress.js';

type CatalogChannel = Extract<keyof ResponseMap, `catalog:${string}`>;
type CatalogHandlers = {
  [C in CatalogChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

interface Connection {
  client: CatalogClient;
  state: CatalogConnection;
}

/** The catalogs Satchel is connected to this session, by catalog URL. */
export class CatalogConnections extends Map<string, Connection> {
  /** The credential of a connection to this origin (the host Hatrac files are fetched from), if any. */
  credentialFor(origin: string): Credential | null {
    for (const connection of this.values())
      if (connection.client.url.origin === origin) return connection.client.http.credential;
    return null;
  }
}

export interface CatalogDependencies {
  connections: CatalogConnections;
  db: WorkspaceDb;
  store: LabelStore;
  homeDir: string;
  /** The workspace: its content-addressed asset store takes part in downloads. */
  workspace: string;
  requireBag: (bagId: string) => { bag: Bag };
  emit: (event: 'progress', payload: EventMap['progress']) => void;
}

/**
 * The catalog:* channels. Credentials (a pasted token, a login, or deriva-py's credential.json)
 * stay in this process for the session; the renderer only learns where they came from. A 401 on
 * any call marks the connection as needing a new sign-in and keeps every draft.
 */
export function catalogHandlers(deps: CatalogDependencies): CatalogHandlers {
  const { connections } = deps;
  const running = new Map<string, AbortController>();
  /** Commits under way, by catalog and bag, for catalog:commitCancel. */
  const commits = new Map<string, AbortController>();

  const keyOf = (url: string) => {
    const parsed = parseCatalogUrl(url);
    return `${parsed.origin}/ermrest/catalog/${parsed.catalog}`;
  };

  const requireConnection = (url: string): Connection => {
    const found = connections.get(keyOf(url));
    if (!found)
      throw new RequestError('not-found', `Satchel is not connected to ${url}; connect to it first.`);
    return found;
  };

  /** Runs a catalog call, keeping the connection's online state and sign-in problem current. */
  const tracked = async <T>(connection: Connection, run: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    running.set(connection.state.url, controller);
    try {
      const value = await run(controller.signal);
      connection.state = { ...connection.state, online: true, problem: null };
      return value;
    } catch (error) {
      if (isCatalogError(error)) {
        const offline = error.kind === 'network' || error.kind === 'timeout';
        const signIn = error.kind === 'auth-required';
        connection.state = {
          ...connection.state,
          online: !offline,
          problem: signIn
            ? connection.client.http.credential?.globusHost
              ? `${error.message} Your drafts are kept.`
              : 'The catalog asks you to sign in again; your drafts are kept.'
            : offline
              ? error.message
              : connection.state.problem,
        };
      }
      throw error;
    } finally {
      running.delete(connection.state.url);
    }
  };

  const credentialOf = async (
    request: RequestOf<'catalog:connect'>,
  ): Promise<{ credential: Credential | null; source: CredentialSource }> => {
    const url = parseCatalogUrl(request.url);
    if (request.token) return { credential: pastedCredential(request.token), source: 'token' };
    if (request.username)
      return {
        credential: await login(url.origin, request.username, request.password ?? ''),
        source: 'login',
      };
    const stored = await storedSignIn(url, { homeDir: deps.homeDir });
    return { credential: await presentable(url.origin, stored.credential), source: stored.source };
  };

  const progress = (task: 'download' | 'commit', path: string) => {
    const send = throttledProgress((payload) => deps.emit('progress', payload));
    return (phase: string, done: number, total: number, detail?: string) =>
      send({ task, phase, done, total, path, ...(detail === undefined ? {} : { detail }) });
  };

  return {
    'catalog:state': () => ({ connections: [...connections.values()].map((connection) => connection.state) }),
    'catalog:connect': async (request) => {
      const key = keyOf(request.url);
      const { credential, source } = await credentialOf(request);
      const client = new CatalogClient(key, { credential });
      const connection: Connection = {
        client,
        state: {
          url: key,
          origin: client.url.origin,
          catalog: client.url.catalog,
          user: null,
          online: false,
          credentialSource: source,
          problem: null,
        },
      };
      try {
        await tracked(connection, async (signal) => {
          await confirmGlobusSignIn(client, signal);
          await client.catalogInfo({ signal });
          const user = credential ? await signedInAs(client.http, { signal }).catch(() => null) : null;
          connection.state = { ...connection.state, user };
        });
      } catch (error) {
        // A catalog that wants a sign-in is still reached: keep it, with the problem shown.
        if (!isCatalogError(error) || error.kind !== 'auth-required') throw error;
      }
      connections.set(key, connection);
      return connection.state;
    },
    'catalog:disconnect': ({ url }) => {
      connections.delete(keyOf(url));
      return { connections: [...connections.values()].map((connection) => connection.state) };
    },
    'catalog:datasets': ({ url }) => {
      const connection = requireConnection(url);
      return tracked(connection, (signal) => listDatasets(connection.client, { signal }));
    },
    'catalog:download': ({ url, rid, version, holey }) => {
      const connection = requireConnection(url);
      const report = progress('download', `${url}#${rid}`);
      return tracked(connection, async (signal) => {
        const bag = await downloadBag(connection.client, {
          rid,
          version,
          homeDir: deps.homeDir,
          workspace: deps.workspace,
          materialize: holey !== true,
          signal,
          onProgress: (step) =>
            report(step.phase, step.done, step.total, step.transfer && transferText(step.transfer)),
        });
        return {
          path: bag.bagDir,
          rid: bag.rid,
          version: bag.version,
          snapshot: bag.snapshot,
          cached: bag.cached,
          materialized: bag.materialized,
          files: bag.materialized ? bag.assets.files : bag.fetchListed,
          transfer: {
            reused: bag.assets.reused,
            fetched: bag.assets.downloaded,
            fetchedBytes: bag.assets.fetchedBytes,
          },
        };
      });
    },
    'catalog:cancel': ({ url }) => {
      const controller = running.get(keyOf(url));
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
    'catalog:commit': async ({ bagId, url, workflow, description }) => {
      const connection = requireConnection(url);
      const { bag } = deps.requireBag(bagId);
      const report = progress('commit', bag.root);
      const key = `${keyOf(url)}#${bagId}`;
      const cancel = new AbortController();
      commits.set(key, cancel);
      try {
        return await tracked(connection, (signal) =>
          commitDrafts({
            client: connection.client,
            db: deps.db,
            bag,
            store: deps.store,
            appVersion: appVersion(),
            workflowName: workflow,
            description,
            signal: AbortSignal.any([signal, cancel.signal]),
            onProgress: ({ step, done, total }) => report(step, done, total),
          }),
        );
      } finally {
        if (commits.get(key) === cancel) commits.delete(key);
      }
    },
    'catalog:commitCancel': ({ bagId, url }) => {
      const controller = commits.get(`${keyOf(url)}#${bagId}`);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
  };
}
