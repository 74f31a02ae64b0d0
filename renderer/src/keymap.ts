export const MOD_KEY = /Mac|iPhone|iPad/.test(navigator.userAgent) ? '⌘' : 'Ctrl';

export interface Shortcut {
  keys: string[];
  action: string;
}

export interface ShortcutArea {
  area: string;
  shortcuts: Shortcut[];
}

/** Every key the app answers to, shown by the `?` overlay. */
export const KEYMAP: ShortcutArea[] = [
  {
    area: 'Everywhere',
    shortcuts: [
      { keys: ['?'], action: 'Show or hide this list of shortcuts' },
      { keys: [`${MOD_KEY} O`], action: 'Open a bag' },
      { keys: ['Tab', 'Shift Tab'], action: 'Move between controls' },
      { keys: ['Esc'], action: 'Close the viewer or this list' },
    ],
  },
  {
    area: 'Dataset tree',
    shortcuts: [
      { keys: ['↑', '↓'], action: 'Previous / next dataset' },
      { keys: ['→'], action: 'Expand, or go to the first nested dataset' },
      { keys: ['←'], action: 'Collapse, or go to the parent dataset' },
      { keys: ['Home', 'End'], action: 'First / last dataset' },
      { keys: ['Enter', 'Space'], action: "Show the dataset's members" },
    ],
  },
  {
    area: 'Element type tabs',
    shortcuts: [{ keys: ['←', '→'], action: 'Previous / next tab' }],
  },
  {
    area: 'Thumbnail grid',
    shortcuts: [
      { keys: ['←', '→', '↑', '↓'], action: 'Move and select' },
      { keys: ['Shift + arrow'], action: 'Extend the selection' },
      { keys: [`${MOD_KEY} + arrow`], action: 'Move without changing the selection' },
      { keys: ['Space'], action: 'Add or remove the focused item' },
      { keys: ['Home', 'End'], action: 'First / last member' },
      { keys: ['Page Up', 'Page Down'], action: 'One screen up / down' },
      { keys: [`${MOD_KEY} A`], action: 'Select all members' },
      { keys: ['Esc'], action: 'Clear the selection' },
      { keys: ['Enter'], action: 'Open the focused member in the viewer' },
      { keys: ['/'], action: 'Search file names (the filters beside the grid)' },
      { keys: ['Click', 'Shift click', `${MOD_KEY} click`], action: 'Select, select a range, add or remove' },
      { keys: ['Double-click'], action: 'Open in the viewer' },
    ],
  },
  {
    area: 'Viewer',
    shortcuts: [
      { keys: ['←', '→'], action: 'Previous / next member' },
      { keys: ['+', '-'], action: 'Zoom in / out' },
      { keys: ['0'], action: 'Fit to the window (not in label mode)' },
      { keys: ['1'], action: 'Actual size (100 %) (not in label mode)' },
      { keys: ['Wheel'], action: 'Zoom at the pointer' },
      { keys: ['Drag'], action: 'Pan' },
      { keys: ['Esc'], action: 'Close the viewer' },
    ],
  },
  {
    area: 'Tables',
    shortcuts: [
      { keys: ['Enter'], action: 'On a column header: sort ascending, descending, unsorted' },
      { keys: ['Alt ←'], action: 'Back to the previous table' },
    ],
  },
];

/** The label mode's keys, with the current term mapping of the feature being labeled. */
export function labelingShortcuts(
  feature: string,
  terms: { term: string; key: string | null }[],
): ShortcutArea[] {
  return [
    {
      area: `Label mode: ${feature} terms`,
      shortcuts: terms.map(({ term, key }) => ({
        keys: [key === null ? 'no key' : key.length === 1 ? key.toUpperCase() : key],
        action: `Label ${term}`,
      })),
    },
    {
      area: 'Label mode: labeler',
      shortcuts: [
        { keys: ['Enter', '→'], action: 'Next image' },
        { keys: ['←'], action: 'Previous image' },
        { keys: ['Backspace'], action: 'Clear the draft of this image' },
        { keys: ['E'], action: 'Edit the values of the label (Confidence…)' },
        { keys: ['Tab'], action: 'In the values form: next field' },
        { keys: ['Enter', 'Esc'], action: 'In the values form: save / cancel' },
        { keys: ['Esc'], action: 'Back to the grid' },
      ],
    },
    {
      area: 'Label mode: grid and everywhere',
      shortcuts: [
        { keys: ['Term key'], action: 'Label every selected tile (one action, one undo step)' },
        { keys: ['Backspace'], action: 'Clear the drafts of the selected tiles' },
        { keys: ['E'], action: 'Set values on the selected tiles' },
        { keys: [`${MOD_KEY} Z`], action: 'Undo the last label action (of this bag)' },
        { keys: [`${MOD_KEY} Shift Z`, 'Ctrl Y'], action: 'Redo' },
      ],
    },
  ];
}

/** The viewer's keys while label mode draws regions (an asset-valued feature). */
export const REGION_SHORTCUTS: ShortcutArea = {
  area: 'Label mode: drawing regions',
  shortcuts: [
    { keys: ['B', 'P', 'O'], action: 'Draw a box, a polygon, a point' },
    { keys: ['Space'], action: 'Place a corner or vertex at the keyboard cursor' },
    { keys: ['←', '→', '↑', '↓'], action: 'Move the cursor while drawing; nudge the selected region' },
    { keys: ['Shift + arrow'], action: 'The same, ten pixels at a time' },
    { keys: ['Enter'], action: 'Close the polygon' },
    { keys: ['Esc'], action: 'Cancel the shape being drawn, then the selection' },
    { keys: ['Tab', 'Shift Tab'], action: 'Next / previous region' },
    { keys: ['Term key'], action: 'Give the selected region that term' },
    { keys: ['Del', 'Backspace'], action: 'Delete the selected region' },
    { keys: ['C'], action: "Copy the previous image's regions" },
    { keys: [`${MOD_KEY} Z`, `${MOD_KEY} Shift Z`], action: 'Undo / redo region actions' },
    { keys: ['←', '→'], action: 'Previous / next image, when nothing is selected' },
  ],
};

/** Keys typed into a text field belong to the field, not to shortcuts. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function hasModKey(event: { ctrlKey: boolean; metaKey: boolean }): boolean {
  return event.ctrlKey || event.metaKey;
}
