// One ERMrest catalog: its model history, RID sequence, access rights, and versioned row storage.
import type { Client } from './auth.js';
import { decodeRid, decodeSnaptime, encodeRid } from './base32.js';
import { ermrestError, type HttpError } from './http.js';
import {
  ACL_NAMES,
  allTables,
  newCatalogModel,
  type AclName,
  type CatalogModel,
  type Rights,
  type TableModel,
} from './model.js';
import { quoteIdent, type Store } from './store.js';
import type { SqlValue } from './values.js';

export interface CatalogProperties {
  name?: string;
  description?: string;
  is_persistent: boolean;
}

export interface Access extends Rights {
  enumerate: boolean;
}

export type StoredRow = Record<string, SqlValue>;

/** Row versions live in one SQLite table per ERMrest table: `__from`/`__until` bound the snapshots that see a version. */
const VALID_FROM = '__from';
const VALID_UNTIL = '__until';

export class Catalog {
  private currentModel: CatalogModel | undefined;
  private readonly modelsByTime = new Map<number, CatalogModel>();
  private activeWrite: { snaptime: number; changed: boolean } | undefined;

  private constructor(
    private readonly store: Store,
    readonly id: string,
    readonly created: number,
    readonly properties: CatalogProperties,
  ) {}

  static open(store: Store, id: string): Catalog | undefined {
    const row = store
      .statement('SELECT created, properties FROM catalog WHERE id = ? AND deleted IS NULL')
      .get(id) as { created: number; properties: string } | undefined;
    return row && new Catalog(store, id, row.created, JSON.parse(row.properties) as CatalogProperties);
  }

  static create(store: Store, id: string, owner: string[], properties: CatalogProperties): Catalog {
    const created = store.nextSnaptime();
    return store.db.transaction(() => {
      store
        .statement('INSERT INTO catalog (id, created, next_rid, properties) VALUES (?, ?, 1, ?)')
        .run(id, created, JSON.stringify(properties));
      const catalog = new Catalog(store, id, created, properties);
      catalog.activeWrite = { snaptime: created, changed: true };
      try {
        catalog.saveModel(newCatalogModel(owner, () => catalog.allocateRid()));
        store.statement('INSERT INTO catalog_revision (catalog_id, snaptime) VALUES (?, ?)').run(id, created);
      } finally {
        catalog.activeWrite = undefined;
      }
      return catalog;
    })();
  }

  markDeleted(): void {
    this.store
      .statement('UPDATE catalog SET deleted = ? WHERE id = ?')
      .run(this.store.nextSnaptime(), this.id);
  }

  get model(): CatalogModel {
    this.currentModel ??= this.modelAt(Number.MAX_SAFE_INTEGER);
    return this.currentModel;
  }

  modelAt(snaptime: number): CatalogModel {
    const row = this.store.db
      .prepare(
        'SELECT valid_from, model FROM catalog_model WHERE catalog_id = ? AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1',
      )
      .get(this.id, snaptime) as { valid_from: number; model: string };
    if (!this.modelsByTime.has(row.valid_from))
      this.modelsByTime.set(row.valid_from, JSON.parse(row.model) as CatalogModel);
    return this.modelsByTime.get(row.valid_from)!;
  }

  /** The catalog's current snapshot: its latest model or data change. */
  get snaptime(): number {
    const row = this.store
      .statement('SELECT max(snaptime) AS latest FROM catalog_revision WHERE catalog_id = ?')
      .get(this.id) as { latest: number };
    return row.latest;
  }

  /** The snapshot of the latest model change at or before `at`. */
  modelSnaptime(at = Number.MAX_SAFE_INTEGER): number {
    const row = this.store.db
      .prepare('SELECT max(valid_from) AS latest FROM catalog_model WHERE catalog_id = ? AND valid_from <= ?')
      .get(this.id, at) as { latest: number };
    return row.latest;
  }

  /** Clamps a snaptime to the latest revision at or before it; 409 before history or when unparseable. */
  resolveSnapshot(text: string): number {
    const requested = decodeSnaptime(text);
    const row =
      requested === undefined
        ? undefined
        : (this.store.db
            .prepare(
              'SELECT max(snaptime) AS latest FROM catalog_revision WHERE catalog_id = ? AND snaptime <= ?',
            )
            .get(this.id, requested) as { latest: number | null });
    if (!row || row.latest === null)
      throw ermrestError(409, `Requested catalog revision "${text}" is prior to any known revision.`);
    return row.latest;
  }

