import { useCallback, useMemo } from 'react';
import { request } from '../../api.js';
import type { PagedRows } from '../../data/pagedRows.js';
import { MAX_AHEAD, PREFETCH_MARGIN, type PrefetchMargins } from './prefetchWindow.js';

const MAX_PREFETCH = MAX_AHEAD + PREFETCH_MARGIN;

/**
 * Asks main to prepare the thumbnails just outside the visible range (`margins` members before and
 * after it, the members ahead first), each member once per member list.
 */
export function usePrefetch(
  bagId: string,
  table: string,
  source: PagedRows,
): (start: number, stop: number, margins: PrefetchMargins) => void {
  const asked = useMemo(() => new Set<string>(), [source]);
  return useCallback(
    (start, stop, margins) => {
      const rids: string[] = [];
      const consider = (index: number) => {
        const rid = source.rowAt(index)?.RID;
        if (typeof rid === 'string' && !asked.has(rid)) rids.push(rid);
      };
      const after = () => {
        for (let index = stop + 1; index <= stop + margins.after; index++) consider(index);
      };
      const before = () => {
        for (let index = start - 1; index >= Math.max(0, start - margins.before); index--) consider(index);
      };
      if (margins.before > margins.after) {
        before();
        after();
      } else {
        after();
        before();
      }
      const batch = rids.slice(0, MAX_PREFETCH);
      if (batch.length === 0) return;
      for (const rid of batch) asked.add(rid);
      // Prefetching only warms main's thumbnail cache: a failure costs nothing the grid would notice.
      request('asset:prefetch', { bagId, table, rids: batch }).catch(() => undefined);
    },
    [asked, bagId, table, source],
  );
}
