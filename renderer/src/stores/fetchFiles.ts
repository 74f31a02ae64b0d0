import { create } from 'zustand';
import type { FetchSummary } from '../../../shared/catalog.js';
import { ApiFailure, CONNECTION_ERROR_KINDS, errorMessage, request } from '../api.js';
import { reportError } from './notices.js';
import { useProgress } from './progress.js';
import { useSession } from './session.js';

export type FetchState =
  | { status: 'idle' }
  | { status: 'running'; bagId: string }
  | { status: 'done'; bagId: string; summary: FetchSummary }
  | { status: 'cancelled'; bagId: string }
  | { status: 'failed'; bagId: string; message: string };

interface FetchStore {
  state: FetchState;
  /** Fetches the open bag's fetch.txt files (bag:fetch); a complete bag is then shown as materialized. */
  start(): Promise<void>;
  cancel(): Promise<void>;
  dismiss(): void;
}

/** "Fetch files" of the bag viewer: one fetch at a time, for the open bag. */
export const useFetchFiles = create<FetchStore>((set, get) => ({
  state: { status: 'idle' },

  start: async () => {
    const bag = useSession.getState().bag;
    if (!bag || get().state.status === 'running') return;
    const { bagId } = bag;
    useProgress.getState().clear('fetch');
    set({ state: { status: 'running', bagId } });
    try {
      const summary = await request('bag:fetch', { bagId });
      set({ state: { status: 'done', bagId, summary } });
      const session = useSession.getState();
      if (session.bag?.bagId !== bagId) return;
      useSession.setState({
        bag: { ...session.bag, report: { ...session.bag.report, materialized: summary.materialized } },
        // A verification report from before the fetch no longer describes the bag.
        verify: { status: 'idle' },
      });
      // The grid asks again for the thumbnails it could not show while the files were missing.
      session.showSection(session.section);
    } catch (error) {
      if (error instanceof ApiFailure && error.kind === 'cancelled') {
        set({ state: { status: 'cancelled', bagId } });
      } else if (error instanceof ApiFailure && CONNECTION_ERROR_KINDS.has(error.kind)) {
        set({ state: { status: 'idle' } });
        reportError(error);
      } else {
        set({ state: { status: 'failed', bagId, message: errorMessage(error) } });
      }
    }
  },

  cancel: async () => {
    const { state } = get();
    if (state.status !== 'running') return;
    await request('bag:fetch-cancel', { bagId: state.bagId }).catch(reportError);
  },

  dismiss: () => set({ state: { status: 'idle' } }),
}));
