import fs from 'node:fs';
import vm from 'node:vm';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import type { BrowserWindow, IpcMainInvokeEvent } from 'electron';
import {
  IPC_CALL,
  IPC_CHOOSE,
  IPC_EVENT,
  assetPath,
  type ApiResult,
  type Channel,
  type SatchelApi,
} from '../../shared/contract.js';
import type { IpcRouterOptions } from '../../main/app/ipc.js';
import { createApi, type Api } from '../../main/core/api/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;
type RendererListener = (event: unknown, ...args: unknown[]) => void;

const electron = vi.hoisted(() => ({
  mainHandlers: new Map<string, Handler>(),
  rendererListeners: new Map<string, RendererListener>(),
  exposed: new Map<string, unknown>(),
  invoke: vi.fn(async (..._args: unknown[]): Promise<unknown> => undefined),
  getPathForFile: vi.fn((_file: unknown) => '/bags/dropped.zip'),
}));
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => electron.mainHandlers.set(channel, handler),
    removeHandler: (channel: string) => electron.mainHandlers.delete(channel),
  },
}));

/** What a sandboxed preload gets from require('electron'). */
const rendererElectron = {
  ipcRenderer: {
    invoke: electron.invoke,
    on: (channel: string, listener: RendererListener) => electron.rendererListeners.set(channel, listener),
  },
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api) },
  webUtils: { getPathForFile: electron.getPathForFile },
};

const { answerCall, installIpcRouter, isChannel, sendToWindow } = await import('../../main/app/ipc.js');

const OK: ApiResult<Channel> = { ok: true, value: { closed: true } };
const BAG_ID = 'abcdef0123456789';

interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  processId: number;
  routingId: number;
}

function fakeWindow() {
  const mainFrame: FakeFrame = { url: 'satchel://app/index.html', parent: null, processId: 4, routingId: 1 };
  const webContents = { mainFrame, send: vi.fn() };
  let destroyed = false;
  const window = { webContents, isDestroyed: () => destroyed, destroy: () => (destroyed = true) };
  return { window, asWindow: window as unknown as BrowserWindow, mainFrame, webContents };
}

function eventFrom(sender: unknown, senderFrame: FakeFrame | null): IpcMainInvokeEvent {
  return { sender, senderFrame } as unknown as IpcMainInvokeEvent;
}

let ours: ReturnType<typeof fakeWindow>;
let host: { handle: Mock<(channel: string, raw: unknown) => Promise<ApiResult<Channel>>> };
let chooseBag: Mock<() => Promise<string | null>>;
let onAnswered: Mock<(channel: Channel, result: ApiResult<Channel>, request: unknown) => void>;

beforeEach(() => {
  ours = fakeWindow();
  host = { handle: vi.fn(async () => OK) };
  chooseBag = vi.fn(async () => '/bags/bag.zip');
  onAnswered = vi.fn();
  electron.mainHandlers.clear();
});

afterEach(() => vi.restoreAllMocks());

function options(): IpcRouterOptions {
  return { getWindow: () => ours.asWindow, host, chooseBag, onAnswered };
}

const goodEvent = () => eventFrom(ours.webContents, ours.mainFrame);

