import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import {
  IPC_CALL,
  IPC_CHOOSE,
  IPC_EVENT,
  type ApiResult,
  type Channel,
  type RecentBag,
} from '../../shared/contract.js';

const fake = await vi.hoisted(async () => {
  const { EventEmitter } = await import('node:events');

  class FakeWebContents extends EventEmitter {
    send = vi.fn();
    mainFrame = { url: 'satchel://app/index.html', parent: null, processId: 1, routingId: 1 };
    setWindowOpenHandler = vi.fn();
  }
  class FakeBrowserWindow extends EventEmitter {
    static created: FakeBrowserWindow[] = [];
    webContents = new FakeWebContents();
    loadURL = vi.fn(async (_url: string) => undefined);
    loadFile = vi.fn(async (_file: string) => undefined);
    show = vi.fn();
    focus = vi.fn();
    restore = vi.fn();
    isMinimized = vi.fn(() => false);
    isDestroyed = vi.fn(() => false);
    constructor(readonly options: unknown) {
      super();
      FakeBrowserWindow.created.push(this);
    }
  }

  let ready = (): void => undefined;
  const app = Object.assign(new EventEmitter(), {
    whenReadyPromise: Promise.resolve(),
    whenReady: vi.fn((): Promise<void> => app.whenReadyPromise),
    /** Makes whenReady wait until ready() is called. */
    holdReady() {
      app.whenReadyPromise = new Promise<void>((resolve) => (ready = resolve));
    },
    ready: () => ready(),
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    exit: vi.fn(),
    getPath: vi.fn(() => '/nonexistent/userData'),
    getAppPath: vi.fn(() => '/opt/satchel/resources/app.asar'),
    isPackaged: true,
  });

  const host = {
    handle: vi.fn(async (_channel: string, _raw: unknown): Promise<ApiResult<Channel>> => ({
      ok: true,
      value: { recent: [], derivaCache: [], sample: { path: null, built: false } },
    })),
    assetFile: vi.fn(async () => null),
    onEvent: vi.fn(),
    close: vi.fn(async () => undefined),
  };

  return {
    app,
    host,
    FakeBrowserWindow,
    startApiHost: vi.fn(async (_options: { workspace: string }) => host),
    registerSchemesAsPrivileged: vi.fn(),
    protocolHandle: vi.fn(),
    ipcHandle: vi.fn(),
    setApplicationMenu: vi.fn(),
    buildFromTemplate: vi.fn((template: MenuItemConstructorOptions[]) => ({ template })),
    session: {
      webRequest: { onHeadersReceived: vi.fn() },
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
    },
    showOpenDialog: vi.fn(async () => ({ canceled: false, filePaths: ['/home/me/bag.zip'] })),
    showErrorBox: vi.fn(),
  };
});

vi.mock('electron', () => ({
  app: fake.app,
  BrowserWindow: fake.FakeBrowserWindow,
  protocol: { registerSchemesAsPrivileged: fake.registerSchemesAsPrivileged, handle: fake.protocolHandle },
  ipcMain: { handle: fake.ipcHandle, removeHandler: vi.fn() },
  session: { defaultSession: fake.session },
  Menu: { setApplicationMenu: fake.setApplicationMenu, buildFromTemplate: fake.buildFromTemplate },
  dialog: { showOpenDialog: fake.showOpenDialog, showErrorBox: fake.showErrorBox },
  shell: { openExternal: vi.fn() },
}));
vi.mock('../../main/core/api/host.js', () => ({ startApiHost: fake.startApiHost }));

const { PRELOAD_PATH, createMainWindow, mainWindowOptions } = await import('../../main/app/window.js');
const { buildMenuTemplate } = await import('../../main/app/menu.js');
const { bagDialogOptions, bagPathFromChoice } = await import('../../main/app/dialogs.js');
const { bagPathsFromArgv, createOpenQueue } = await import('../../main/app/open-requests.js');

type FakeWindow = InstanceType<typeof fake.FakeBrowserWindow>;

afterEach(() => {
  fake.FakeBrowserWindow.created.length = 0;
  vi.clearAllMocks();
  vi.restoreAllMocks();
});

