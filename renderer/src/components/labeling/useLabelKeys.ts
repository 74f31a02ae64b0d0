import { useEffect } from 'react';
import { hasModKey, isTyping } from '../../keymap.js';
import { keyOfEvent, termForKey } from '../../labeling/termKeys.js';
import { useLabeling } from '../../stores/labeling.js';
import { useViewer } from '../../stores/viewer.js';

/** A key pressed in a dialog other than the viewer (the shortcut list, the key settings) is not a label. */
function insideOtherDialog(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  const dialog = target.closest('[role="dialog"]');
  return dialog !== null && !dialog.matches('[data-testid="viewer"]');
}

/**
 * The label mode's keys, on the window: term keys label the viewer's image (then move on) or every
 * selected tile; Enter/→ and ← move through the queue; Backspace clears; E opens the values form;
 * Ctrl/⌘+Z undoes and Ctrl/⌘+Shift+Z or Ctrl+Y redoes. State is read from the stores at the moment of
 * the key, never from a render, so keys typed faster than the screen updates still land in order.
 */
export function useLabelKeys(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (
        event.defaultPrevented ||
        event.isComposing ||
        isTyping(event.target) ||
        insideOtherDialog(event.target)
      )
        return;
      const labeling = useLabeling.getState();
      if (!labeling.active || labeling.form || labeling.keySettingsOpen || labeling.view !== 'grid') return;
      const letter = event.key.toLowerCase();
      if (hasModKey(event) && !event.altKey && (letter === 'z' || (letter === 'y' && event.ctrlKey))) {
        event.preventDefault();
        if (letter === 'y' || event.shiftKey) labeling.redo();
        else labeling.undo();
        return;
      }
      const key = keyOfEvent(event);
      if (key === null) return;
      const term = termForKey(labeling.termKeys, key);
      const inViewer = useViewer.getState().index !== null;
      if (term) {
        if (event.repeat) return event.preventDefault();
        if (inViewer) labeling.labelCurrent(term);
        else labeling.labelSelected(term);
      } else if (key === 'Backspace' || key === 'Delete') {
        if (inViewer) labeling.clearCurrent();
        else labeling.clearSelected();
      } else if (key === 'e') {
        if (inViewer) labeling.editCurrent();
        else labeling.editSelected();
      } else if (inViewer && (key === 'Enter' || key === 'ArrowRight')) labeling.next();
      else if (inViewer && key === 'ArrowLeft') labeling.previous();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
