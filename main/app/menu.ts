import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import type { RecentBag } from '../../shared/contract.js';

export interface MenuActions {
  openBag(): void;
  openBagFolder(): void;
  openRecent(bagPath: string): void;
  showShortcuts(): void;
}

export interface MenuOptions {
  platform: NodeJS.Platform;
  /** Reload and developer tools exist only in development. */
  isDev: boolean;
  recent: RecentBag[];
  actions: MenuActions;
}

const RECENT_IN_MENU = 10;

export function buildMenuTemplate({
  platform,
  isDev,
  recent,
  actions,
}: MenuOptions): MenuItemConstructorOptions[] {
  const isMac = platform === 'darwin';
  const file: MenuItemConstructorOptions[] = [
    { label: 'Open Bag…', accelerator: 'CmdOrCtrl+O', click: () => actions.openBag() },
    // macOS dialogs pick a .zip or a folder at once; elsewhere folders get their own item.
    ...(isMac ? [] : [{ label: 'Open Bag Folder…', click: () => actions.openBagFolder() }]),
    { label: 'Open Recent', submenu: recentItems(recent, actions) },
    { type: 'separator' },
    { role: 'close', label: 'Close Window' },
    ...(isMac ? [] : [{ role: 'quit' } as const]),
  ];
  const view: MenuItemConstructorOptions[] = [
    ...(isDev
      ? [{ role: 'reload' } as const, { role: 'forceReload' } as const, { role: 'toggleDevTools' } as const]
      : []),
    ...(isDev ? [{ type: 'separator' } as const] : []),
    { role: 'resetZoom' },
    { role: 'zoomIn' },
    { role: 'zoomOut' },
    { type: 'separator' },
    { role: 'togglefullscreen' },
  ];
  const help: MenuItemConstructorOptions[] = [
    { label: 'Keyboard Shortcuts', click: () => actions.showShortcuts() },
    ...(isMac ? [] : [{ role: 'about', label: 'About Satchel' } as const]),
  ];
  return [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    { label: 'File', submenu: file },
    {
      label: 'Edit',
      // Undo and redo belong to the labeler (bag-wide label history): their keys must reach the page.
      submenu: [
        { role: 'undo', registerAccelerator: false },
        { role: 'redo', registerAccelerator: false },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    { label: 'View', submenu: view },
    ...(isMac ? [{ role: 'windowMenu' } as const] : []),
    { role: 'help', submenu: help },
  ];
}

function recentItems(recent: RecentBag[], actions: MenuActions): MenuItemConstructorOptions[] {
  if (recent.length === 0) return [{ label: 'No recent bags', enabled: false }];
  return recent.slice(0, RECENT_IN_MENU).map((bag) => ({
    label: `${path.basename(bag.path)}${bag.version ? ` (${bag.version})` : ''}`,
    toolTip: bag.path,
    click: () => actions.openRecent(bag.path),
  }));
}
