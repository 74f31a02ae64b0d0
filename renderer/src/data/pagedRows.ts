import type { Row } from '../../../shared/bag.js';
import { MEMBERS_PAGE_ROWS, type Badge } from '../../../shared/contract.js';

export interface LoadedPage {
  rows: Row[];
  total: number;
  badges?: Record<string, Badge[]>;
  /** The user's own drafts per row, as short texts (browse mode marks them on tiles). */
  marks?: Record<string, string[]>;
}

export type PageLoader = (offset: number, limit: number) => Promise<LoadedPage>;

export const PAGE_SIZE = MEMBERS_PAGE_ROWS;

const NO_BADGES: Badge[] = [];
const NO_MARKS: string[] = [];

/**
 * Rows of one query, fetched page by page as they scroll into view and cached by page number.
 * A new query gets a new instance, so answers to an old query land in an object nobody reads.
 */
export class PagedRows {
  total: number | null = null;
  private readonly pages = new Map<number, Row[]>();
  private readonly requests = new Map<number, Promise<void>>();
  /** Pages whose request failed: not retried while scrolling, so one error shows once. */
  private readonly failed = new Set<number>();
  private readonly badges = new Map<string, Badge[]>();
  private readonly marks = new Map<string, string[]>();
  private readonly listeners = new Set<() => void>();
  private version = 0;

  constructor(
    private readonly load: PageLoader,
    private readonly onError: (error: unknown) => void,
    readonly pageSize = PAGE_SIZE,
  ) {}

  rowAt(index: number): Row | undefined {
    return this.pages.get(Math.floor(index / this.pageSize))?.[index % this.pageSize];
  }

  badgesOf(rid: string): Badge[] {
    return this.badges.get(rid) ?? NO_BADGES;
  }

  marksOf(rid: string): string[] {
    return this.marks.get(rid) ?? NO_MARKS;
  }

  /** Fetches the pages covering rows start..stop (inclusive) not cached yet (each page is requested once at a time). */
  ensureRange(start: number, stop: number): void {
    const last = this.total === null ? 0 : Math.min(stop, this.total - 1);
    const first = Math.max(0, start);
    if (last < first) return;
    for (let page = Math.floor(first / this.pageSize); page <= Math.floor(last / this.pageSize); page++) {
      if (!this.pages.has(page) && !this.failed.has(page)) void this.fetchPage(page);
    }
  }

  /** Takes the first page already at hand (bag:open answers with it) as if it had been fetched. */
  seedFirstPage(page: LoadedPage): void {
    if (this.pages.has(0) || this.requests.has(0)) return;
    this.store(0, page);
    this.changed();
  }

  /** Draft marks of rows already shown (the seeded first page's arrive after it). */
  addMarks(marks: Record<string, string[]>): void {
    for (const [rid, texts] of Object.entries(marks)) this.marks.set(rid, texts);
    this.changed();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Changes whenever a page arrives; for useSyncExternalStore. */
  getVersion = (): number => this.version;

  private fetchPage(page: number): Promise<void> {
    let request = this.requests.get(page);
    if (!request) {
      request = this.request(page);
      this.requests.set(page, request);
    }
    return request;
  }

  private async request(page: number): Promise<void> {
    try {
      this.store(page, await this.load(page * this.pageSize, this.pageSize));
    } catch (error) {
      this.failed.add(page);
      this.onError(error);
    } finally {
      this.requests.delete(page);
      this.changed();
    }
  }

  private store(page: number, result: LoadedPage): void {
    this.pages.set(page, result.rows);
    this.total = result.total;
    for (const [rid, badges] of Object.entries(result.badges ?? {})) this.badges.set(rid, badges);
    for (const [rid, marks] of Object.entries(result.marks ?? {})) this.marks.set(rid, marks);
  }

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }
}
