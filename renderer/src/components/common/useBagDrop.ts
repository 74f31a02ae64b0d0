import { useEffect, useState } from 'react';
import { api } from '../../api.js';
import { openDroppedFile, PATH_INPUT_ID } from '../../openActions.js';

function carriesFiles(event: DragEvent): boolean {
  return event.dataTransfer?.types.includes('Files') ?? false;
}

/**
 * Opens a bag folder or zip dropped anywhere on the window; true while files are dragged over it. A
 * browser never tells a page where a dropped file lives, so in browser mode nothing invites a drop: the
 * pointer says no, and a file let go anyway only moves the cursor to the path field.
 */
export function useBagDrop(): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    const canOpen = api.transport === 'electron';
    const over = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      if (canOpen) setDragging(true);
      else if (event.dataTransfer) event.dataTransfer.dropEffect = 'none';
    };
    const leave = (event: DragEvent) => {
      // relatedTarget is null only when the pointer leaves the window, not when it moves between elements.
      if (event.relatedTarget === null) setDragging(false);
    };
    const drop = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      setDragging(false);
      const file = event.dataTransfer?.files[0];
      if (!canOpen) document.getElementById(PATH_INPUT_ID)?.focus();
      else if (file) void openDroppedFile(file);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, []);
  return dragging;
}
