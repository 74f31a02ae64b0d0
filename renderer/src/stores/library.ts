import { create } from 'zustand';
import type { LibraryState } from '../../../shared/contract.js';
import { request } from '../api.js';
import { useConnection } from './connection.js';
import { reportError } from './notices.js';
import { useProgress } from './progress.js';

interface LibraryStore {
  library: LibraryState | null;
  buildingSample: boolean;
  load(): Promise<void>;
  forget(path: string): Promise<void>;
  /** Builds the sample bag if needed; resolves to its path, or null when that failed. */
  prepareSample(): Promise<string | null>;
}

/** Recent bags, bags found in the deriva-ml cache and the sample bag. */
export const useLibrary = create<LibraryStore>((set) => ({
  library: null,
  buildingSample: false,
  load: async () => {
    try {
      const library = await request('library:state', {});
      useConnection.getState().setProblem(null);
      set({ library });
    } catch (error) {
      reportError(error);
    }
  },
  forget: async (path) => {
    try {
      set({ library: await request('library:forget', { path }) });
    } catch (error) {
      reportError(error);
    }
  },
  prepareSample: async () => {
    useProgress.getState().clear('sample');
    set({ buildingSample: true });
    try {
      return (await request('library:sample', {})).path;
    } catch (error) {
      reportError(error);
      return null;
    } finally {
      set({ buildingSample: false });
    }
  },
}));
