import type { StateCreator } from 'zustand';
import type { DrawnRegion, RegionChange } from '../../../../shared/regions.js';
import { errorMessage, request } from '../../api.js';
import { ActionQueue, CancelledAction } from '../../labeling/actionQueue.js';
import { copyOnto } from '../../regions/editing.js';
import { useLabeling } from '../labeling.js';
import { reportError } from '../notices.js';
import { useViewer } from '../viewer.js';
import type { DraftSlice, RegionStore } from './types.js';

const actions = new ActionQueue();
/** Bumped by every save: only the answer to the latest one replaces what is on screen. */
let latestSave = 0;

const OPERATION_WORDS: Record<string, string> = {
  add: 'drawing',
  delete: 'deletion',
  move: 'move',
  reshape: 'reshape',
  nudge: 'nudge',
  label: 'label',
  copy: 'copy',
  clear: 'clearing',
};

export const createDraftSlice: StateCreator<RegionStore, [], [], DraftSlice> = (set, get) => {
  actions.onPendingChange((saving) => set({ saving }));

  const isShown = (target: string) => get().image?.target === target;

  /** Adopts main's answer for the image on screen: what is stored is what is shown. */
  const adopt = (change: RegionChange, replace: boolean) => {
    set({ canUndo: change.canUndo, canRedo: change.canRedo, drawn: change.drawn });
    const draft = change.draft;
    if (!replace || !draft || !isShown(draft.target)) return;
    const selected = get().selected;
    set({
      regions: draft.regions,
      loaded: true,
      selected: selected !== null && selected < draft.regions.length ? selected : null,
    });
  };

  const loadDraft = (bagId: string, feature: string, target: string) =>
    actions
      .run(() => request('regions:draft', { bagId, feature, target }))
      .then(
        (change) => adopt(change, true),
        (error: unknown) => {
          if (!(error instanceof CancelledAction) && isShown(target)) set({ error: errorMessage(error) });
        },
      );

  /** Undo and redo may change another image: the viewer goes there when it is in the work queue. */
  const replayed = (change: RegionChange, verb: 'Undid' | 'Redid') => {
    if (change.kind === 'none' || !change.draft) {
      set({ notice: `Nothing to ${verb === 'Undid' ? 'undo' : 'redo'}.` });
      return;
    }
    const what = OPERATION_WORDS[change.replayed ?? ''] ?? 'change';
    const target = change.draft.target;
    if (isShown(target)) {
      adopt(change, true);
      set({ notice: `${verb} the ${what}.` });
      return;
    }
    adopt(change, false);
    const position = useLabeling.getState().queue?.positions.get(target);
    if (position !== undefined && useViewer.getState().index !== null) {
      useViewer.getState().show(position);
      set({ notice: `${verb} the ${what} on ${target}.` });
    } else set({ notice: `${verb} the ${what} on ${target}, which is not in this work queue.` });
  };

  const replay = (channel: 'regions:undo' | 'regions:redo') => {
    const image = get().image;
    if (!image?.feature) return;
    const { bagId, feature } = image;
    set({ error: null, notice: null });
    actions
      .run(() => request(channel, { bagId, feature }))
      .then(
        (change) => replayed(change, channel === 'regions:undo' ? 'Undid' : 'Redid'),
        (error: unknown) => {
          if (!(error instanceof CancelledAction)) set({ error: errorMessage(error) });
        },
      );
  };

  return {
    image: null,
    size: null,
    regions: [],
    loaded: false,
    canUndo: false,
    canRedo: false,
    drawn: 0,
    saving: 0,
    error: null,
    notice: null,

    showImage: (image) => {
      const current = get().image;
      if (
        current?.bagId === image?.bagId &&
        current?.target === image?.target &&
        current?.feature === image?.feature
      )
        return;
      // The size stays: the image layer sets it whenever the picture on screen has another.
      set({
        image,
        regions: [],
        loaded: false,
        files: [],
        placed: [],
        selected: null,
        preview: null,
        error: null,
      });
      if (!image) return;
      if (image.feature) void loadDraft(image.bagId, image.feature, image.target);
      request('regions:files', { bagId: image.bagId, table: image.table, rid: image.target }).then(
        (files) => isShown(image.target) && set({ files }),
        reportError,
      );
    },

    setSize: (size) => {
      const current = get().size;
      if (current?.width !== size.width || current.height !== size.height) set({ size });
    },

    commit: (regions, operation, select) => {
      const { image, size } = get();
      if (!image?.feature || !size) return;
      const { bagId, feature, target } = image;
      const sequence = ++latestSave;
      set({
        regions,
        error: null,
        notice: null,
        ...(select !== undefined ? { selected: select } : {}),
      });
      actions
        .run(() => request('regions:save', { bagId, feature, target, image: size, regions, operation }))
        .then(
          (change) => adopt(change, sequence === latestSave),
          (error: unknown) => {
            if (error instanceof CancelledAction) return;
            set({ error: `Not saved: ${errorMessage(error)}` });
            // Show what is stored, not what failed to be.
            if (isShown(target)) void loadDraft(bagId, feature, target);
          },
        );
    },

    copyPrevious: () => {
      const { image, size } = get();
      if (!image?.feature || !size) return;
      const index = useViewer.getState().index;
      const previousTarget = index ? useLabeling.getState().queue?.targets[index - 1] : undefined;
      if (!previousTarget) {
        set({ notice: 'This is the first image of the queue: there is no previous image to copy from.' });
        return;
      }
      const { bagId, feature } = image;
      actions
        .run(() => request('regions:draft', { bagId, feature, target: previousTarget }))
        .then(
          (change) => {
            const copied = copyOnto(change.draft?.regions ?? [], size);
            if (copied.length === 0) {
              set({ notice: `The previous image (${previousTarget}) has no regions to copy.` });
              return;
            }
            if (!isShown(image.target)) return;
            const regions: DrawnRegion[] = [...get().regions, ...copied];
            get().commit(regions, 'copy', regions.length - 1);
          },
          (error: unknown) => {
            if (!(error instanceof CancelledAction)) set({ error: errorMessage(error) });
          },
        );
    },

    undo: () => replay('regions:undo'),
    redo: () => replay('regions:redo'),
    say: (notice) => set({ notice }),
    dismissError: () => set({ error: null }),
  };
};
