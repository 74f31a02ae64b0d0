import { useCallback, useMemo } from 'react';
import { request } from '../../api.js';
import type { PagedRows } from '../../data/pagedRows.js';

/** Members beyond each end of the visible range whose thumbnails main prepares ahead of scrolling. */
export const PREFETCH_MARGIN = 150;
const MAX_PREFETCH = 500;

/** Asks main to prepare the thumbnails just outside the visible range, each member once per member list. */
export function usePrefetch(
  bagId: string,
  table: string,
  source: PagedRows,
): (start: number, stop: number) => void {
  const asked = useMemo(() => new Set<string>(), [source]);
  return useCallback(
    (start, stop) => {
      const rids: string[] = [];
      const consider = (index: number) => {
        const rid = source.rowAt(index)?.RID;
        if (typeof rid === 'string' && !asked.has(rid)) rids.push(rid);
      };
      for (let index = stop + 1; index <= stop + PREFETCH_MARGIN; index++) consider(index);
      for (let index = start - 1; index >= Math.max(0, start - PREFETCH_MARGIN); index--) consider(index);
      const batch = rids.slice(0, MAX_PREFETCH);
      if (batch.length === 0) return;
      for (const rid of batch) asked.add(rid);
      // Prefetching only warms main's thumbnail cache: a failure costs nothing the grid would notice.
      request('asset:prefetch', { bagId, table, rids: batch }).catch(() => undefined);
    },
    [asked, bagId, table, source],
  );
}
