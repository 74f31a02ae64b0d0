import fs from 'node:fs';
import path from 'node:path';
import { app, dialog, Menu, session, type BrowserWindow } from 'electron';
import type { ApiResult, Channel, LibraryState, RecentBag } from '../../shared/contract.js';
// host.js rather than the folder's index: the main process only needs the worker's front end.
import { startApiHost, type ApiHost } from '../core/api/host.js';
import { rememberCatalogSignIn, restoreCatalogSignIns } from './catalog-sign-ins.js';
import { chooseBagPath } from './dialogs.js';
import { installIpcRouter, sendToWindow } from './ipc.js';
import { buildMenuTemplate } from './menu.js';
import { bagPathsFromArgv, createOpenQueue } from './open-requests.js';
import { installSatchelProtocol, registerSatchelScheme } from './protocol.js';
import { hardenAllWebContents, secureSession } from './security.js';
import { OPEN_BAG_EVENT, SHOW_SHORTCUTS_EVENT } from './shell-events.js';
import { createMainWindow } from './window.js';

let mainWindow: BrowserWindow | null = null;
let host: ApiHost | null = null;
let recent: RecentBag[] = [];
let hostClosed = false;
const getWindow = (): BrowserWindow | null => mainWindow;
const opens = createOpenQueue((bagPath) => sendToWindow(mainWindow, OPEN_BAG_EVENT, { path: bagPath }));

registerSatchelScheme();
hardenAllWebContents();
// macOS delivers files (Finder "Open With", the dock) as events, possibly before 'ready'.
app.on('open-file', (event, file) => {
  event.preventDefault();
  opens.request(file);
  showWindow();
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, workingDirectory) => {
    argvBagPaths(argv, workingDirectory).forEach((bagPath) => opens.request(bagPath));
    showWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', showWindow);
  app.on('will-quit', closeHostBeforeQuitting);
  app.whenReady().then(start).catch(failToStart);
}

async function start(): Promise<void> {
  secureSession(session.defaultSession);
  const workspace = path.resolve(process.env.SATCHEL_WORKSPACE ?? app.getPath('userData'));
  fs.mkdirSync(workspace, { recursive: true });
  host = await startApiHost({ workspace });
  installSatchelProtocol({ rendererDir: path.join(app.getAppPath(), 'renderer-dist'), assets: host });
  installIpcRouter({
    getWindow,
    host,
    chooseBag: () => chooseBagPath(mainWindow),
    onAnswered: (channel, result, request) => {
      keepRecentCurrent(channel, result);
      void rememberCatalogSignIn(workspace, channel, request, result).catch((error: unknown) =>
        console.error(`Satchel could not keep the catalog sign-in: ${(error as Error).message}`),
      );
    },
  });
  host.onEvent((name, payload) => sendToWindow(mainWindow, name, payload));
  argvBagPaths(process.argv, process.cwd()).forEach((bagPath) => opens.request(bagPath));
  installMenu();
  void refreshRecent();
  void restoreCatalogSignIns(workspace, host).catch(() => 0);
  showWindow();
}

/**
 * Focuses the window, creating it when there is none (first start, or macOS after closing it).
 * Does nothing until the host, protocol and IPC are in place.
 */
function showWindow(): void {
  if (!host) return;
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
    return;
  }
  const window = createMainWindow();
  window.webContents.on('did-start-loading', () => opens.setReady(false));
  window.webContents.on('did-finish-load', () => opens.setReady(true));
  window.on('closed', () => {
    opens.setReady(false);
    mainWindow = null;
  });
  mainWindow = window;
}

function argvBagPaths(argv: string[], cwd: string): string[] {
  // `electron .` puts the app folder after the executable; a packaged app has only the executable.
  return bagPathsFromArgv(argv, { leadingArguments: process.defaultApp ? 2 : 1, cwd });
}

function installMenu(): void {
  const template = buildMenuTemplate({
    platform: process.platform,
    isDev: !app.isPackaged,
    recent,
    actions: {
      openBag: () => void chooseAndOpen('any'),
      openBagFolder: () => void chooseAndOpen('folder'),
      openRecent: (bagPath) => opens.request(bagPath),
      showShortcuts: () => sendToWindow(mainWindow, SHOW_SHORTCUTS_EVENT, {}),
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function chooseAndOpen(mode: 'any' | 'folder'): Promise<void> {
  if (!mainWindow) showWindow();
  const chosen = await chooseBagPath(mainWindow, mode);
  if (chosen) opens.request(chosen);
}

/** Open Recent follows the library: rebuilt whenever the host answers with a new library state. */
function keepRecentCurrent(channel: Channel, result: ApiResult<Channel>): void {
  if (!result.ok) return;
  if (channel === 'library:state' || channel === 'library:forget')
    setRecent((result.value as LibraryState).recent);
  else if (channel === 'bag:open') void refreshRecent();
}

async function refreshRecent(): Promise<void> {
  const result = await host?.handle('library:state', {}).catch(() => null);
  if (result?.ok) setRecent((result.value as LibraryState).recent);
}

function setRecent(bags: RecentBag[]): void {
  recent = bags;
  installMenu();
}

/** Lets the host finish its writes and close its databases (it bounds that itself), then quits. */
function closeHostBeforeQuitting(event: Electron.Event): void {
  if (!host || hostClosed) return;
  event.preventDefault();
  hostClosed = true;
  host
    .close()
    .catch((error: unknown) => console.error('Satchel could not close its API host cleanly:', error))
    .finally(() => app.quit());
}

function failToStart(error: unknown): void {
  console.error('Satchel could not start:', error);
  const reason = error instanceof Error ? error.message : String(error);
  dialog.showErrorBox('Satchel could not start', reason);
  app.exit(1);
}