  /**
   * Rights from the catalog ACLs, overridden per right by the table's own ACLs when given: owner has everything,
   * write implies insert/update/delete, any right implies enumerate. Snapshots are read-only.
   */
  access(client: Client | null, atSnapshot = false, table?: TableModel): Access {
    const catalogAcls = this.model.acls;
    const tableAcls = (table?.acls ?? {}) as Partial<Record<AclName, string[]>>;
    const member = (name: AclName): boolean =>
      (tableAcls[name] ?? catalogAcls[name] ?? []).some(
        (id) => id === '*' || (client?.attributes.includes(id) ?? false),
      );
    const owner =
      member('owner') || (catalogAcls.owner ?? []).some((id) => client?.attributes.includes(id) ?? false);
    const write = owner || member('write');
    const rights: Access = {
      owner,
      create: owner || member('create'),
      insert: write || member('insert'),
      update: write || member('update'),
      delete: write || member('delete'),
      select: owner || member('select'),
      enumerate: ACL_NAMES.some(member),
    };
    return atSnapshot
      ? { ...rights, owner: false, create: false, insert: false, update: false, delete: false }
      : rights;
  }

  /** 401 for anonymous clients, 403 for others, with ERMrest's "<op> access on <resource>" detail. */
  demand(client: Client | null, allowed: boolean, detail: string): void {
    if (!allowed) throw denied(client, detail);
  }

  /** Runs `change` as one committed write: one snaptime for everything it does, one new revision if it changed anything. */
  write<T>(change: (snaptime: number) => T): T {
    if (this.activeWrite) return change(this.activeWrite.snaptime);
    const transaction = this.store.db.transaction(() => {
      const write = (this.activeWrite = { snaptime: this.store.nextSnaptime(), changed: false });
      const result = change(write.snaptime);
      if (write.changed)
        this.store
          .statement('INSERT INTO catalog_revision (catalog_id, snaptime) VALUES (?, ?)')
          .run(this.id, write.snaptime);
      return result;
    });
    try {
      return transaction();
    } catch (error) {
      this.currentModel = undefined;
      throw error;
    } finally {
      this.activeWrite = undefined;
    }
  }

  /** Applies a model change to a copy of the model and stores it as a new model version. */
  changeModel<T>(change: (model: CatalogModel, allocate: () => string) => T): T {
    return this.write(() => {
      const model = structuredClone(this.model);
      const result = change(model, () => this.allocateRid());
      this.saveModel(model);
      return result;
    });
  }

  private saveModel(model: CatalogModel): void {
    const write = this.requireWrite();
    for (const table of allTables(model)) {
      const columns = table.column_definitions.map((column) => quoteIdent(column.name)).join(', ');
      const storage = quoteIdent(this.storageName(table));
      this.store.db.exec(
        `CREATE TABLE IF NOT EXISTS ${storage} (${VALID_FROM} INTEGER NOT NULL, ${VALID_UNTIL} INTEGER, ${columns})`,
      );
      for (const key of table.keys) {
        const index = quoteIdent(`${this.storageName(table)}_${key.RID}`);
        this.store.db.exec(
          `CREATE INDEX IF NOT EXISTS ${index} ON ${storage} (${key.unique_columns.map(quoteIdent).join(', ')})`,
        );
      }
    }
    this.store.db
      .prepare('INSERT OR REPLACE INTO catalog_model (catalog_id, valid_from, model) VALUES (?, ?, ?)')
      .run(this.id, write.snaptime, JSON.stringify(model));
    write.changed = true;
    this.currentModel = model;
  }

  allocateRid(): string {
    const row = this.store
      .statement('UPDATE catalog SET next_rid = next_rid + 1 WHERE id = ? RETURNING next_rid - 1 AS rid')
      .get(this.id) as { rid: number };
    return encodeRid(row.rid);
  }

  /** After an owner supplies a RID, the sequence moves past it (deriva-protocol.md §9.2). */
  bumpRidSequence(rid: string): void {
    const sequence = decodeRid(rid);
    if (sequence !== undefined)
      this.store
        .statement('UPDATE catalog SET next_rid = max(next_rid, ?) WHERE id = ?')
        .run(sequence + 1, this.id);
  }

