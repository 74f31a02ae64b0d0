import { create } from 'zustand';

interface ConnectionStore {
  /** Why the renderer cannot talk to Satchel, or null while it can. */
  problem: string | null;
  setProblem(problem: string | null): void;
}

export const useConnection = create<ConnectionStore>((set) => ({
  problem: null,
  setProblem: (problem) => set({ problem }),
}));
