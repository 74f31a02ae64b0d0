import { describe, expect, it } from 'vitest';
import { targetIndex } from '../../renderer/src/components/grid/gridKeys.js';
import {
  MAX_AHEAD,
  PREFETCH_MARGIN,
  prefetchMargins,
  scrollVelocity,
} from '../../renderer/src/components/grid/prefetchWindow.js';
import { nextSelection } from '../../renderer/src/stores/selection.js';

describe('grid keyboard navigation', () => {
  // 4 columns, 10 items: rows [0-3] [4-7] [8-9]
  const move = (key: string, focus: number) => targetIndex(key, focus, 4, 10, 2);

  it('moves by one item, one row, one screen and to the ends', () => {
    expect(move('ArrowRight', 3)).toBe(4);
    expect(move('ArrowLeft', 0)).toBe(0);
    expect(move('ArrowDown', 1)).toBe(5);
    expect(move('ArrowUp', 5)).toBe(1);
    expect(move('ArrowUp', 2)).toBe(2);
    expect(move('PageDown', 0)).toBe(8);
    expect(move('PageUp', 9)).toBe(1);
    expect(move('Home', 7)).toBe(0);
    expect(move('End', 0)).toBe(9);
  });

  it('goes down into a short last row without leaving the list', () => {
    expect(move('ArrowDown', 7)).toBe(9);
    expect(move('ArrowDown', 9)).toBe(9);
  });

  it('ignores other keys', () => {
    expect(move('a', 0)).toBeNull();
  });
});

describe('grid selection', () => {
  const empty = { selected: new Set<number>(), anchor: null, focus: 0 };

  it('selects one item, toggles items and selects ranges from the anchor', () => {
    const one = nextSelection(empty, 3, 'single');
    expect([...one.selected]).toEqual([3]);
    const toggled = nextSelection(one, 6, 'toggle');
    expect([...toggled.selected].sort()).toEqual([3, 6]);
    const range = nextSelection(toggled, 2, 'range');
    expect([...range.selected].sort()).toEqual([2, 3, 4, 5, 6]);
    expect(range.anchor).toBe(6);
    expect(range.focus).toBe(2);
    expect(nextSelection(nextSelection(range, 6, 'toggle'), 6, 'toggle').selected.has(6)).toBe(true);
  });

  it('moves the focus alone without touching the selection', () => {
    const one = nextSelection(empty, 3, 'single');
    const moved = nextSelection(one, 8, 'focus');
    expect(moved.focus).toBe(8);
    expect(moved.selected).toBe(one.selected);
  });
});

describe('grid prefetch by scroll velocity', () => {
  it('measures members per second between two renders of one scroll, and 0 after a pause or at the start', () => {
    expect(scrollVelocity(null, { start: 40, at: 1000 })).toBe(0);
    expect(scrollVelocity({ start: 0, at: 1000 }, { start: 40, at: 1200 })).toBe(200);
    expect(scrollVelocity({ start: 400, at: 1000 }, { start: 360, at: 1100 })).toBe(-400);
    expect(scrollVelocity({ start: 0, at: 1000 }, { start: 400, at: 2500 })).toBe(0);
    expect(scrollVelocity({ start: 0, at: 1000 }, { start: 40, at: 1000 })).toBe(0);
  });

  it('looks as far ahead as the scroll goes in a second and a half, up to a bound, and less behind', () => {
    expect(prefetchMargins(0)).toEqual({ before: PREFETCH_MARGIN, after: PREFETCH_MARGIN });
    expect(prefetchMargins(100)).toEqual({ before: 50, after: PREFETCH_MARGIN + 150 });
    expect(prefetchMargins(-100)).toEqual({ before: PREFETCH_MARGIN + 150, after: 50 });
    expect(prefetchMargins(10_000)).toEqual({ before: 50, after: MAX_AHEAD });
    expect(prefetchMargins(-10_000)).toEqual({ before: MAX_AHEAD, after: 50 });
  });
});
