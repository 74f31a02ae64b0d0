import zlib from 'node:zlib';
import type Database from 'better-sqlite3';

/**
 * Every draft row carries a CRC-32 of its nine columns (a stored generated column computed by this
 * function), and label_tallies keeps the count and checksum sum per bag, snapshot and feature
 * (kept by triggers). A flipped byte in a draft, a draft gone missing or one moved to another
 * scope then shows up as a mismatch instead of a silently different list.
 */
export const DRAFT_CHECKSUM_FUNCTION = 'draft_checksum';

/** The columns of label_drafts the checksum covers, in order. */
export const DRAFT_COLUMNS = [
  'bag_rid',
  'snaptime',
  'feature',
  'target',
  'feature_name',
  'target_table',
  'values',
  'author',
  'updated_at',
] as const;

/** The columns of region_drafts the checksum covers (region_tallies keeps their sums, as for labels). */
export const REGION_DRAFT_COLUMNS = [
  'bag_rid',
  'snaptime',
  'feature',
  'target',
  'sha256',
  'shapes',
  'author',
  'updated_at',
] as const;

export function draftChecksum(columns: readonly unknown[]): number {
  return zlib.crc32(columns.map((column) => String(column)).join('\u0000'));
}

/** Registers draft_checksum() on a connection: every connection that writes drafts needs it. */
export function registerWorkspaceFunctions(db: Database.Database): void {
  db.function(DRAFT_CHECKSUM_FUNCTION, { deterministic: true, varargs: true }, (...columns: unknown[]) =>
    draftChecksum(columns),
  );
}
