import type { DrawnShapeType } from '../../../shared/regions.js';
import { keyOfEvent, termForKey, type TermKeys } from '../labeling/termKeys.js';

/**
 * The region editor's keyboard: B box, P polygon, O point, Space places a point at the keyboard cursor,
 * Enter closes a polygon, Esc cancels, Del deletes, arrows nudge (Shift: ten times more) or move the
 * cursor while a tool is armed, Tab/Shift+Tab go through the regions, the term keys label the selected
 * region, C copies the previous image's regions, Ctrl/⌘+Z undoes and Ctrl/⌘+Shift+Z or Ctrl+Y redoes.
 * A key the editor has no use for at that moment returns null and keeps its meaning in the viewer
 * (arrows and Enter move between images, Esc closes).
 */

const TOOL_KEYS: Record<string, DrawnShapeType> = { b: 'rectangle', p: 'polygon', o: 'point' };
const COPY_KEY = 'c';
/** The labeler's values form (E) has no meaning for a drawing: the key is kept from reaching it. */
const VALUES_KEY = 'e';
const NUDGE = 1;
const SHIFT_NUDGE = 10;

export type RegionCommand =
  | { kind: 'tool'; tool: DrawnShapeType }
  | { kind: 'place' }
  | { kind: 'close' }
  | { kind: 'cancel' }
  | { kind: 'delete' }
  | { kind: 'nudge'; dx: number; dy: number }
  | { kind: 'cursor'; dx: number; dy: number }
  | { kind: 'cycle'; backwards: boolean }
  | { kind: 'term'; term: string }
  | { kind: 'copy-previous' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  /** The key would act on the image underneath (its label): say what to do instead. */
  | { kind: 'explain'; message: string };

export interface EditorSituation {
  tool: DrawnShapeType | null;
  /** Points placed of the shape being drawn. */
  placed: number;
  selected: boolean;
  regions: number;
  termKeys: TermKeys;
}

export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

const ARROWS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

export function regionCommand(event: KeyLike, situation: EditorSituation, mac = false): RegionCommand | null {
  const letter = event.key.toLowerCase();
  const mod = mac ? event.metaKey : event.ctrlKey;
  if (mod && !event.altKey) {
    if (letter === 'z') return event.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
    if (letter === 'y' && event.ctrlKey) return { kind: 'redo' };
    return null;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const arrow = ARROWS[event.key];
  if (arrow) {
    const step = event.shiftKey ? SHIFT_NUDGE : NUDGE;
    const [dx, dy] = [arrow[0] * step, arrow[1] * step];
    if (situation.tool) return { kind: 'cursor', dx, dy };
    if (situation.selected) return { kind: 'nudge', dx, dy };
    return null;
  }
  switch (event.key) {
    case 'Tab':
      return situation.regions > 0 && !situation.tool ? { kind: 'cycle', backwards: event.shiftKey } : null;
    case 'Enter':
      return situation.tool === 'polygon' && situation.placed > 0 ? { kind: 'close' } : null;
    case ' ':
      return situation.tool ? { kind: 'place' } : null;
    case 'Escape':
      return situation.tool || situation.selected ? { kind: 'cancel' } : null;
    case 'Delete':
    case 'Backspace':
      return situation.selected
        ? { kind: 'delete' }
        : { kind: 'explain', message: 'Select a region to delete first (Tab or a click).' };
  }
  const tool = TOOL_KEYS[letter];
  if (tool && !event.shiftKey) return { kind: 'tool', tool };
  if (letter === COPY_KEY && !event.shiftKey) return { kind: 'copy-previous' };
  if (letter === VALUES_KEY && !event.shiftKey)
    return {
      kind: 'explain',
      message: 'Regions have no values form: each region takes a term from its key.',
    };
  const key = keyOfEvent(event);
  const term = key === null ? null : termForKey(situation.termKeys, key);
  if (term === null) return null;
  return situation.selected
    ? { kind: 'term', term }
    : { kind: 'explain', message: 'Select a region first (Tab or a click), then press its term key.' };
}
