import type Database from 'better-sqlite3';
import { SatchelError } from '../common/index.js';
import type { Migration } from './migrations.js';

/**
 * Brings `db` up to the last migration: every migration newer than `PRAGMA user_version` runs in
 * order, each in one transaction together with its user_version bump, so a crash leaves the
 * database at a whole version. A database from a newer Satchel is refused, never downgraded.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], where: string): number {
  checkOrder(migrations);
  const latest = migrations.at(-1)?.version ?? 0;
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) {
    throw new SatchelError(
      'io-error',
      `${where} was written by a newer version of Satchel (database version ${current}, this one knows up to ${latest}); update Satchel to use this workspace.`,
      where,
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
  return latest;
}

function checkOrder(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `Workspace migration "${migration.name}" has version ${migration.version}, expected ${index + 1}.`,
      );
    }
  });
}
