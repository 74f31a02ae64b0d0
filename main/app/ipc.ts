import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { IPC_CALL, IPC_CHOOSE, IPC_EVENT, type ApiResult, type Channel } from '../../shared/contract.js';
import { requestSchemas } from '../../shared/requests.js';
import type { ApiHost } from '../core/api/host.js';
import { isAppUrl } from './origin.js';

export interface IpcRouterOptions {
  /** Satchel's one window, or null while it does not exist. */
  getWindow: () => BrowserWindow | null;
  host: Pick<ApiHost, 'handle'>;
  chooseBag: () => Promise<string | null>;
  /** Told about every answer the host gave (the menu keeps Open Recent current with it). */
  onAnswered?: (channel: Channel, result: ApiResult<Channel>, request: unknown) => void;
}

/** Routes the renderer's contract calls to the API host. Returns a function removing the handlers. */
export function installIpcRouter(options: IpcRouterOptions): () => void {
  ipcMain.handle(IPC_CALL, (event, channel: unknown, request: unknown) =>
    answerCall(event, channel, request, options),
  );
  ipcMain.handle(IPC_CHOOSE, (event) =>
    isTrustedSender(event, options.getWindow()) ? options.chooseBag() : null,
  );
  return () => {
    ipcMain.removeHandler(IPC_CALL);
    ipcMain.removeHandler(IPC_CHOOSE);
  };
}

/** Answers one call with an ApiResult, whatever happens: nothing raw is ever thrown to the renderer. */
export async function answerCall(
  event: IpcMainInvokeEvent,
  channel: unknown,
  request: unknown,
  options: IpcRouterOptions,
): Promise<ApiResult<Channel>> {
  if (!isTrustedSender(event, options.getWindow())) {
    return failure('forbidden', "This request did not come from Satchel's window, so it was refused.");
  }
  if (!isChannel(channel)) {
    const named =
      typeof channel === 'string' ? `"${channel.slice(0, 80)}"` : 'A request without a channel name';
    return failure('unknown-channel', `${named} is not a request Satchel knows.`);
  }
  let result: ApiResult<Channel>;
  try {
    result = await options.host.handle(channel, request);
  } catch (error) {
    console.error(`Satchel's API host failed on ${channel}:`, error);
    return failure('internal', 'Satchel hit an unexpected problem while answering; please try again.');
  }
  try {
    options.onAnswered?.(channel, result, request);
  } catch (error) {
    console.error(`Satchel could not follow up on ${channel}:`, error);
  }
  return result;
}

/** Only the top frame of our own window, showing the app origin, may talk to main. */
export function isTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow | null): boolean {
  const frame = event.senderFrame;
  if (!window || window.isDestroyed() || !frame || event.sender !== window.webContents) return false;
  const mainFrame = window.webContents.mainFrame;
  return (
    frame.parent === null &&
    frame.processId === mainFrame.processId &&
    frame.routingId === mainFrame.routingId &&
    isAppUrl(frame.url)
  );
}

export function isChannel(channel: unknown): channel is Channel {
  return typeof channel === 'string' && Object.hasOwn(requestSchemas, channel);
}

/** Sends an event to our window only (host progress, or a bag the OS asked to open). */
export function sendToWindow(window: BrowserWindow | null, name: string, payload: unknown): void {
  if (window && !window.isDestroyed()) window.webContents.send(IPC_EVENT, name, payload);
}

function failure(kind: string, message: string): ApiResult<Channel> {
  return { ok: false, error: { kind, message } };
}
