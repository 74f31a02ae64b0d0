import type { StateCreator } from 'zustand';
import type { OverlaySlice, RegionStore } from './types.js';

export const createOverlaySlice: StateCreator<RegionStore, [], [], OverlaySlice> = (set) => ({
  files: [],
  hidden: {},
  toggleRater: (rater) => set((state) => ({ hidden: { ...state.hidden, [rater]: !state.hidden[rater] } })),
});
