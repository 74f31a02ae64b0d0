import type { StateCreator } from 'zustand';
import type { DrawnRegion, RegionPoint } from '../../../../shared/regions.js';
import { closePolygon, placePoint, startDrawing } from '../../regions/drawing.js';
import { cycle, labelAt, removeAt, replaceAt } from '../../regions/editing.js';
import { clampPoint, translateRegion } from '../../regions/geometry.js';
import type { EditorSlice, RegionStore } from './types.js';

export const createEditorSlice: StateCreator<RegionStore, [], [], EditorSlice> = (set, get) => {
  /** A finished shape joins the image's regions, selected, ready for its term key. */
  const finish = (region: DrawnRegion | null) => {
    if (!region) return;
    const regions = [...get().regions, region];
    get().commit(regions, 'add', regions.length - 1);
  };

  const centre = (): RegionPoint | null => {
    const size = get().size;
    return size ? [size.width / 2, size.height / 2] : null;
  };

  return {
    tool: null,
    placed: [],
    cursor: null,
    selected: null,
    preview: null,

    armTool: (tool) =>
      set({ tool, placed: [], selected: null, cursor: get().cursor ?? centre(), notice: null }),

    cancel: () => {
      const { tool, selected } = get();
      if (tool) {
        set({ tool: null, placed: [] });
        return true;
      }
      if (selected !== null) {
        set({ selected: null });
        return true;
      }
      return false;
    },

    place: (at) => {
      const { tool, placed, size, cursor } = get();
      const point = at ?? cursor;
      if (!tool || !size || !point) return;
      const step = placePoint({ tool, points: placed }, point, size, null);
      set({ placed: step.drawing.points, cursor: clampPoint(point, size) });
      finish(step.finished);
    },

    closePolygon: () => {
      const { tool, placed } = get();
      if (tool !== 'polygon') return;
      const step = closePolygon({ ...startDrawing(tool), points: placed }, null);
      set({ placed: step.drawing.points });
      finish(step.finished);
    },

    pointTo: (at) => {
      const size = get().size;
      if (size) set({ cursor: clampPoint(at, size) });
    },

    moveCursor: (dx, dy) => {
      const { size } = get();
      const from = get().cursor ?? centre();
      if (size && from) set({ cursor: clampPoint([from[0] + dx, from[1] + dy], size) });
    },

    select: (selected) => set({ selected, tool: null, placed: [] }),

    cycle: (backwards) =>
      set((state) => ({ selected: cycle(state.regions.length, state.selected, backwards) })),

    deleteSelected: () => {
      const { selected, regions } = get();
      if (selected === null || !regions[selected]) return;
      get().commit(removeAt(regions, selected), 'delete', null);
    },

    nudge: (dx, dy) => {
      const { selected, regions, size } = get();
      const region = selected === null ? undefined : regions[selected];
      if (!region || !size || selected === null) return;
      const moved = translateRegion(region, dx, dy, size);
      const unmoved = moved.points.every(
        ([x, y], index) => x === region.points[index]![0] && y === region.points[index]![1],
      );
      if (unmoved) return;
      get().commit(replaceAt(regions, selected, moved), 'nudge');
    },

    assignTerm: (term) => {
      const { selected, regions } = get();
      if (selected === null || !regions[selected] || regions[selected].label === term) return;
      get().commit(labelAt(regions, selected, term), 'label');
    },

    drag: (index, region) => set({ preview: { index, region }, selected: index }),

    endDrag: (operation) => {
      const { preview, regions } = get();
      set({ preview: null });
      if (!preview || regions[preview.index] === preview.region) return;
      get().commit(replaceAt(regions, preview.index, preview.region), operation);
    },
  };
};
