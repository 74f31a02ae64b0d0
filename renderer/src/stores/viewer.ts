import { create } from 'zustand';

interface ViewerStore {
  /** Index of the member shown in the asset viewer, or null when it is closed. */
  index: number | null;
  show(index: number): void;
  close(): void;
}

export const useViewer = create<ViewerStore>((set) => ({
  index: null,
  show: (index) => set({ index }),
  close: () => set({ index: null }),
}));
