import { create } from 'zustand';
import type {
  CatalogConnection,
  CommitSummary,
  DatasetListing,
  DownloadSummary,
} from '../../../shared/catalog.js';
import { ApiFailure, CONNECTION_ERROR_KINDS, errorMessage, request } from '../api.js';
import {
  catalogUrlFromSearch,
  normalizeCatalogUrl,
  type ConnectRequest,
} from '../components/catalog/catalogLogic.js';
import { useLibrary } from './library.js';
import { reportError } from './notices.js';
import { useProgress } from './progress.js';
import { useSession } from './session.js';

/** A failed catalog call: main's kind and sentence, shown where the call was made. */
export interface CatalogProblem {
  kind: string;
  message: string;
}

export type DatasetsState =
  | { status: 'loading'; url: string }
  | { status: 'ready'; url: string; list: DatasetListing[] }
  | { status: 'failed'; url: string; problem: CatalogProblem };

export type DownloadState =
  | { status: 'running'; url: string; rid: string; version: string | null }
  | { status: 'done'; url: string; rid: string; version: string | null; summary: DownloadSummary }
  | { status: 'cancelled'; url: string; rid: string; version: string | null }
  | { status: 'failed'; url: string; rid: string; version: string | null; problem: CatalogProblem };

export type CommitState =
  | { status: 'idle' }
  | { status: 'running'; url: string; bagId: string }
  | { status: 'done'; url: string; bagId: string; result: CommitSummary }
  | { status: 'failed'; url: string; bagId: string; problem: CatalogProblem };

interface CatalogStore {
  connections: CatalogConnection[];
  /** The connection the library lists datasets of and the commit dialog offers first. */
  activeUrl: string | null;
  /** What the URL field starts with: the page's `?catalog=` or the last catalog used. */
  suggestedUrl: string;
  connecting: boolean;
  /** Why the automatic connection to the page's `?catalog=` failed (it is not kept as a connection then). */
  startProblem: CatalogProblem | null;
  datasets: DatasetsState | null;
  /** Whether downloads fetch the asset files (false: a holey bag). */
  fetchFiles: boolean;
  download: DownloadState | null;
  commit: CommitState;

  /** Once per page: reads main's connections, then connects to `?catalog=` if the page names one. */
  start(): Promise<void>;
  refresh(): Promise<void>;
  /** Connects (or signs in again); resolves to the connection, or throws a CatalogProblem-carrying ApiFailure. */
  connect(connect: ConnectRequest): Promise<CatalogConnection>;
  disconnect(url: string): Promise<void>;
  select(url: string): void;
  loadDatasets(url: string): Promise<void>;
  setFetchFiles(fetchFiles: boolean): void;
  startDownload(rid: string, version: string | null): Promise<void>;
  cancelDownload(): Promise<void>;
  dismissDownload(): void;
  openDownloaded(): Promise<void>;
  startCommit(options: {
    bagId: string;
    url: string;
    workflow?: string;
    description?: string;
  }): Promise<void>;
  /** Stops the running commit at its next request; committing again finishes it. */
  cancelCommit(): Promise<void>;
  resetCommit(): void;
}

/** The kind and sentence of a failure; a lost connection to Satchel itself also goes to the app's screen. */
export function problemOf(error: unknown): CatalogProblem {
  if (error instanceof ApiFailure) {
    if (CONNECTION_ERROR_KINDS.has(error.kind)) reportError(error);
    return { kind: error.kind, message: error.message };
  }
  return { kind: 'internal', message: errorMessage(error) };
}

let started: Promise<void> | null = null;

