// The SQLite database behind the stand-in, and its snapshot clock.
import Database from 'better-sqlite3';

const REGISTRY_SQL = `
CREATE TABLE IF NOT EXISTS catalog (
  id TEXT PRIMARY KEY, created INTEGER NOT NULL, deleted INTEGER, next_rid INTEGER NOT NULL, properties TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS catalog_revision (
  catalog_id TEXT NOT NULL, snaptime INTEGER NOT NULL, PRIMARY KEY (catalog_id, snaptime));
CREATE TABLE IF NOT EXISTS catalog_model (
  catalog_id TEXT NOT NULL, valid_from INTEGER NOT NULL, model TEXT NOT NULL, PRIMARY KEY (catalog_id, valid_from));
CREATE TABLE IF NOT EXISTS hatrac_name (
  path TEXT PRIMARY KEY, kind TEXT NOT NULL, parent TEXT, acl TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS hatrac_version (
  path TEXT NOT NULL, version TEXT NOT NULL, created INTEGER NOT NULL, size INTEGER NOT NULL, metadata TEXT NOT NULL,
  file TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (path, version));
CREATE TABLE IF NOT EXISTS hatrac_job (
  job TEXT PRIMARY KEY, path TEXT NOT NULL, owner TEXT NOT NULL, chunk_length INTEGER NOT NULL,
  content_length INTEGER NOT NULL, metadata TEXT NOT NULL, received TEXT NOT NULL, file TEXT NOT NULL);
`;

export class Store {
  readonly db: Database.Database;
  private lastSnaptime: number;
  private readonly patterns = new Map<string, RegExp | null>();
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string) {
    this.db = new Database(file);
    if (file !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec(REGISTRY_SQL);
    const row = this.db.prepare('SELECT max(snaptime) AS latest FROM catalog_revision').get() as {
      latest: number | null;
    };
    this.lastSnaptime = row.latest ?? 0;
    // ERMrest's ::regexp:: and ::ciregexp:: filters (PostgreSQL regular expressions, approximated by JavaScript's).
    this.db.function(
      'ermrest_regexp',
      { deterministic: true },
      (pattern: unknown, value: unknown, flags: unknown) => {
        if (value === null || value === undefined) return null;
        const regex = this.compile(String(pattern), String(flags));
        return regex && regex.test(String(value)) ? 1 : 0;
      },
    );
  }

  /** A snapshot time for the next committed write: epoch microseconds, strictly increasing. */
  nextSnaptime(): number {
    const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    this.lastSnaptime = Math.max(now, this.lastSnaptime + 1);
    return this.lastSnaptime;
  }

  /** A cached prepared statement. */
  statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) this.statements.set(sql, (prepared = this.db.prepare(sql)));
    return prepared;
  }

  close(): void {
    this.db.close();
  }

  private compile(pattern: string, flags: string): RegExp | null {
    const key = flags + '\0' + pattern;
    if (!this.patterns.has(key)) {
      try {
        this.patterns.set(key, new RegExp(pattern, flags));
      } catch {
        this.patterns.set(key, null);
      }
    }
    return this.patterns.get(key)!;
  }
}

/** A double-quoted SQL identifier; identifiers cannot be parameters, so they are quoted instead. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