describe('the window', () => {
  it('has every security flag set, the compiled CommonJS preload, and starts hidden', () => {
    const options = mainWindowOptions(PRELOAD_PATH);
    expect(options.webPreferences).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      preload: PRELOAD_PATH,
    });
    expect(options.show).toBe(false);
    expect(path.isAbsolute(PRELOAD_PATH)).toBe(true);
    expect(PRELOAD_PATH.endsWith(`${path.sep}preload.cjs`)).toBe(true);
    expect(path.dirname(PRELOAD_PATH)).toBe(
      path.dirname(new URL('../../main/app/window.ts', import.meta.url).pathname),
    );
  });

  it('loads satchel://app/index.html, never a file, and shows when ready', () => {
    const window = createMainWindow() as unknown as FakeWindow;
    expect(window.loadURL).toHaveBeenCalledWith('satchel://app/index.html');
    expect(window.loadFile).not.toHaveBeenCalled();
    expect(JSON.stringify([window.options, window.loadURL.mock.calls])).not.toContain('file:');
    expect(window.show).not.toHaveBeenCalled();
    window.emit('ready-to-show');
    expect(window.show).toHaveBeenCalledTimes(1);
  });
});

describe('the menu', () => {
  const actions = { openBag: vi.fn(), openBagFolder: vi.fn(), openRecent: vi.fn(), showShortcuts: vi.fn() };
  const recent: RecentBag[] = [
    { path: '/bags/Dataset_58A.zip', rid: '58A', version: '0.4.0', openedAt: '2026-11-20T10:00:00Z' },
  ];
  const menu = (platform: NodeJS.Platform, isDev: boolean, bags = recent) =>
    buildMenuTemplate({ platform, isDev, recent: bags, actions });
  const submenu = (template: MenuItemConstructorOptions[], label: string) =>
    template.find((item) => item.label === label || item.role === label)!
      .submenu as MenuItemConstructorOptions[];
  const click = (item: MenuItemConstructorOptions | undefined) => (item!.click as () => void)();

  it('opens bags with Ctrl/Cmd+O, lists recent bags and closes the window', () => {
    const file = submenu(menu('linux', false), 'File');
    const open = file.find((item) => item.label === 'Open Bag…')!;
    expect(open.accelerator).toBe('CmdOrCtrl+O');
    click(open);
    expect(actions.openBag).toHaveBeenCalled();
    const recentItems = file.find((item) => item.label === 'Open Recent')!
      .submenu as MenuItemConstructorOptions[];
    expect(recentItems.map((item) => item.label)).toEqual(['Dataset_58A.zip (0.4.0)']);
    click(recentItems[0]);
    expect(actions.openRecent).toHaveBeenCalledWith('/bags/Dataset_58A.zip');
    expect(file.some((item) => item.role === 'close')).toBe(true);
    click(file.find((item) => item.label === 'Open Bag Folder…'));
    expect(actions.openBagFolder).toHaveBeenCalled();
  });

  it('says when there is no recent bag', () => {
    const recentItems = submenu(menu('linux', false, []), 'File').find(
      (item) => item.label === 'Open Recent',
    )!.submenu;
    expect(recentItems).toEqual([{ label: 'No recent bags', enabled: false }]);
  });

  it('offers reload and devtools only in development, zoom and full screen always', () => {
    const roles = (isDev: boolean) =>
      submenu(menu('linux', isDev), 'View')
        .map((item) => item.role)
        .filter(Boolean);
    expect(roles(false)).toEqual(['resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']);
    expect(roles(true)).toEqual([
      'reload',
      'forceReload',
      'toggleDevTools',
      'resetZoom',
      'zoomIn',
      'zoomOut',
      'togglefullscreen',
    ]);
  });

  it('has Edit, Help with keyboard shortcuts and About, and the macOS app and window menus', () => {
    const linux = menu('linux', false);
    const edit = submenu(linux, 'Edit');
    // Undo and redo keys must reach the labeler in the page, not be taken by the menu.
    expect(
      edit
        .filter((item) => item.role === 'undo' || item.role === 'redo')
        .map((item) => item.registerAccelerator),
    ).toEqual([false, false]);
    expect(edit.some((item) => item.role === 'paste')).toBe(true);
    const help = submenu(linux, 'help');
    click(help.find((item) => item.label === 'Keyboard Shortcuts'));
    expect(actions.showShortcuts).toHaveBeenCalled();
    expect(help.some((item) => item.role === 'about')).toBe(true);
    const mac = menu('darwin', false);
    expect(mac[0]!.role).toBe('appMenu');
    expect(mac.some((item) => item.role === 'windowMenu')).toBe(true);
    expect(submenu(mac, 'File').some((item) => item.label === 'Open Bag Folder…')).toBe(false);
  });
});

