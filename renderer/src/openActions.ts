import { api } from './api.js';
import { useLibrary } from './stores/library.js';
import { reportError } from './stores/notices.js';
import { useSession } from './stores/session.js';

/** Id of the path field of browser mode, which takes the place of the native open dialog. */
export const PATH_INPUT_ID = 'bag-path';

/** The native dialog in Electron; in browser mode, focuses the path field (if the library is on screen). */
export async function chooseAndOpenBag(): Promise<void> {
  if (api.transport === 'browser') {
    document.getElementById(PATH_INPUT_ID)?.focus();
    return;
  }
  const path = await api.chooseBag().catch((error: unknown) => {
    reportError(error);
    return null;
  });
  if (path) await useSession.getState().openBag(path);
}

export async function openSampleBag(): Promise<void> {
  const path = await useLibrary.getState().prepareSample();
  if (path) await useSession.getState().openBag(path);
}

export async function openDroppedFile(file: File): Promise<void> {
  const path = api.pathForFile?.(file);
  if (!path) {
    reportError(
      new Error(
        'This browser does not tell Satchel where a dropped file lives: type the path of the bag instead.',
      ),
    );
    return;
  }
  await useSession.getState().openBag(path);
}
