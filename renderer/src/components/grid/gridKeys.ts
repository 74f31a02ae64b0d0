/** Where a navigation key moves the focus in a grid of `columns` columns and `total` items; null for other keys. */
export function targetIndex(
  key: string,
  focus: number,
  columns: number,
  total: number,
  rowsPerScreen: number,
): number | null {
  const last = total - 1;
  const lastRow = Math.floor(last / columns);
  const row = Math.floor(focus / columns);
  switch (key) {
    case 'ArrowLeft':
      return Math.max(0, focus - 1);
    case 'ArrowRight':
      return Math.min(last, focus + 1);
    case 'ArrowUp':
      return row > 0 ? focus - columns : focus;
    case 'ArrowDown':
      return row < lastRow ? Math.min(last, focus + columns) : focus;
    case 'PageUp':
      return Math.max(focus % columns, focus - columns * rowsPerScreen);
    case 'PageDown':
      return row < lastRow ? Math.min(last, focus + columns * rowsPerScreen) : focus;
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}
