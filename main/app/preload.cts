import { contextBridge, ipcRenderer, webUtils } from 'electron';
import type { AssetUrlKind, SatchelApi } from '../../shared/contract.js';

// A sandboxed preload may require nothing but 'electron', so these mirror shared/contract.ts
// (IPC_CALL, IPC_EVENT, IPC_CHOOSE, ELECTRON_PROTOCOL, assetPath) and main/app/shell-events.ts.
const IPC_CALL = 'satchel:call';
const IPC_EVENT = 'satchel:event';
const IPC_CHOOSE = 'satchel:choose-bag';
const APP_ORIGIN = 'satchel://app';
function assetPath(kind: AssetUrlKind, bag: string, table: string, assetRid: string): string {
  return `/${kind}/${bag}/${encodeURIComponent(table)}/${encodeURIComponent(assetRid)}`;
}

/** Kept until someone listens: a bag the OS asked to open may arrive before the UI subscribes. */
const HELD_EVENTS = new Set(['open-bag']);
const HELD_LIMIT = 10;

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
const held = new Map<string, unknown[]>();

// One IPC listener for every subscriber; the IpcRendererEvent itself never reaches the page.
ipcRenderer.on(IPC_EVENT, (_event, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return;
  const subscribed = listeners.get(name);
  if (subscribed && subscribed.size > 0) {
    for (const listener of [...subscribed]) deliver(listener, payload);
  } else if (HELD_EVENTS.has(name)) {
    held.set(name, [...(held.get(name) ?? []), payload].slice(-HELD_LIMIT));
  }
});

function deliver(listener: Listener, payload: unknown): void {
  try {
    listener(payload);
  } catch (error) {
    console.error('A Satchel event listener failed:', error);
  }
}

function subscribe(name: string, listener: Listener): () => void {
  if (typeof listener !== 'function') throw new TypeError('satchel.on needs a listener function.');
  const subscribed = listeners.get(name) ?? new Set<Listener>();
  listeners.set(name, subscribed);
  subscribed.add(listener);
  const waiting = held.get(name);
  if (waiting) {
    held.delete(name);
    queueMicrotask(() => waiting.forEach((payload) => deliver(listener, payload)));
  }
  return () => {
    subscribed.delete(listener);
  };
}

/** The contract's SatchelApi plus the Electron-only path of a dropped file. */
const api: SatchelApi & { pathForFile(file: File): string } = {
  call: (channel, request) => ipcRenderer.invoke(IPC_CALL, channel, request),
  on: (event, listener) => subscribe(event, listener as Listener),
  assetUrl: (kind, bag, table, assetRid) => {
    if (kind !== 'asset' && kind !== 'thumb')
      throw new TypeError(`"${String(kind)}" is not an asset URL kind.`);
    return APP_ORIGIN + assetPath(kind, bag, table, assetRid);
  },
  chooseBag: () => ipcRenderer.invoke(IPC_CHOOSE),
  pathForFile: (file) => webUtils.getPathForFile(file),
  transport: 'electron',
};

contextBridge.exposeInMainWorld('satchel', api);
