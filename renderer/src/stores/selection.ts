import { create } from 'zustand';

/**
 * How a click or key changes the selection: `single` selects only the item, `toggle` flips it
 * (ctrl/cmd), `range` selects anchor..item (shift), `focus` moves the focus and keeps the selection.
 */
export type SelectMode = 'single' | 'toggle' | 'range' | 'focus';

interface SelectionState {
  /** Indexes into the current member list (the list is fixed while a selection lives). */
  selected: ReadonlySet<number>;
  anchor: number | null;
  focus: number;
}

interface SelectionStore extends SelectionState {
  select(index: number, mode: SelectMode): void;
  selectAll(total: number): void;
  /** Selects exactly these indexes and focuses the first (undo shows the tiles it changed this way). */
  selectOnly(indexes: readonly number[]): void;
  clear(): void;
  reset(): void;
}

const initial: SelectionState = { selected: new Set(), anchor: null, focus: 0 };

function range(from: number, to: number): Set<number> {
  const set = new Set<number>();
  for (let index = Math.min(from, to); index <= Math.max(from, to); index++) set.add(index);
  return set;
}

export function nextSelection(state: SelectionState, index: number, mode: SelectMode): SelectionState {
  switch (mode) {
    case 'single':
      return { selected: new Set([index]), anchor: index, focus: index };
    case 'toggle': {
      const selected = new Set(state.selected);
      if (!selected.delete(index)) selected.add(index);
      return { selected, anchor: index, focus: index };
    }
    case 'range': {
      const anchor = state.anchor ?? state.focus;
      return { selected: range(anchor, index), anchor, focus: index };
    }
    case 'focus':
      return { ...state, focus: index };
  }
}

/** The grid's multi-selection and keyboard focus. */
export const useSelection = create<SelectionStore>((set) => ({
  ...initial,
  select: (index, mode) => set((state) => nextSelection(state, index, mode)),
  selectAll: (total) => set({ selected: total > 0 ? range(0, total - 1) : new Set(), anchor: 0 }),
  selectOnly: (indexes) =>
    set((state) => ({
      selected: new Set(indexes),
      anchor: indexes[0] ?? null,
      focus: indexes[0] ?? state.focus,
    })),
  clear: () => set({ selected: new Set(), anchor: null }),
  reset: () => set(initial),
}));
