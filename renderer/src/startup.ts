import { api } from './api.js';
import { useConnection } from './stores/connection.js';
import { useLibrary } from './stores/library.js';
import { useSession } from './stores/session.js';

/** Loads the library, then opens the bag named by `?open=<path>` in the page address, if any. */
export async function startUp(): Promise<void> {
  await useLibrary.getState().load();
  if (useConnection.getState().problem) return;
  const path = new URLSearchParams(location.search).get('open');
  if (path && !useSession.getState().bag) await useSession.getState().openBag(path);
}

/** Bags the Electron shell asks to open (a file opened with Satchel, File › Open Recent). */
export function listenForOpenRequests(): () => void {
  return api.on('open-bag', ({ path }) => void useSession.getState().openBag(path));
}
