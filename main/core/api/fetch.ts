import type { EventMap, RequestOf, ResponseOf } from '../../../shared/contract.js';
import { transferText } from '../../../shared/catalog.js';
import type { Bag } from '../bag/index.js';
import { readFetchFile } from '../bag/fetch.js';
import { hatracForFile, type Credential } from '../catalog/index.js';
import { materializeBag, reuseSources } from '../download/index.js';
import { RequestError } from './errors.js';
import { throttledProgress } from './progress.js';

type FetchHandlers = {
  [C in 'bag:fetch' | 'bag:fetch-cancel']: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

export interface FetchDependencies {
  workspace: string;
  homeDir: string;
  requireBag: (bagId: string) => { bag: Bag };
  /** The credential of a catalog connection to this origin, when Satchel has one. */
  connectedCredential: (origin: string) => Credential | null;
  emit: (event: 'progress', payload: EventMap['progress']) => void;
}

/**
 * bag:fetch brings an open holey bag's fetch.txt files into it, as `satchel fetch` does: copies
 * already on disk are reused after their MD5 is checked, the rest is fetched with the credential of
 * the app's connection to that host (else deriva-py's). bag:fetch-cancel stops it; fetching again resumes.
 */
export function fetchHandlers(deps: FetchDependencies): FetchHandlers {
  const running = new Map<string, AbortController>();
  return {
    'bag:fetch': async ({ bagId }) => {
      if (running.has(bagId))
        throw new RequestError('bad-request', 'The files of this bag are already being fetched.');
      const { bag } = deps.requireBag(bagId);
      const entries = readFetchFile(bag.root);
      const controller = new AbortController();
      running.set(bagId, controller);
      try {
        const first = entries[0];
        const hatrac = first
          ? await hatracForFile(
              first.url,
              { homeDir: deps.homeDir },
              URL.canParse(first.url) ? deps.connectedCredential(new URL(first.url).origin) : null,
            )
          : null;
        const send = throttledProgress((payload) => deps.emit('progress', payload));
        const result = hatrac
          ? await materializeBag(hatrac, bag.root, {
              signal: controller.signal,
              ...reuseSources(bag.root, { homeDir: deps.homeDir, workspace: deps.workspace }),
              resumeHint: 'fetch the files again',
              onProgress: (progress) =>
                send({
                  task: 'fetch',
                  phase: 'files',
                  done: progress.doneBytes,
                  total: progress.totalBytes,
                  path: bag.root,
                  detail: `${progress.doneFiles.toLocaleString('en-US')} of ${progress.totalFiles.toLocaleString('en-US')} files: ${transferText(
                    {
                      reused: progress.reusedFiles,
                      fetched: progress.fetchedFiles,
                      fetchedBytes: progress.fetchedBytes,
                    },
                  )}`,
                }),
            })
          : { files: 0, skipped: 0, reused: 0, downloaded: 0, fetchedBytes: 0, bytes: 0 };
        return {
          files: result.files,
          skipped: result.skipped,
          transfer: { reused: result.reused, fetched: result.downloaded, fetchedBytes: result.fetchedBytes },
          materialized: bag.isMaterialized(),
        };
      } finally {
        running.delete(bagId);
      }
    },
    'bag:fetch-cancel': ({ bagId }) => {
      const controller = running.get(bagId);
      controller?.abort();
      return { cancelled: controller !== undefined };
    },
  };
}
