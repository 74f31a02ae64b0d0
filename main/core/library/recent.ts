import type { RecentBag } from '../../../shared/contract.js';
import type { WorkspaceDb } from '../workspace-db/index.js';

/** How many recently opened bags the library remembers. */
export const MAX_RECENT_BAGS = 20;

/** The recently opened bags of the workspace database, newest first. */
export class RecentBags {
  constructor(private readonly db: WorkspaceDb) {}

  list(): RecentBag[] {
    const rows = this.db
      .prepare('SELECT path, rid, version, opened_at FROM recent_bags ORDER BY opened_at DESC, path LIMIT ?')
      .all(MAX_RECENT_BAGS) as { path: string; rid: string; version: string | null; opened_at: string }[];
    return rows.map((row) => ({
      path: row.path,
      rid: row.rid,
      version: row.version,
      openedAt: row.opened_at,
    }));
  }

  /** Records an opening (again): the bag moves to the top and the oldest beyond the limit are dropped. */
  record(bag: { path: string; rid: string; version: string | null }, openedAt = new Date()): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO recent_bags (path, rid, version, opened_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (path) DO UPDATE SET rid = excluded.rid, version = excluded.version, opened_at = excluded.opened_at`,
        )
        .run(bag.path, bag.rid, bag.version, openedAt.toISOString());
      this.db
        .prepare(
          'DELETE FROM recent_bags WHERE path NOT IN (SELECT path FROM recent_bags ORDER BY opened_at DESC, path LIMIT ?)',
        )
        .run(MAX_RECENT_BAGS);
    })();
  }

  forget(path: string): boolean {
    return this.db.prepare('DELETE FROM recent_bags WHERE path = ?').run(path).changes > 0;
  }
}
