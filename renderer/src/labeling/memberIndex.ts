import type { Row } from '../../../shared/bag.js';
import type { Badge } from '../../../shared/contract.js';
import type { LoadedPage } from '../data/pagedRows.js';

/** Members fetched per call while indexing: the contract's largest page. */
export const INDEX_PAGE = 5000;
/** Above this many members the index is not built: queue tiles then show RIDs without filenames or badges. */
export const MAX_INDEXED = 25_000;

export interface IndexedRows {
  rows: Row[];
  badges: Record<string, Badge[]>;
}

/**
 * A work queue is a list of RIDs in the queue's order (lowest confidence first, say), which no member
 * page returns. The index fetches the dataset's member rows once, a few large pages, and answers rows
 * and execution badges by RID; a member it does not know is answered as `{ RID }` (the viewer then
 * reads the row from `asset:info`).
 */
export class MemberIndex {
  private readonly byRid = new Map<string, { row: Row; badges: Badge[] }>();
  private ready: Promise<void> | null = null;
  /** Whether the index holds every member (false: too many members, or a page failed). */
  complete = false;

  constructor(
    private readonly load: (offset: number, limit: number) => Promise<LoadedPage>,
    private readonly maxMembers = MAX_INDEXED,
    private readonly pageSize = INDEX_PAGE,
  ) {}

  async rowsOf(rids: readonly string[]): Promise<IndexedRows> {
    await this.build();
    const rows: Row[] = [];
    const badges: Record<string, Badge[]> = {};
    for (const rid of rids) {
      const found = this.byRid.get(rid);
      rows.push(found?.row ?? { RID: rid });
      if (found && found.badges.length > 0) badges[rid] = found.badges;
    }
    return { rows, badges };
  }

  private build(): Promise<void> {
    this.ready ??= this.fetchAll().catch(() => {
      // Rows are a nicety here (filenames, badges): the queue works from RIDs alone.
      this.complete = false;
    });
    return this.ready;
  }

  private async fetchAll(): Promise<void> {
    const first = await this.load(0, this.pageSize);
    if (first.total > this.maxMembers) return;
    const rest: Promise<LoadedPage>[] = [];
    for (let offset = this.pageSize; offset < first.total; offset += this.pageSize)
      rest.push(this.load(offset, this.pageSize));
    for (const page of [first, ...(await Promise.all(rest))]) {
      for (const row of page.rows) {
        const rid = row.RID;
        if (typeof rid === 'string') this.byRid.set(rid, { row, badges: page.badges?.[rid] ?? [] });
      }
    }
    this.complete = true;
  }
}
