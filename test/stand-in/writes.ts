// ERMrest mutations: insert (with defaults, leases, onconflict=skip), attributegroup update, delete with FK rules.
// Constraint violations answer with PostgreSQL's wording, as ERMrest passes it through (deriva-protocol.md §9, §11).
import type { Client } from './auth.js';
import { randomToken } from './base32.js';
import type { Catalog, StoredRow } from './catalog.js';
import { ermrestError } from './http.js';
import {
  allTables,
  columnOf,
  isSystemColumn,
  qualifiedName,
  SYSTEM_COLUMNS,
  tableIn,
  type CatalogModel,
  type ColumnModel,
  type ForeignKeyModel,
  type TableModel,
} from './model.js';
import type { OutputColumn, RowSet } from './query.js';
import { fromJson, toCsv, valueKind, type SqlValue } from './values.js';

/** One input row: the known columns the client supplied, already parsed to stored values. */
export type ParsedRow = Map<string, SqlValue>;

export interface InsertOptions {
  client: Client | null;
  isOwner: boolean;
  /** Columns forced to their defaults (`?defaults=`). */
  defaults?: Set<string>;
  /** System columns taken from the input (`?nondefaults=`). */
  nondefaults?: Set<string>;
  onConflictSkip?: boolean;
  /** Seeding: keep every system column the input supplies (RID, RCT, RMT, RCB, RMB). */
  keepSystemColumns?: boolean;
}

const conflict = (detail: string): Error => ermrestError(409, detail);
const violates = (message: string): Error => conflict(`Input data violates model. ERROR:  ${message}`);

