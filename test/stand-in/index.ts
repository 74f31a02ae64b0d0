// A stand-in Deriva server (ERMrest + Hatrac + webauthn) for tests and the demo, on 127.0.0.1 only.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Authn, COOKIE_NAME, type UserAccount } from './auth.js';
import { encodeSnaptime } from './base32.js';
import type { Catalog } from './catalog.js';
import { Ermrest } from './ermrest.js';
import { Hatrac, type PutObjectOptions } from './hatrac.js';
import { addSchemaDocument, columnOf, findTable, type AclName, type CatalogAcls } from './model.js';
import { defaultFixturesDir, seedBccd } from './seed-bccd.js';
import { LOOPBACK, StandInServer, type FailureRule, type RequestRecord } from './server.js';
import { Store } from './store.js';
import { fromJson, toJson, valueKind } from './values.js';
import { insertRows, updateRows, type ParsedRow } from './writes.js';

export type { FailureRule, RequestRecord } from './server.js';
export type { UserAccount } from './auth.js';
export { encodeSnaptime, decodeSnaptime } from './base32.js';

export type SeedFunction = (standIn: StandIn) => void | Promise<void>;

export interface StandInOptions {
  /** Folder for the SQLite file and Hatrac bytes; reused (and not re-seeded) when it already holds a database. Default: in memory + a temp folder. */
  dataDir?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Only 127.0.0.1 is accepted; anything else throws. */
  host?: string;
  /** Default: testadmin (group admin) and testuser, each with their name as password. */
  users?: Record<string, UserAccount>;
  /** Bearer tokens accepted in `Authorization: Bearer <token>`, mapped to user names. */
  tokens?: Record<string, string>;
  /** Default 'empty'. */
  seed?: 'empty' | 'bccd' | SeedFunction;
  /** Where the bccd fixtures live; default `../shared/fixtures` beside the repository. */
  fixturesDir?: string;
  /** Identities owning the Hatrac root; default ['admin']. */
  hatracAdmins?: string[];
}

export interface InsertRowsOptions {
  /** The writing user (RCB/RMB); default the catalog's first owner. */
  as?: string;
  /** Keep RID/RCT/RMT/RCB/RMB given in the rows (default true). */
  keepSystemColumns?: boolean;
  onConflictSkip?: boolean;
}

export interface CatalogHandle {
  readonly id: string;
  /** The current snaptime, encoded like ERMrest's. */
  snaptime(): string;
  /** Creates schemas/tables/foreign keys from a schema document, as POST /schema does. */
  defineModel(document: unknown): void;
  setAcl(name: AclName, members: string[]): void;
  /** Inserts rows of `schema:table` (JSON values; RIDs and other system columns kept when given). */
  insertRows(
    table: string,
    rows: Record<string, unknown>[],
    options?: InsertRowsOptions,
  ): Record<string, unknown>[];
  /** Updates columns of rows matched by `correlation` columns, as PUT /attributegroup does. */
  updateRows(
    table: string,
    correlation: string[],
    rows: Record<string, unknown>[],
    options?: { as?: string },
  ): void;
  /** Runs `change` as one committed write (one snaptime). */
  batch<T>(change: () => T): T;
  /** The next server-assigned RID. */
  setNextRid(rid: string): void;
  /** True when a row with this RID currently exists in `schema:table`. */
  hasRow(table: string, rid: string): boolean;
}

export interface StandIn {
  readonly origin: string;
  readonly fixturesDir: string;
  /** Every request served, in order, with its status. */
  readonly requests: RequestRecord[];
  /** The listening socket's address (always 127.0.0.1). */
  address(): AddressInfo;
  catalog(id: string): CatalogHandle;
  createCatalog(options?: {
    id?: string;
    owner?: string[];
    name?: string;
    description?: string;
    acls?: Partial<CatalogAcls>;
  }): CatalogHandle;
  putObject(path: string, body: Buffer | string, options?: PutObjectOptions): string;
  createNamespace(path: string, owner?: string[]): void;
  /** Logs a user in; returns a `Cookie` header value. */
  login(user: string): string;
  failNext(rule: FailureRule): void;
  clearFailures(): void;
  close(): Promise<void>;
}

const DEFAULT_USERS: Record<string, UserAccount> = {
  testadmin: { password: 'testadmin', groups: ['admin'] },
  testuser: { password: 'testuser' },
};