describe('the IPC router', () => {
  it('passes a call from our window to the host and returns its answer', async () => {
    const request = { bagId: BAG_ID };
    const result = await answerCall(goodEvent(), 'bag:close', request, options());
    expect(host.handle).toHaveBeenCalledWith('bag:close', request);
    expect(result).toEqual(OK);
    expect(onAnswered).toHaveBeenCalledWith('bag:close', OK, request);
  });

  const foreignSenders: [string, () => IpcMainInvokeEvent][] = [
    [
      'a frame showing https://evil.example',
      () => eventFrom(ours.webContents, { ...ours.mainFrame, url: 'https://evil.example/' }),
    ],
    [
      'a frame showing a file:// page',
      () => eventFrom(ours.webContents, { ...ours.mainFrame, url: 'file:///tmp/index.html' }),
    ],
    [
      'a frame on another satchel host',
      () => eventFrom(ours.webContents, { ...ours.mainFrame, url: 'satchel://evil/index.html' }),
    ],
    [
      'a subframe of our window',
      () =>
        eventFrom(ours.webContents, {
          url: 'satchel://app/index.html',
          parent: ours.mainFrame,
          processId: 4,
          routingId: 7,
        }),
    ],
    [
      'a frame that is not our main frame',
      () => eventFrom(ours.webContents, { ...ours.mainFrame, routingId: 9 }),
    ],
    ['a destroyed frame', () => eventFrom(ours.webContents, null)],
    ['another web contents', () => eventFrom(fakeWindow().webContents, ours.mainFrame)],
  ];
  it.each(foreignSenders)('refuses %s without reaching the host', async (_name, event) => {
    const result = await answerCall(event(), 'library:state', {}, options());
    expect(result).toEqual({
      ok: false,
      error: { kind: 'forbidden', message: expect.stringContaining('refused') },
    });
    expect(host.handle).not.toHaveBeenCalled();
  });

  it('refuses every call once the window is gone', async () => {
    ours.window.destroy();
    expect((await answerCall(goodEvent(), 'library:state', {}, options())).ok).toBe(false);
    expect(
      (await answerCall(goodEvent(), 'library:state', {}, { ...options(), getWindow: () => null })).ok,
    ).toBe(false);
    expect(host.handle).not.toHaveBeenCalled();
  });

  it.each([
    ['fs:read'],
    ['__proto__'],
    ['constructor'],
    ['toString'],
    [42],
    [null],
    [{ channel: 'bag:open' }],
  ])('refuses the unknown channel %j', async (channel) => {
    const result = await answerCall(goodEvent(), channel, {}, options());
    expect(result).toEqual({ ok: false, error: { kind: 'unknown-channel', message: expect.any(String) } });
    expect(host.handle).not.toHaveBeenCalled();
  });

  it('knows exactly the contract channels', () => {
    expect(isChannel('bag:open')).toBe(true);
    expect(isChannel('asset:prefetch')).toBe(true);
    expect(isChannel('bag:open ')).toBe(false);
    expect(isChannel('hasOwnProperty')).toBe(false);
  });

  it('turns a host failure into an error value without the raw error', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    host.handle.mockRejectedValue(new Error('SQLITE_CORRUPT at /workspace/Satchel/db'));
    const result = await answerCall(goodEvent(), 'library:state', {}, options());
    expect(result).toEqual({ ok: false, error: { kind: 'internal', message: expect.any(String) } });
    expect(JSON.stringify(result)).not.toContain('SQLITE');
  });

  it('still answers when following up on an answer fails', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    onAnswered.mockImplementation(() => {
      throw new Error('menu rebuild failed');
    });
    expect(await answerCall(goodEvent(), 'library:state', {}, options())).toEqual(OK);
  });

  it('registers the call and choose handlers, checking the sender of both', async () => {
    const remove = installIpcRouter(options());
    const call = electron.mainHandlers.get(IPC_CALL)!;
    const choose = electron.mainHandlers.get(IPC_CHOOSE)!;
    expect(await call(goodEvent(), 'library:state', {})).toEqual(OK);
    expect(await choose(goodEvent())).toBe('/bags/bag.zip');
    const evil = eventFrom(ours.webContents, { ...ours.mainFrame, url: 'https://evil.example/' });
    expect(await choose(evil)).toBeNull();
    expect(chooseBag).toHaveBeenCalledTimes(1);
    remove();
    expect(electron.mainHandlers.size).toBe(0);
  });

  it('sends events to our window only while it exists', () => {
    sendToWindow(ours.asWindow, 'progress', { task: 'open', phase: 'import', done: 1, total: 2 });
    expect(ours.webContents.send).toHaveBeenCalledWith(IPC_EVENT, 'progress', {
      task: 'open',
      phase: 'import',
      done: 1,
      total: 2,
    });
    ours.window.destroy();
    sendToWindow(ours.asWindow, 'progress', {});
    sendToWindow(null, 'progress', {});
    expect(ours.webContents.send).toHaveBeenCalledTimes(1);
  });
});

describe('the IPC router in front of the real API, which validates with the contract’s zod schemas', () => {
  const { formatB, facts } = generatedBags();
  let scratch: ReturnType<typeof temporaryDirectory>;
  let api: Api;
  let handle: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    scratch = temporaryDirectory();
    api = createApi({ workspace: scratch.dir, homeDir: scratch.dir });
    handle = vi.spyOn(api, 'handle');
  });
  afterEach(async () => {
    await api.close();
    scratch.cleanup();
  });
  const call = (channel: string, request: unknown) =>
    answerCall(goodEvent(), channel, request, { ...options(), host: api });
  const refused = (message: string) => ({ ok: false, error: { kind: 'bad-request', message } });

  it('refuses malformed requests with one sentence naming the field', async () => {
    expect(await call('bag:close', { bagId: 'x' })).toEqual(
      refused('The bag:close request is invalid in the field "bagId": a bag id.'),
    );
    expect(await call('bag:close', {})).toEqual(
      refused(
        'The bag:close request is invalid in the field "bagId": Invalid input: expected string, received undefined.',
      ),
    );
    expect(await call('bag:close', { bagId: BAG_ID, extra: true })).toEqual(
      refused('The bag:close request is invalid in its body: Unrecognized key: "extra".'),
    );
    expect(await call('bag:open', { path: 42 })).toEqual(
      refused(
        'The bag:open request is invalid in the field "path": Invalid input: expected string, received number.',
      ),
    );
    expect(
      await call('bag:members', { bagId: BAG_ID, datasetRid: facts.rid, elementType: 'Image', limit: 0 }),
    ).toEqual(
      refused(
        'The bag:members request is invalid in the field "limit": Too small: expected number to be >=1.',
      ),
    );
    expect(handle).toHaveBeenCalledTimes(5);
  });

  it('passes well-formed requests to their handlers', async () => {
    expect(await call('bag:close', { bagId: BAG_ID })).toEqual({ ok: true, value: { closed: false } });
    const opened = await call('bag:open', { path: formatB });
    if (!opened.ok) throw new Error(opened.error.message);
    const { bagId } = opened.value as { bagId: string };
    const page = await call('bag:members', {
      bagId,
      datasetRid: facts.datasets.testing,
      elementType: 'Image',
      limit: 3,
    });
    expect(page.ok && (page.value as { total: number; rows: unknown[] })).toMatchObject({
      total: facts.images.filter((image) => image.split === 'Testing' && image.release === '1.0.0').length,
      rows: expect.any(Array),
    });
    expect(page.ok && (page.value as { rows: unknown[] }).rows).toHaveLength(3);
    expect(await call('bag:close', { bagId })).toEqual({ ok: true, value: { closed: true } });
  });
});

