import { fileURLToPath } from 'node:url';
import { BrowserWindow, type BrowserWindowConstructorOptions } from 'electron';
import { APP_ENTRY_URL } from './origin.js';

/** tsc compiles preload.cts to preload.cjs next to this file: sandboxed preloads must be CommonJS. */
export const PRELOAD_PATH = fileURLToPath(new URL('./preload.cjs', import.meta.url));

export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    title: 'Satchel',
    width: 1280,
    height: 840,
    minWidth: 720,
    minHeight: 480,
    show: false,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      preload: preloadPath,
    },
  };
}

/** The one window: shown once painted, always loading the app through satchel://, never file://. */
export function createMainWindow(preloadPath: string = PRELOAD_PATH): BrowserWindow {
  const window = new BrowserWindow(mainWindowOptions(preloadPath));
  window.once('ready-to-show', () => window.show());
  window
    .loadURL(APP_ENTRY_URL)
    .catch((error: unknown) => console.error('Satchel could not load its window:', error));
  return window;
}