  /** Test hook: the next server-assigned RID will be `rid`. */
  setNextRid(rid: string): void {
    const sequence = decodeRid(rid);
    if (sequence === undefined) throw new Error(`not a RID: ${rid}`);
    this.store.statement('UPDATE catalog SET next_rid = ? WHERE id = ?').run(sequence, this.id);
  }

  storageName(table: TableModel): string {
    return `data_${this.id}_${table.RID}`;
  }

  /** SQL for the row versions of `table` visible live (`at` undefined) or at a snapshot. */
  visibleRows(table: TableModel, at: number | undefined): { sql: string; params: number[] } {
    const storage = quoteIdent(this.storageName(table));
    if (at === undefined)
      return { sql: `(SELECT * FROM ${storage} WHERE ${VALID_UNTIL} IS NULL)`, params: [] };
    return {
      sql: `(SELECT * FROM ${storage} WHERE ${VALID_FROM} <= ? AND (${VALID_UNTIL} IS NULL OR ${VALID_UNTIL} > ?))`,
      params: [at, at],
    };
  }

  insertVersion(table: TableModel, row: StoredRow): void {
    const write = this.requireWrite();
    const names = table.column_definitions.map((column) => column.name);
    const sql = `INSERT INTO ${quoteIdent(this.storageName(table))} (${VALID_FROM}, ${names.map(quoteIdent).join(', ')}) VALUES (?${', ?'.repeat(names.length)})`;
    this.store.statement(sql).run(write.snaptime, ...names.map((name) => row[name] ?? null));
    write.changed = true;
  }

  /** Ends the visibility of a row's current version. */
  retireVersion(table: TableModel, rid: string): void {
    const write = this.requireWrite();
    this.store.db
      .prepare(
        `UPDATE ${quoteIdent(this.storageName(table))} SET ${VALID_UNTIL} = ? WHERE "RID" = ? AND ${VALID_UNTIL} IS NULL`,
      )
      .run(write.snaptime, rid);
    write.changed = true;
  }

  /** Current rows whose `columns` equal `values` (all non-null). */
  currentRowsWhere(table: TableModel, columns: string[], values: SqlValue[], limit = -1): StoredRow[] {
    const condition = columns.map((column) => `${quoteIdent(column)} = ?`).join(' AND ');
    const sql = `SELECT * FROM ${quoteIdent(this.storageName(table))} WHERE ${VALID_UNTIL} IS NULL AND ${condition} LIMIT ?`;
    return this.store
      .statement(sql)
      .raw(false)
      .all(...values, limit) as StoredRow[];
  }

  /** The latest version of a RID in `table`, current or retired, with its validity bounds. */
  latestVersion(
    table: TableModel,
    rid: string,
  ): { row: StoredRow; from: number; until: number | null } | undefined {
    const sql = `SELECT * FROM ${quoteIdent(this.storageName(table))} WHERE "RID" = ? ORDER BY ${VALID_FROM} DESC LIMIT 1`;
    const row = this.store.statement(sql).get(rid) as StoredRow | undefined;
    return (
      row && {
        row,
        from: Number(row[VALID_FROM]),
        until: row[VALID_UNTIL] === null ? null : Number(row[VALID_UNTIL]),
      }
    );
  }

  /** Every version of a RID in `table`, oldest first, with the snapshot each became visible at. */
  versionsOf(table: TableModel, rid: string): { row: StoredRow; from: number }[] {
    const sql = `SELECT * FROM ${quoteIdent(this.storageName(table))} WHERE "RID" = ? ORDER BY ${VALID_FROM}`;
    return (this.store.statement(sql).raw(false).all(rid) as StoredRow[]).map((row) => ({
      row,
      from: Number(row[VALID_FROM]),
    }));
  }

  query(sql: string, params: SqlValue[]): StoredRow[] {
    return this.store
      .statement(sql)
      .raw(false)
      .all(...params) as StoredRow[];
  }

  /** Like `query`, rows as value arrays in select order. */
  queryRaw(sql: string, params: SqlValue[]): SqlValue[][] {
    return this.store
      .statement(sql)
      .raw(true)
      .all(...params) as SqlValue[][];
  }

  private requireWrite(): { snaptime: number; changed: boolean } {
    if (!this.activeWrite) throw new Error('catalog change outside Catalog.write()');
    return this.activeWrite;
  }
}

export function denied(client: Client | null, detail: string): HttpError {
  return ermrestError(client ? 403 : 401, detail);
}
