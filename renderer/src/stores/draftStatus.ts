import { create } from 'zustand';
import type { LabelStatus } from '../../../shared/contract.js';
import { request } from '../api.js';
import { reportError } from './notices.js';

interface DraftStatusStore {
  bagId: string | null;
  status: LabelStatus | null;
  /** Reads the drafts count of the bag again (after label actions, an import, a commit). */
  refresh(bagId: string): Promise<void>;
}

/** The open bag's drafts at a glance, shown in browse and label mode alike. */
export const useDraftStatus = create<DraftStatusStore>((set, get) => ({
  bagId: null,
  status: null,
  refresh: async (bagId) => {
    if (get().bagId !== bagId) set({ bagId, status: null });
    try {
      const status = await request('labels:status', { bagId });
      if (get().bagId === bagId) set({ status });
    } catch (error) {
      reportError(error);
    }
  },
}));