describe('the preload, run as compiled with only electron to require', () => {
  const PRELOAD = new URL('../../main/app/preload.cts', import.meta.url);
  let api: SatchelApi & { pathForFile(file: unknown): string };
  const emit = (...args: unknown[]) =>
    electron.rendererListeners.get(IPC_EVENT)!({ sender: 'the IpcRendererEvent' }, ...args);

  /** Runs the preload as tsc compiles it, with a require that, like the sandbox, offers only electron. */
  function runPreload(): void {
    const { outputText } = ts.transpileModule(fs.readFileSync(PRELOAD, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
      fileName: 'preload.cts',
    });
    const sandboxRequire = (name: string): unknown => {
      if (name === 'electron') return rendererElectron;
      throw new Error(`A sandboxed preload cannot require ${name}.`);
    };
    const module = { exports: {} };
    vm.compileFunction(outputText, ['require', 'module', 'exports'])(sandboxRequire, module, module.exports);
  }

  beforeEach(() => {
    electron.exposed.clear();
    electron.rendererListeners.clear();
    runPreload();
    api = electron.exposed.get('satchel') as typeof api;
  });

  it('exposes exactly the contract, as window.satchel', () => {
    expect([...electron.exposed.keys()]).toEqual(['satchel']);
    expect(Object.keys(api).sort()).toEqual([
      'assetUrl',
      'call',
      'chooseBag',
      'on',
      'pathForFile',
      'transport',
    ]);
    expect(api.transport).toBe('electron');
  });

  it('calls and chooses through the contract channels', async () => {
    electron.invoke.mockResolvedValueOnce(OK);
    expect(await api.call('bag:close', { bagId: BAG_ID })).toEqual(OK);
    expect(electron.invoke).toHaveBeenLastCalledWith(IPC_CALL, 'bag:close', { bagId: BAG_ID });
    electron.invoke.mockResolvedValueOnce('/bags/bag.zip');
    expect(await api.chooseBag()).toBe('/bags/bag.zip');
    expect(electron.invoke).toHaveBeenLastCalledWith(IPC_CHOOSE);
  });

  it('delivers only the payload of the named event, and unsubscribes', () => {
    const listener = vi.fn();
    const unsubscribe = api.on('progress', listener);
    emit('progress', { done: 1 });
    emit('other', { done: 2 });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(listener.mock.calls[0]).toEqual([{ done: 1 }]);
    unsubscribe();
    emit('progress', { done: 3 });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('keeps a bag the OS asked to open until the renderer listens', async () => {
    emit('open-bag', { path: '/bags/early.zip' });
    emit('progress', { done: 1 });
    const opened = vi.fn();
    const progress = vi.fn();
    api.on('open-bag' as 'progress', opened);
    api.on('progress', progress);
    await Promise.resolve();
    expect(opened).toHaveBeenCalledWith({ path: '/bags/early.zip' });
    expect(progress).not.toHaveBeenCalled();
  });

  it('builds asset URLs on the app origin exactly like the contract', () => {
    expect(api.assetUrl('thumb', BAG_ID, 'deriva-ml:Image', '1-A/B')).toBe(
      `satchel://app${assetPath('thumb', BAG_ID, 'deriva-ml:Image', '1-A/B')}`,
    );
    expect(() => api.assetUrl('file' as 'asset', BAG_ID, 'Image', '1-A')).toThrow(TypeError);
  });

  it('gives the path of a dropped file through webUtils', () => {
    const file = { name: 'dropped.zip' };
    expect(api.pathForFile(file)).toBe('/bags/dropped.zip');
    expect(electron.getPathForFile).toHaveBeenCalledWith(file);
  });
});
