import { useEffect, useState } from 'react';
import type {
  BagOrigin,
  CatalogConnection,
  CommitPreview,
  CommitTargetCheck,
} from '../../../../shared/catalog.js';
import { request } from '../../api.js';
import { problemOf, type CatalogProblem } from '../../stores/catalog.js';
import type { DraftFilter } from './catalogLogic.js';

export type Loaded<T> =
  | { status: 'loading' }
  /** `stale`: the answer to an earlier question, shown while the current one loads. */
  | { status: 'ready'; value: T; stale: boolean }
  | { status: 'failed'; problem: CatalogProblem };

/** Drafts the list shows at most; the count says how many more there are. */
export const DRAFTS_SHOWN = 200;

/**
 * Runs `load` whenever `key` changes. The last answer stays on screen while the next one loads, so a
 * refresh after a commit does not flash; only the first load shows "loading".
 */
function useLoaded<T>(key: string | null, load: () => Promise<T>): Loaded<T> | null {
  const [loaded, setLoaded] = useState<{ key: string; value: Loaded<T> } | null>(null);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    load().then(
      (value) => live && setLoaded({ key, value: { status: 'ready', value, stale: false } }),
      (error: unknown) => live && setLoaded({ key, value: { status: 'failed', problem: problemOf(error) } }),
    );
    return () => {
      live = false;
    };
    // `load` is rebuilt every render; `key` names everything it reads.
  }, [key]);
  if (key === null) return null;
  if (!loaded) return { status: 'loading' };
  if (loaded.key === key) return loaded.value;
  return loaded.value.status === 'ready' ? { ...loaded.value, stale: true } : { status: 'loading' };
}

/** Where the bag came from, read once per bag (main reads fetch.txt, asset rows, bag-info.txt, schema.json). */
export function useBagOrigin(bagId: string): BagOrigin | null {
  const loaded = useLoaded(
    bagId,
    async () => (await request('catalog:commitPreview', { bagId, limit: 1 })).origin,
  );
  return loaded?.status === 'ready' ? loaded.value : null;
}

/**
 * What committing to `url` would send, and the drafts of `filter`. `round` changes after each commit
 * attempt, which reads the journal again.
 */
export function useCommitPreview(
  bagId: string,
  url: string | null,
  filter: DraftFilter,
  round: string,
): Loaded<CommitPreview> {
  return useLoaded(`${bagId} ${url ?? ''} ${filter} ${round}`, () =>
    request('catalog:commitPreview', {
      bagId,
      ...(url ? { url } : {}),
      ...(filter === 'all' ? {} : { state: filter }),
      limit: DRAFTS_SHOWN,
    }),
  )!;
}

/**
 * Whether the chosen catalog is the one the bag came from, asked once the connection can read it
 * (online, no sign-in problem); null while it cannot be asked.
 */
export function useTargetCheck(
  bagId: string,
  connection: CatalogConnection | null,
): Loaded<CommitTargetCheck> | null {
  const askable = connection?.online && connection.problem === null ? connection : null;
  return useLoaded(askable ? `${bagId} ${askable.url} ${askable.user ?? ''}` : null, () =>
    request('catalog:commitCheck', { bagId, url: askable!.url }),
  );
}
