import type Database from 'better-sqlite3';

/**
 * Prepared statements of one connection, compiled once each: labeling and drawing are hot paths (a
 * keypress is one action).
 */
export function statementCache(db: Database.Database): (sql: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}
