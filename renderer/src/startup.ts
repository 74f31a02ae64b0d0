import type { UiState } from '../../shared/contract.js';
import { api, request } from './api.js';
import { useConnection } from './stores/connection.js';
import { useLibrary } from './stores/library.js';
import { reportError } from './stores/notices.js';
import { useSession } from './stores/session.js';
import { keepViewState, restoreWhenOpened } from './viewState.js';

/** Settles once the saved view is read: a bag opened before that would show before its saved place. */
let viewRead: (state: UiState) => void = () => undefined;
const savedView = new Promise<UiState>((resolve) => (viewRead = resolve));

/**
 * Loads the library, then opens the bag named by `?open=<path>` in the page address, else the bag the
 * user was in before a reload or restart (in the section and mode they left it).
 */
export async function startUp(): Promise<void> {
  await useLibrary.getState().load();
  if (useConnection.getState().problem) return viewRead({ bag: null });
  const saved = await request('ui:state', {}).catch((error: unknown) => {
    reportError(error);
    return { bag: null };
  });
  restoreWhenOpened(saved);
  keepViewState();
  viewRead(saved);
  // A bag the shell or server already asked for opens first (its request waited on the line above).
  await Promise.resolve();
  const path = new URLSearchParams(location.search).get('open') ?? saved.bag?.path;
  const { bag, openingPath } = useSession.getState();
  if (path && !bag && !openingPath) await useSession.getState().openBag(path);
}

/** Bags the Electron shell (or `satchel serve BAG`) asks to open, once the saved view is known. */
export function listenForOpenRequests(): () => void {
  return api.on('open-bag', ({ path }) => {
    void savedView.then(() => useSession.getState().openBag(path));
  });
}