describe('choosing a bag', () => {
  it('picks a .zip or a folder at once on macOS, a .zip or a bagit.txt elsewhere', () => {
    expect(bagDialogOptions('any', 'darwin')).toMatchObject({
      properties: ['openFile', 'openDirectory'],
      filters: [{ extensions: ['zip'] }],
    });
    expect(bagDialogOptions('any', 'linux')).toMatchObject({
      properties: ['openFile'],
      filters: [{ extensions: ['zip', 'txt'] }],
    });
    expect(bagDialogOptions('folder', 'win32')).toMatchObject({ properties: ['openDirectory'] });
  });

  it('opens the folder of a chosen bagit.txt', () => {
    expect(bagPathFromChoice('/bags/Dataset_58A/bagit.txt')).toBe('/bags/Dataset_58A');
    expect(bagPathFromChoice('/bags/Dataset_58A.zip')).toBe('/bags/Dataset_58A.zip');
  });
});

describe('bags asked for from outside', () => {
  it('takes existing paths from a command line, skipping the executable, the app folder and switches', () => {
    const exists = (file: string) => file !== '/work/missing.zip';
    expect(
      bagPathsFromArgv(['/opt/Satchel/satchel', '--no-sandbox', 'bag.zip', '/work/missing.zip', '/abs/b'], {
        leadingArguments: 1,
        cwd: '/work',
        exists,
      }),
    ).toEqual(['/work/bag.zip', '/abs/b']);
    expect(
      bagPathsFromArgv(['electron', '.', 'bag.zip'], { leadingArguments: 2, cwd: '/work', exists }),
    ).toEqual(['/work/bag.zip']);
  });

  it('holds requests until the renderer has loaded', () => {
    const deliver = vi.fn();
    const queue = createOpenQueue(deliver);
    queue.request('/a.zip');
    queue.request('/b.zip');
    expect(deliver).not.toHaveBeenCalled();
    queue.setReady(true);
    expect(deliver.mock.calls).toEqual([['/a.zip'], ['/b.zip']]);
    queue.setReady(false);
    queue.request('/c.zip');
    expect(deliver).toHaveBeenCalledTimes(2);
  });
});