export const useCatalog = create<CatalogStore>((set, get) => {
  const sameUrl = (a: string | null, b: string | null) =>
    a !== null && b !== null && normalizeCatalogUrl(a) === normalizeCatalogUrl(b);

  /** After any catalog call: main's view of every connection (online, signed in, problem). */
  const refresh = async (): Promise<void> => {
    try {
      const { connections } = await request('catalog:state', {});
      const active = get().activeUrl;
      set({
        connections,
        activeUrl: connections.some((connection) => sameUrl(connection.url, active))
          ? active
          : (connections[0]?.url ?? null),
      });
    } catch (error) {
      problemOf(error);
    }
  };

  return {
    connections: [],
    activeUrl: null,
    suggestedUrl: '',
    connecting: false,
    startProblem: null,
    datasets: null,
    fetchFiles: true,
    download: null,
    commit: { status: 'idle' },

    start: () => {
      started ??= (async () => {
        const fromPage = catalogUrlFromSearch(location.search);
        if (fromPage) set({ suggestedUrl: fromPage });
        await refresh();
        const { connections } = get();
        const already = fromPage && connections.find((connection) => sameUrl(connection.url, fromPage));
        if (already) {
          get().select(already.url);
        } else if (fromPage) {
          await get()
            .connect({ url: fromPage })
            .catch((error: unknown) => set({ startProblem: problemOf(error) }));
        } else if (get().activeUrl) {
          get().select(get().activeUrl!);
        }
      })();
      return started;
    },

    refresh,

    connect: async (connect) => {
      set({ connecting: true, startProblem: null });
      try {
        const connection = await request('catalog:connect', connect);
        set((state) => ({
          connections: [...state.connections.filter((other) => other.url !== connection.url), connection],
          activeUrl: connection.url,
        }));
        if (!connection.problem) void get().loadDatasets(connection.url);
        else set({ datasets: null });
        return connection;
      } catch (error) {
        problemOf(error);
        throw error;
      } finally {
        set({ connecting: false });
      }
    },

    disconnect: async (url) => {
      try {
        const { connections } = await request('catalog:disconnect', { url });
        const activeUrl = sameUrl(get().activeUrl, url) ? (connections[0]?.url ?? null) : get().activeUrl;
        set({ connections, activeUrl, datasets: null });
        if (activeUrl) get().select(activeUrl);
      } catch (error) {
        problemOf(error);
        await refresh();
      }
    },

    select: (url) => {
      set({ activeUrl: url });
      const connection = get().connections.find((candidate) => candidate.url === url);
      if (connection && !connection.problem) void get().loadDatasets(url);
      else set({ datasets: null });
    },

    loadDatasets: async (url) => {
      set({ datasets: { status: 'loading', url } });
      try {
        const list = await request('catalog:datasets', { url });
        if (get().activeUrl === url) set({ datasets: { status: 'ready', url, list } });
      } catch (error) {
        const problem = problemOf(error);
        if (get().activeUrl === url) set({ datasets: { status: 'failed', url, problem } });
      } finally {
        await refresh();
      }
    },

    setFetchFiles: (fetchFiles) => set({ fetchFiles }),

    startDownload: async (rid, version) => {
      const url = get().activeUrl;
      if (!url || get().download?.status === 'running') return;
      useProgress.getState().clear('download');
      set({ download: { status: 'running', url, rid, version } });
      try {
        const summary = await request('catalog:download', {
          url,
          rid,
          ...(version ? { version } : {}),
          ...(get().fetchFiles ? {} : { holey: true }),
        });
        set({ download: { status: 'done', url, rid, version, summary } });
        void useLibrary.getState().load();
      } catch (error) {
        const problem = problemOf(error);
        set({
          download:
            problem.kind === 'cancelled'
              ? { status: 'cancelled', url, rid, version }
              : { status: 'failed', url, rid, version, problem },
        });
      } finally {
        await refresh();
      }
    },

    cancelDownload: async () => {
      const download = get().download;
      if (download?.status !== 'running') return;
      try {
        await request('catalog:cancel', { url: download.url });
      } catch (error) {
        problemOf(error);
      }
    },

    dismissDownload: () => {
      if (get().download?.status !== 'running') set({ download: null });
    },

    openDownloaded: async () => {
      const download = get().download;
      if (download?.status !== 'done') return;
      await useSession.getState().openBag(download.summary.path);
    },

    startCommit: async ({ bagId, url, workflow, description }) => {
      if (get().commit.status === 'running') return;
      useProgress.getState().clear('commit');
      set({ commit: { status: 'running', url, bagId } });
      try {
        const result = await request('catalog:commit', {
          bagId,
          url,
          ...(workflow ? { workflow } : {}),
          ...(description ? { description } : {}),
        });
        set({ commit: { status: 'done', url, bagId, result } });
      } catch (error) {
        set({ commit: { status: 'failed', url, bagId, problem: problemOf(error) } });
      } finally {
        await refresh();
      }
    },

    cancelCommit: async () => {
      const commit = get().commit;
      if (commit.status !== 'running') return;
      try {
        await request('catalog:commitCancel', { bagId: commit.bagId, url: commit.url });
      } catch (error) {
        problemOf(error);
      }
    },

    resetCommit: () => {
      if (get().commit.status !== 'running') set({ commit: { status: 'idle' } });
    },
  };
});

/** The active connection, or null. */
export function useActiveConnection(): CatalogConnection | null {
  return useCatalog(
    (state) => state.connections.find((connection) => connection.url === state.activeUrl) ?? null,
  );
}