/** PostgreSQL's quote_ident: only names that need it get double quotes. */
const pgIdent = (name: string): string =>
  /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`;
const pgText = (column: ColumnModel, value: SqlValue): string =>
  value === null ? 'null' : (toCsv(valueKind(column.type.typename), value) ?? '');

const LEASE_TABLE = ['public', 'ERMrest_RID_Lease'] as const;
const CLIENT_TABLE = ['public', 'ERMrest_Client'] as const;

/** The value a column takes when the input does not supply one; `{RID}` templates name the row's RID. */
function columnDefault(column: ColumnModel, rid: string): SqlValue {
  if (column.default === null || column.default === undefined) return null;
  const value = typeof column.default === 'string' ? column.default.replace(/\{RID\}/g, rid) : column.default;
  return fromJson(valueKind(column.type.typename), value);
}

/** ERMrest keeps a row per client in public:ERMrest_Client; RCB/RMB reference it. */
export function registerClient(catalog: Catalog, client: Client | null): void {
  if (!client) return;
  const table = tableIn(catalog.model, ...CLIENT_TABLE);
  if (catalog.currentRowsWhere(table, ['ID'], [client.id], 1).length) return;
  catalog.write((snaptime) => {
    const rid = catalog.allocateRid();
    catalog.insertVersion(table, {
      RID: rid,
      RCT: snaptime,
      RMT: snaptime,
      RCB: client.id,
      RMB: client.id,
      ID: client.id,
      Display_Name: client.id,
      Full_Name: client.id,
      Email: null,
      Client_Object: JSON.stringify({ id: client.id, display_name: client.id }),
    });
  });
}

const isClientTable = (fk: ForeignKeyModel): boolean =>
  fk.referenced_columns[0]!.schema_name === CLIENT_TABLE[0] &&
  fk.referenced_columns[0]!.table_name === CLIENT_TABLE[1];

function checkForeignKeys(catalog: Catalog, table: TableModel, row: StoredRow, changed?: Set<string>): void {
  for (const fk of table.foreign_keys) {
    const columns = fk.foreign_key_columns.map((ref) => ref.column_name);
    if (isClientTable(fk) || (changed && !columns.some((column) => changed.has(column)))) continue;
    const values = columns.map((column) => row[column] ?? null);
    if (values.some((value) => value === null)) continue;
    const target = tableIn(
      catalog.model,
      fk.referenced_columns[0]!.schema_name,
      fk.referenced_columns[0]!.table_name,
    );
    if (
      catalog.currentRowsWhere(
        target,
        fk.referenced_columns.map((ref) => ref.column_name),
        values,
        1,
      ).length
    )
      continue;
    const shown = columns.map((column, index) => pgText(columnOf(table, column), values[index]!));
    throw violates(
      `insert or update on table "${table.table_name}" violates foreign key constraint "${fk.names[0]![1]}"\n` +
        `DETAIL:  Key (${columns.join(', ')})=(${shown.join(', ')}) is not present in table "${target.table_name}".\n`,
    );
  }
}

/** The first key `row` collides with among current rows (other than `self`), as a PostgreSQL message. */
function keyConflict(
  catalog: Catalog,
  table: TableModel,
  row: StoredRow,
  self?: string,
  changed?: Set<string>,
): string | undefined {
  for (const key of table.keys) {
    if (changed && !key.unique_columns.some((column) => changed.has(column))) continue;
    const values = key.unique_columns.map((column) => row[column] ?? null);
    if (values.some((value) => value === null)) continue;
    const clash = catalog
      .currentRowsWhere(table, key.unique_columns, values, 2)
      .some((existing) => existing.RID !== self);
    if (!clash) continue;
    const shown = key.unique_columns.map((column, index) => pgText(columnOf(table, column), values[index]!));
    return (
      `duplicate key value violates unique constraint "${key.names[0]![1]}"\n` +
      `DETAIL:  Key (${key.unique_columns.map(pgIdent).join(', ')})=(${shown.join(', ')}) already exists.\n`
    );
  }
  return undefined;
}

function notNullViolation(table: TableModel, column: ColumnModel, row: StoredRow): Error {
  const order = [
    ...table.column_definitions.filter((candidate) => !isSystemColumn(candidate.name)),
    ...table.column_definitions.filter((candidate) => isSystemColumn(candidate.name)),
  ];
  const shown = order.map((candidate) => pgText(candidate, row[candidate.name] ?? null));
  return conflict(
    `null value in column "${column.name}" of relation "input_data_${randomToken(16)}" violates not-null constraint\n` +
      `DETAIL:  Failing row contains (${shown.join(', ')}).\n`,
  );
}

/** Insert response columns: supplied key columns, system columns, the rest, then the system columns again (ERMrest quirk). */
function insertColumns(table: TableModel, supplied: Set<string>): OutputColumn[] {
  const names: string[] = [];
  for (const key of table.keys)
    for (const column of key.unique_columns)
      if (!isSystemColumn(column) && supplied.has(column) && !names.includes(column)) names.push(column);
  const rest = table.column_definitions
    .map((column) => column.name)
    .filter((name) => !isSystemColumn(name) && !names.includes(name));
  return [...names, ...SYSTEM_COLUMNS, ...rest, ...SYSTEM_COLUMNS].map((name) => ({
    name,
    kind: valueKind(columnOf(table, name).type.typename),
  }));
}

export function insertRows(
  catalog: Catalog,
  table: TableModel,
  input: ParsedRow[],
  options: InsertOptions,
): RowSet {
  const defaults = options.defaults ?? new Set<string>();
  const nondefaults = options.nondefaults ?? new Set<string>();
  const client = options.client;
  for (const name of ['RMT', 'RMB']) {
    if (nondefaults.has(name) && !options.keepSystemColumns)
      throw ermrestError(client ? 403 : 401, `insert access on ${qualifiedName(table)}:${name}`);
  }
  const userColumns = table.column_definitions.filter((column) => !isSystemColumn(column.name));
  // NOT NULL is checked on the input relation, before keys and foreign keys.
  for (const row of input) {
    const draft: StoredRow = {};
    for (const column of userColumns)
      draft[column.name] =
        row.has(column.name) && !defaults.has(column.name)
          ? row.get(column.name)!
          : columnDefault(column, '');
    const missing = userColumns.find((column) => !column.nullok && draft[column.name] === null);
    if (missing) throw notNullViolation(table, missing, draft);
  }
  const supplied = new Set(input.flatMap((row) => [...row.keys()]));
  const columns = insertColumns(table, supplied);
  const lease = tableIn(catalog.model, ...LEASE_TABLE);

  return catalog.write((snaptime) => {
    const inserted: SqlValue[][] = [];
    for (const row of input) {
      const keep = (name: string): boolean =>
        row.get(name) != null && (options.keepSystemColumns === true || nondefaults.has(name));
      let rid: string;
      if (keep('RID')) {
        rid = String(row.get('RID'));
        if (
          !options.isOwner &&
          !options.keepSystemColumns &&
          catalog.currentRowsWhere(lease, ['RID', 'RCB'], [rid, client?.id ?? null], 1).length === 0
        ) {
          throw ermrestError(
            client ? 403 : 401,
            `insert access on column "RID" with non-leased value '${rid}'`,
          );
        }
        catalog.bumpRidSequence(rid);
      } else rid = catalog.allocateRid();
      const stored: StoredRow = {
        RID: rid,
        RCT: keep('RCT') ? row.get('RCT')! : snaptime,
        RMT: keep('RMT') ? row.get('RMT')! : snaptime,
        RCB: keep('RCB') ? row.get('RCB')! : (client?.id ?? null),
        RMB: keep('RMB') ? row.get('RMB')! : (client?.id ?? null),
      };
      for (const column of userColumns)
        stored[column.name] =
          row.has(column.name) && !defaults.has(column.name)
            ? row.get(column.name)!
            : columnDefault(column, rid);
      const clash = keyConflict(catalog, table, stored);
      if (clash) {
        if (options.onConflictSkip) continue;
        throw violates(clash);
      }
      checkForeignKeys(catalog, table, stored);
      catalog.insertVersion(table, stored);
      inserted.push(columns.map((column) => stored[column.name] ?? null));
    }
    return { columns, rows: inserted };
  });
}

/** `PUT /attributegroup/S:T/<correlation>;<targets>`: sets target columns on the rows matched by the correlation columns. */
export function updateRows(
  catalog: Catalog,
  table: TableModel,
  correlation: string[],
  targets: string[],
  input: ParsedRow[],
  client: Client | null,
): RowSet {
  for (const name of targets) {
    if (['RID', 'RMT', 'RMB', 'RCB'].includes(name))
      throw ermrestError(client ? 403 : 401, `update access on ${qualifiedName(table)}:${name}`);
  }
  const columns = [...correlation, ...targets].map((name) => ({
    name,
    kind: valueKind(columnOf(table, name).type.typename),
  }));
  const changed = new Set(targets);
  return catalog.write((snaptime) => {
    const output: SqlValue[][] = [];
    for (const row of input) {
      const keys = correlation.map((name) => row.get(name) ?? null);
      if (keys.some((value) => value === null))
        throw ermrestError(400, `Input row lacks correlation column value for ${correlation.join(', ')}.`);
      for (const name of targets)
        if (!row.has(name)) throw ermrestError(400, `Input row lacks target column ${name}.`);
      const matches = catalog.currentRowsWhere(table, correlation, keys);
      if (matches.length === 0)
        throw conflict(
          `Input row (${keys.join(', ')}) does not match an existing entity of ${qualifiedName(table)}.`,
        );
      for (const existing of matches) {
        const updated: StoredRow = { ...existing, RMT: snaptime, RMB: client?.id ?? null };
        for (const name of targets) updated[name] = row.get(name)!;
        const missing = table.column_definitions.find(
          (column) => changed.has(column.name) && !column.nullok && updated[column.name] === null,
        );
        if (missing) throw notNullViolation(table, missing, updated);
        const clash = keyConflict(catalog, table, updated, String(existing.RID), changed);
        if (clash) throw violates(clash);
        checkForeignKeys(catalog, table, updated, changed);
        catalog.retireVersion(table, String(existing.RID));
        catalog.insertVersion(table, updated);
      }
      output.push(columns.map((column) => row.get(column.name) ?? null));
    }
    return { columns, rows: output };
  });
}

/** Deletes rows by RID, applying each referencing foreign key's ON DELETE rule. */
export function deleteRows(catalog: Catalog, table: TableModel, rids: string[], client: Client | null): void {
  const model: CatalogModel = catalog.model;
  const done = new Set<string>();
  const remove = (target: TableModel, rid: string, snaptime: number): void => {
    const key = `${target.RID}/${rid}`;
    if (done.has(key)) return;
    done.add(key);
    const row = catalog.currentRowsWhere(target, ['RID'], [rid], 1)[0];
    if (!row) return;
    for (const referencing of allTables(model)) {
      for (const fk of referencing.foreign_keys) {
        const ref = fk.referenced_columns[0]!;
        if (ref.schema_name !== target.schema_name || ref.table_name !== target.table_name) continue;
        const values = fk.referenced_columns.map((column) => row[column.column_name] ?? null);
        if (values.some((value) => value === null)) continue;
        const dependents = catalog
          .currentRowsWhere(
            referencing,
            fk.foreign_key_columns.map((column) => column.column_name),
            values,
          )
          .filter((dependent) => !done.has(`${referencing.RID}/${String(dependent.RID)}`));
        if (dependents.length === 0) continue;
        if (fk.on_delete === 'CASCADE')
          dependents.forEach((dependent) => remove(referencing, String(dependent.RID), snaptime));
        else if (fk.on_delete === 'SET NULL') {
          for (const dependent of dependents) {
            const cleared: StoredRow = { ...dependent, RMT: snaptime, RMB: client?.id ?? null };
            for (const column of fk.foreign_key_columns) cleared[column.column_name] = null;
            catalog.retireVersion(referencing, String(dependent.RID));
            catalog.insertVersion(referencing, cleared);
          }
        } else {
          const refColumns = fk.referenced_columns.map((column) => column.column_name);
          throw violates(
            `update or delete on table "${target.table_name}" violates foreign key constraint "${fk.names[0]![1]}" on table "${referencing.table_name}"\n` +
              `DETAIL:  Key (${refColumns.join(', ')})=(${values.map(String).join(', ')}) is still referenced from table "${referencing.table_name}".\n`,
          );
        }
      }
    }
    catalog.retireVersion(target, rid);
  };
  catalog.write((snaptime) => rids.forEach((rid) => remove(table, rid, snaptime)));
}
