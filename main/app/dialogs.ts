import path from 'node:path';
import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';

/** 'any': a .zip or a folder where the OS allows both; 'folder': a bag folder. */
export type BagDialogMode = 'any' | 'folder';

export function bagDialogOptions(
  mode: BagDialogMode,
  platform: NodeJS.Platform = process.platform,
): OpenDialogOptions {
  const title = 'Open a dataset bag';
  if (mode === 'folder') return { title, properties: ['openDirectory'] };
  if (platform === 'darwin') {
    return {
      title,
      properties: ['openFile', 'openDirectory'],
      filters: [{ name: 'Dataset bags', extensions: ['zip'] }],
    };
  }
  // Windows and Linux dialogs pick files or folders, not both: a folder bag is chosen by its bagit.txt.
  return {
    title,
    properties: ['openFile'],
    filters: [{ name: 'Dataset bags (.zip, or the bagit.txt of a bag folder)', extensions: ['zip', 'txt'] }],
  };
}

/** The bag behind what was picked: a bag folder's bagit.txt stands for the folder. */
export function bagPathFromChoice(chosen: string): string {
  return path.basename(chosen).toLowerCase() === 'bagit.txt' ? path.dirname(chosen) : chosen;
}

export async function chooseBagPath(
  window: BrowserWindow | null,
  mode: BagDialogMode = 'any',
): Promise<string | null> {
  const options = bagDialogOptions(mode);
  const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
  const chosen = result.canceled ? undefined : result.filePaths[0];
  return chosen ? bagPathFromChoice(chosen) : null;
}
