import { create } from 'zustand';
import { createDraftSlice } from './drafts.js';
import { createEditorSlice } from './editor.js';
import { createOverlaySlice } from './overlays.js';
import type { RegionStore } from './types.js';

export { DRAFTS_RATER } from './types.js';

/**
 * Regions on the viewer's image, in three slices (zustand's slices pattern): the drawing and how it is
 * saved (drafts.ts), what the pointer and keys are doing (editor.ts), and the bag's own files shown over
 * the image per rater (overlays.ts).
 */
export const useRegions = create<RegionStore>()((...slice) => ({
  ...createDraftSlice(...slice),
  ...createEditorSlice(...slice),
  ...createOverlaySlice(...slice),
}));