function splitTableName(name: string): [string | undefined, string] {
  const index = name.indexOf(':');
  return index < 0 ? [undefined, name] : [name.slice(0, index), name.slice(index + 1)];
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  if (options.host !== undefined && options.host !== LOOPBACK) {
    throw new Error(
      `The stand-in Deriva server binds to ${LOOPBACK} only; refusing host ${JSON.stringify(options.host)}.`,
    );
  }
  const temporary =
    options.dataDir === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'satchel-stand-in-')) : undefined;
  const dataDir = options.dataDir ?? temporary!;
  fs.mkdirSync(dataDir, { recursive: true });
  const store = new Store(options.dataDir === undefined ? ':memory:' : path.join(dataDir, 'stand-in.sqlite'));
  const users = options.users ?? DEFAULT_USERS;
  const authn = new Authn(users, options.tokens ?? {});
  const ermrest = new Ermrest(store);
  const hatrac = new Hatrac(store, path.join(dataDir, 'hatrac'), options.hatracAdmins ?? ['admin']);
  const server = new StandInServer(authn, ermrest, hatrac);
  const alreadySeeded = ermrest.catalogIds().length > 0;
  const defaultOwner =
    Object.entries(users).find(([, account]) => account.groups?.includes('admin'))?.[0] ??
    Object.keys(users)[0] ??
    'testadmin';

  const handleFor = (catalog: Catalog): CatalogHandle => {
    const clientFor = (user: string | undefined) =>
      authn.clientFor(user ?? catalog.model.acls.owner[0] ?? defaultOwner);
    const tableOf = (name: string) => findTable(catalog.model, ...splitTableName(name));
    return {
      id: catalog.id,
      snaptime: () => encodeSnaptime(catalog.snaptime),
      defineModel: (document) =>
        void catalog.changeModel((model, allocate) => addSchemaDocument(model, document, allocate)),
      setAcl: (name, members) => void catalog.changeModel((model) => void (model.acls[name] = members)),
      insertRows(table, rows, insertOptions = {}) {
        const model = tableOf(table);
        const parsed = rows.map(
          (row) =>
            new Map(
              Object.entries(row).map(([name, value]) => [
                name,
                fromJson(valueKind(columnOf(model, name).type.typename), value),
              ]),
            ) as ParsedRow,
        );
        const result = insertRows(catalog, model, parsed, {
          client: clientFor(insertOptions.as),
          isOwner: true,
          keepSystemColumns: insertOptions.keepSystemColumns ?? true,
          onConflictSkip: insertOptions.onConflictSkip,
        });
        return result.rows.map((values) => {
          const object: Record<string, unknown> = {};
          result.columns.forEach(
            (column, index) => (object[column.name] ??= toJson(column.kind, values[index] ?? null)),
          );
          return object;
        });
      },
      updateRows(table, correlation, rows, updateOptions = {}) {
        const model = tableOf(table);
        const parsed = rows.map(
          (row) =>
            new Map(
              Object.entries(row).map(([name, value]) => [
                name,
                fromJson(valueKind(columnOf(model, name).type.typename), value),
              ]),
            ) as ParsedRow,
        );
        const targets = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter(
          (name) => !correlation.includes(name),
        );
        updateRows(catalog, model, correlation, targets, parsed, clientFor(updateOptions.as));
      },
      batch: (change) => catalog.write(() => change()),
      setNextRid: (rid) => catalog.setNextRid(rid),
      hasRow: (table, rid) => catalog.currentRowsWhere(tableOf(table), ['RID'], [rid], 1).length > 0,
    };
  };

  let address;
  try {
    address = await server.listen(options.port ?? 0);
  } catch (error) {
    store.close();
    if (temporary) fs.rmSync(temporary, { recursive: true, force: true });
    throw error;
  }

  const standIn: StandIn = {
    origin: `http://${LOOPBACK}:${address.port}`,
    fixturesDir: options.fixturesDir ?? defaultFixturesDir(),
    requests: server.requests,
    address: () => server.address(),
    catalog(id) {
      const catalog = ermrest.catalog(id);
      if (!catalog) throw new Error(`no catalog ${id}`);
      return handleFor(catalog);
    },
    createCatalog(catalogOptions = {}) {
      const owner = catalogOptions.owner ?? [defaultOwner];
      const creator = users[owner[0] ?? ''] ? authn.clientFor(owner[0]!) : null;
      return handleFor(ermrest.createCatalog({ ...catalogOptions, owner }, creator));
    },
    putObject: (objectPath, body, putOptions) =>
      hatrac.putObject(objectPath, typeof body === 'string' ? Buffer.from(body) : body, putOptions),
    createNamespace: (namespacePath, owner = ['admin']) => hatrac.createNamespace(namespacePath, owner),
    login: (user) => `${COOKIE_NAME}=${authn.createSession(user)}`,
    failNext: (rule) => server.failNext(rule),
    clearFailures: () => server.clearFailures(),
    async close() {
      await server.close();
      store.close();
      if (temporary) fs.rmSync(temporary, { recursive: true, force: true });
    },
  };

  try {
    if (!alreadySeeded) {
      if (options.seed === 'bccd') await seedBccd(standIn);
      else if (typeof options.seed === 'function') await options.seed(standIn);
    }
  } catch (error) {
    await standIn.close();
    throw error;
  }
  return standIn;
}
