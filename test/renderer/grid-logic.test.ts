import { describe, expect, it } from 'vitest';
import { targetIndex } from '../../renderer/src/components/grid/gridKeys.js';
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
