import { useEffect } from 'react';
import { regionCommand, type RegionCommand } from '../../regions/keys.js';
import { useLabeling } from '../../stores/labeling.js';
import { useRegions } from '../../stores/regions/index.js';

const MAC = /Mac|iPhone|iPad/.test(navigator.userAgent);
const NOT_TEXT_INPUTS = new Set(['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file']);

/** Where keys type text; a checkbox just clicked in the pane (a rater shown or hidden) does not take them. */
function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target instanceof HTMLInputElement) return !NOT_TEXT_INPUTS.has(target.type);
  return target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT';
}

function run(command: RegionCommand): void {
  const regions = useRegions.getState();
  switch (command.kind) {
    case 'tool':
      return regions.armTool(command.tool);
    case 'place':
      return regions.place();
    case 'close':
      return regions.closePolygon();
    case 'cancel':
      regions.cancel();
      return;
    case 'delete':
      return regions.deleteSelected();
    case 'nudge':
      return regions.nudge(command.dx, command.dy);
    case 'cursor':
      return regions.moveCursor(command.dx, command.dy);
    case 'cycle':
      return regions.cycle(command.backwards);
    case 'term':
      return regions.assignTerm(command.term);
    case 'copy-previous':
      return regions.copyPrevious();
    case 'undo':
      return regions.undo();
    case 'redo':
      return regions.redo();
    case 'explain':
      return regions.say(command.message);
  }
}

/**
 * The region editor's keys (regions/keys.ts), ahead of the labeler's and the viewer's: they listen in the
 * capture phase and a key the editor uses goes no further. Keys it has no use for right now pass through.
 */
export function useRegionKeys(active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing || isTextEntry(event.target)) return;
      const dialog = event.target instanceof Element ? event.target.closest('[role="dialog"]') : null;
      if (dialog && !dialog.matches('[data-testid="viewer"]')) return;
      const regions = useRegions.getState();
      if (!regions.image?.feature) return;
      const command = regionCommand(
        event,
        {
          tool: regions.tool,
          placed: regions.placed.length,
          selected: regions.selected !== null,
          regions: regions.regions.length,
          termKeys: useLabeling.getState().termKeys,
        },
        MAC,
      );
      if (!command) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      if (event.repeat && (command.kind === 'term' || command.kind === 'tool')) return;
      run(command);
    };
    window.addEventListener('keydown', onKey, { capture: true });
    return () => window.removeEventListener('keydown', onKey, { capture: true });
  }, [active]);
}