describe('the app lifecycle (main.ts)', () => {
  let workspace: string;
  const argv = process.argv;

  beforeEach(() => {
    vi.resetModules();
    fake.app.removeAllListeners();
    fake.app.whenReadyPromise = Promise.resolve();
    fake.app.requestSingleInstanceLock.mockReturnValue(true);
    fake.host.handle.mockResolvedValue({
      ok: true,
      value: { recent: [], derivaCache: [], sample: { path: null, built: false } },
    });
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'satchel-app-'));
    vi.stubEnv('SATCHEL_WORKSPACE', workspace);
    process.argv = ['/opt/Satchel/satchel'];
  });

  afterEach(() => {
    process.argv = argv;
    vi.unstubAllEnvs();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  async function startApp(): Promise<FakeWindow> {
    await import('../../main/app/main.js');
    await vi.waitFor(() => expect(fake.FakeBrowserWindow.created).toHaveLength(1));
    return fake.FakeBrowserWindow.created[0]!;
  }

  it('registers the scheme before ready, then wires host, protocol, IPC, menu and one window', async () => {
    const window = await startApp();
    expect(fake.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    expect(fake.registerSchemesAsPrivileged.mock.invocationCallOrder[0]!).toBeLessThan(
      fake.app.whenReady.mock.invocationCallOrder[0]!,
    );
    expect(fake.startApiHost).toHaveBeenCalledWith({ workspace });
    expect(fake.protocolHandle).toHaveBeenCalledWith('satchel', expect.any(Function));
    expect(fake.ipcHandle.mock.calls.map(([channel]) => channel)).toEqual([IPC_CALL, IPC_CHOOSE]);
    expect(fake.session.setPermissionRequestHandler).toHaveBeenCalled();
    expect(fake.session.webRequest.onHeadersReceived).toHaveBeenCalled();
    expect(fake.setApplicationMenu).toHaveBeenCalled();
    expect(fake.app.listenerCount('web-contents-created')).toBe(1);
    expect(window.loadURL).toHaveBeenCalledWith('satchel://app/index.html');
    expect((window.options as { webPreferences: { preload: string } }).webPreferences.preload).toMatch(
      /preload\.cjs$/,
    );
    expect(fake.protocolHandle.mock.invocationCallOrder[0]!).toBeLessThan(
      window.loadURL.mock.invocationCallOrder[0]!,
    );
  });

  it('forwards host events to the window', async () => {
    const window = await startApp();
    const forward = fake.host.onEvent.mock.calls[0]![0] as (name: string, payload: unknown) => void;
    forward('progress', { task: 'open', phase: 'import', done: 1, total: 4 });
    expect(window.webContents.send).toHaveBeenCalledWith(IPC_EVENT, 'progress', {
      task: 'open',
      phase: 'import',
      done: 1,
      total: 4,
    });
  });

  it('hands a bag from macOS open-file (even before ready) to the renderer once it has loaded', async () => {
    fake.app.holdReady();
    await import('../../main/app/main.js');
    const event = { preventDefault: vi.fn() };
    fake.app.emit('open-file', event, '/bags/early.zip');
    expect(event.preventDefault).toHaveBeenCalled();
    fake.app.ready();
    const window = await vi.waitFor(() => {
      expect(fake.FakeBrowserWindow.created).toHaveLength(1);
      return fake.FakeBrowserWindow.created[0]!;
    });
    expect(window.webContents.send).not.toHaveBeenCalled();
    window.webContents.emit('did-finish-load');
    expect(window.webContents.send).toHaveBeenCalledWith(IPC_EVENT, 'open-bag', { path: '/bags/early.zip' });
  });

  it('opens a bag given to a second launch and focuses the one window', async () => {
    const window = await startApp();
    window.webContents.emit('did-finish-load');
    const bag = path.join(workspace, 'second.zip');
    fs.writeFileSync(bag, '');
    fake.app.emit('second-instance', {}, ['/opt/Satchel/satchel', '--flag', bag], '/');
    expect(window.webContents.send).toHaveBeenCalledWith(IPC_EVENT, 'open-bag', { path: bag });
    expect(window.focus).toHaveBeenCalled();
    expect(fake.FakeBrowserWindow.created).toHaveLength(1);
  });

  it('fills Open Recent from the library state', async () => {
    fake.host.handle.mockResolvedValue({
      ok: true,
      value: {
        recent: [{ path: '/bags/Dataset_1.zip', rid: '1', version: null, openedAt: 'x' }],
        derivaCache: [],
        sample: { path: null, built: false },
      },
    });
    await startApp();
    await vi.waitFor(() => {
      const template = fake.buildFromTemplate.mock.lastCall![0];
      const file = template.find((item) => item.label === 'File')!.submenu as MenuItemConstructorOptions[];
      const recentItems = file.find((item) => item.label === 'Open Recent')!
        .submenu as MenuItemConstructorOptions[];
      expect(recentItems.map((item) => item.label)).toEqual(['Dataset_1.zip']);
    });
    expect(fake.host.handle).toHaveBeenCalledWith('library:state', {});
  });

  it('quits when the last window closes (except on macOS) and closes the host first', async () => {
    await startApp();
    fake.app.emit('window-all-closed');
    expect(fake.app.quit).toHaveBeenCalledTimes(process.platform === 'darwin' ? 0 : 1);
    const event = { preventDefault: vi.fn() };
    fake.app.emit('will-quit', event);
    expect(event.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(fake.host.close).toHaveBeenCalled());
    await vi.waitFor(() =>
      expect(fake.app.quit).toHaveBeenCalledTimes(process.platform === 'darwin' ? 1 : 2),
    );
  });

  it('quits at once when another instance holds the lock', async () => {
    fake.app.requestSingleInstanceLock.mockReturnValue(false);
    await import('../../main/app/main.js');
    expect(fake.app.quit).toHaveBeenCalled();
    expect(fake.app.whenReady).not.toHaveBeenCalled();
    expect(fake.FakeBrowserWindow.created).toHaveLength(0);
  });

  it('says why when the host cannot start', async () => {
    fake.startApiHost.mockRejectedValueOnce(new Error('The workspace database is from a newer Satchel.'));
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await import('../../main/app/main.js');
    await vi.waitFor(() => expect(fake.app.exit).toHaveBeenCalledWith(1));
    expect(fake.showErrorBox).toHaveBeenCalledWith(
      'Satchel could not start',
      'The workspace database is from a newer Satchel.',
    );
    expect(fake.FakeBrowserWindow.created).toHaveLength(0);
  });
});
