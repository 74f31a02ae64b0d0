// The catalog model: what POST /schema accepts and what GET /schema renders (deriva-protocol.md §6, §7).
import { ermrestError } from './http.js';
import { isKnownTypename, typeDocFor, type TypeDoc } from './values.js';

export const ACL_NAMES = [
  'owner',
  'create',
  'write',
  'insert',
  'update',
  'delete',
  'select',
  'enumerate',
] as const;
export type AclName = (typeof ACL_NAMES)[number];
export type CatalogAcls = Record<AclName, string[]>;
type Json = Record<string, unknown>;

export interface ColumnModel {
  RID: string;
  name: string;
  type: TypeDoc;
  /** The type and default exactly as POSTed; ERMrest echoes these in the POST response. */
  declaredType: TypeDoc;
  declaredDefault: unknown;
  default: unknown;
  nullok: boolean;
  comment: string | null;
  annotations: Json;
  acls: Json;
  acl_bindings: Json;
}

export interface KeyModel {
  RID: string;
  unique_columns: string[];
  names: [string, string][];
  comment: string | null;
  annotations: Json;
}

export interface ColumnRefDoc {
  schema_name: string;
  table_name: string;
  column_name: string;
}

export interface ForeignKeyModel {
  RID: string;
  names: [string, string][];
  foreign_key_columns: ColumnRefDoc[];
  referenced_columns: ColumnRefDoc[];
  on_delete: string;
  on_update: string;
  comment: string | null;
  annotations: Json;
  acls: Json;
  acl_bindings: Json;
}

export interface TableModel {
  RID: string;
  schema_name: string;
  table_name: string;
  kind: string;
  comment: string | null;
  annotations: Json;
  acls: Json;
  acl_bindings: Json;
  column_definitions: ColumnModel[];
  keys: KeyModel[];
  foreign_keys: ForeignKeyModel[];
}

export interface SchemaModel {
  RID: string;
  schema_name: string;
  comment: string | null;
  annotations: Json;
  acls: Json;
  tables: Record<string, TableModel>;
}

export interface CatalogModel {
  annotations: Json;
  acls: CatalogAcls;
  schemas: Record<string, SchemaModel>;
}

export const SYSTEM_COLUMNS = ['RID', 'RCT', 'RMT', 'RCB', 'RMB'] as const;
export const isSystemColumn = (name: string): boolean => (SYSTEM_COLUMNS as readonly string[]).includes(name);

const SYSTEM_COLUMN_SHAPES: Record<string, { typename: string; nullok: boolean; default: string }> = {
  RID: {
    typename: 'ermrest_rid',
    nullok: false,
    default: "_ermrest.urlb32_encode(nextval('_ermrest.rid_seq'::regclass))",
  },
  RCT: { typename: 'ermrest_rct', nullok: false, default: 'now()' },
  RMT: { typename: 'ermrest_rmt', nullok: false, default: 'now()' },
  RCB: { typename: 'ermrest_rcb', nullok: true, default: '_ermrest.current_client()' },
  RMB: { typename: 'ermrest_rmb', nullok: true, default: '_ermrest.current_client()' },
};

export const INDEXING_ANNOTATION = {
  'tag:isrd.isi.edu,2018:indexing-preferences': { trgm: true, btree: true, gin_array: true },
};

export const emptyAcls = (owner: string[]): CatalogAcls =>
  Object.fromEntries(ACL_NAMES.map((name) => [name, name === 'owner' ? owner : []])) as CatalogAcls;

export type RidAllocator = () => string;

/** Every new catalog has schema `public` with ERMrest_Client, ERMrest_Group and ERMrest_RID_Lease. */
export function newCatalogModel(owner: string[], allocate: RidAllocator): CatalogModel {
  const model: CatalogModel = {
    annotations: structuredClone(INDEXING_ANNOTATION),
    acls: emptyAcls(owner),
    schemas: {},
  };
  const column = (name: string, typename: string, nullok: boolean): Json => ({
    name,
    type: { typename },
    nullok,
  });
  const noAccess = { delete: [], insert: [], select: [], update: [], enumerate: [] };
  const table = (
    name: string,
    columns: Json[],
    keys: string[][],
    acls: Json,
    acl_bindings: Json = {},
  ): Json => ({
    table_name: name,
    column_definitions: [
      ...SYSTEM_COLUMNS.map((system) => ({
        name: system,
        type: { typename: SYSTEM_COLUMN_SHAPES[system]!.typename },
      })),
      ...columns,
    ],
    keys: [
      { unique_columns: ['RID'], names: [['public', `${name}_pkey`]] },
      ...keys.map((unique_columns) => ({
        unique_columns,
        names: [['public', `${name}_${unique_columns.join('_')}_key`]],
      })),
    ],
    acls,
    acl_bindings,
  });
  // The system tables and their ACLs as ERMrest 0.5.0 creates them (fixture schema.json).
  const leaseBinding = {
    lessee_access: {
      types: ['select', 'update', 'delete'],
      scope_acl: ['*'],
      projection: ['RCB'],
      projection_type: 'acl',
    },
  };
  addSchemaDocument(
    model,
    {
      schemas: {
        public: {
          comment: 'standard public schema',
          tables: {
            ERMrest_Client: table(
              'ERMrest_Client',
              [
                column('ID', 'text', false),
                column('Display_Name', 'text', true),
                column('Full_Name', 'text', true),
                column('Email', 'text', true),
                column('Client_Object', 'jsonb', false),
              ],
              [['ID']],
              noAccess,
            ),
            ERMrest_Group: table(
              'ERMrest_Group',
              [
                column('ID', 'text', false),
                column('URL', 'text', true),
                column('Display_Name', 'text', true),
                column('Description', 'text', true),
              ],
              [['ID']],
              noAccess,
            ),
            ERMrest_RID_Lease: table(
              'ERMrest_RID_Lease',
              [column('ID', 'text', true)],
              [['RCB', 'ID']],
              { delete: [], select: [], update: [], enumerate: ['*'] },
              leaseBinding,
            ),
          },
        },
      },
    },
    allocate,
  );
  return model;
}

const objectOr = (value: unknown): Json =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
const textOr = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const malformed = (detail: string): Error => ermrestError(400, detail);

/** Elements created by one POST, in document order, for the response. */
export interface CreatedElements {
  schemas: SchemaModel[];
  tables: TableModel[];
  foreignKeys: ForeignKeyModel[];
}

/**
 * Adds the schemas, tables and foreign keys of a schema document (`{"schemas": {...}}`, one schema rep,
 * or an array of schema/table/fkey reps) to `model`. Client RIDs are ignored; every element gets a new RID.
 */
export function addSchemaDocument(
  model: CatalogModel,
  document: unknown,
  allocate: RidAllocator,
): CreatedElements {
  const created: CreatedElements = { schemas: [], tables: [], foreignKeys: [] };
  const pendingForeignKeys: { table: TableModel; doc: Json }[] = [];
  const addTable = (schema: SchemaModel, doc: Json): void => {
    const table = buildTable(schema.schema_name, doc, allocate);
    if (schema.tables[table.table_name])
      throw ermrestError(409, `Table ${table.table_name} already exists in schema ${schema.schema_name}.`);
    schema.tables[table.table_name] = table;
    created.tables.push(table);
    for (const fk of Array.isArray(doc.foreign_keys) ? doc.foreign_keys : [])
      pendingForeignKeys.push({ table, doc: objectOr(fk) });
  };
  const addSchema = (name: string, doc: Json): void => {
    if (model.schemas[name]) throw ermrestError(409, `Schema ${name} already exists.`);
    const schema: SchemaModel = {
      RID: allocate(),
      schema_name: name,
      comment: textOr(doc.comment),
      annotations: objectOr(doc.annotations),
      acls: objectOr(doc.acls),
      tables: {},
    };
    model.schemas[name] = schema;
    created.schemas.push(schema);
    for (const [tableName, tableDoc] of Object.entries(objectOr(doc.tables)))
      addTable(schema, { ...objectOr(tableDoc), table_name: tableName });
  };
  const schemaNamed = (name: unknown): SchemaModel => {
    const schema = typeof name === 'string' ? model.schemas[name] : undefined;
    if (!schema) throw ermrestError(409, `Schema ${String(name)} does not exist.`);
    return schema;
  };

  const root = objectOr(document);
  if (Array.isArray(document)) {
    for (const item of document.map(objectOr)) {
      if ('foreign_key_columns' in item) {
        const first = objectOr(
          Array.isArray(item.foreign_key_columns) ? item.foreign_key_columns[0] : undefined,
        );
        pendingForeignKeys.push({
          table: tableIn(model, String(first.schema_name), String(first.table_name)),
          doc: item,
        });
      } else if ('table_name' in item) addTable(schemaNamed(item.schema_name), item);
      else addSchema(String(item.schema_name), item);
    }
  } else if (root.schemas) {
    for (const [name, doc] of Object.entries(objectOr(root.schemas))) addSchema(name, objectOr(doc));
  } else if (typeof root.schema_name === 'string') {
    addSchema(root.schema_name, root);
  } else throw malformed('Unsupported model document.');

  for (const { table, doc } of pendingForeignKeys) {
    const fk = buildForeignKey(model, table, doc, allocate);
    table.foreign_keys.push(fk);
    created.foreignKeys.push(fk);
  }
  return created;
}

function buildTable(schemaName: string, doc: Json, allocate: RidAllocator): TableModel {
  const tableName = doc.table_name;
  if (typeof tableName !== 'string' || tableName === '') throw malformed('Table document lacks table_name.');
  const columnDocs = (Array.isArray(doc.column_definitions) ? doc.column_definitions : []).map(objectOr);
  for (const system of SYSTEM_COLUMNS) {
    if (!columnDocs.some((column) => column.name === system))
      throw malformed(`Table :${schemaName}:${tableName} lacks required system column ${system}.`);
  }
  const table: TableModel = {
    RID: allocate(),
    schema_name: schemaName,
    table_name: tableName,
    kind: typeof doc.kind === 'string' ? doc.kind : 'table',
    comment: textOr(doc.comment),
    annotations: objectOr(doc.annotations),
    acls: objectOr(doc.acls),
    acl_bindings: objectOr(doc.acl_bindings),
    column_definitions: [],
    keys: [],
    foreign_keys: [],
  };
  for (const columnDoc of columnDocs) {
    const name = columnDoc.name;
    if (typeof name !== 'string' || name === '')
      throw malformed(`A column of table ${tableName} lacks a name.`);
    if (table.column_definitions.some((column) => column.name === name))
      throw malformed(`Column ${name} is defined twice in table ${tableName}.`);
    const declaredType = objectOr(columnDoc.type) as unknown as TypeDoc;
    if (typeof declaredType.typename !== 'string' || !isKnownTypename(declaredType.typename)) {
      throw malformed(`Unknown type ${JSON.stringify(declaredType.typename)} for column ${name}.`);
    }
    const system = SYSTEM_COLUMN_SHAPES[name];
    table.column_definitions.push({
      RID: allocate(),
      name,
      type: typeDocFor(system?.typename ?? declaredType.typename),
      declaredType,
      declaredDefault: columnDoc.default ?? null,
      default: system ? system.default : (columnDoc.default ?? null),
      nullok: system ? system.nullok : columnDoc.nullok !== false,
      comment: textOr(columnDoc.comment),
      annotations: objectOr(columnDoc.annotations),
      acls: objectOr(columnDoc.acls),
      acl_bindings: objectOr(columnDoc.acl_bindings),
    });
  }
  const keyDocs = (Array.isArray(doc.keys) ? doc.keys : []).map(objectOr);
  if (!keyDocs.some((key) => JSON.stringify(key.unique_columns) === '["RID"]'))
    keyDocs.unshift({ unique_columns: ['RID'] });
  for (const keyDoc of keyDocs) {
    const columns = Array.isArray(keyDoc.unique_columns) ? keyDoc.unique_columns.map(String) : [];
    for (const column of columns) columnOf(table, column);
    const names =
      Array.isArray(keyDoc.names) && keyDoc.names.length
        ? (keyDoc.names as [string, string][])
        : [[schemaName, `${tableName}_${columns.join('_')}_key`] as [string, string]];
    table.keys.push({
      RID: allocate(),
      unique_columns: columns,
      names,
      comment: textOr(keyDoc.comment),
      annotations: objectOr(keyDoc.annotations),
    });
  }
  return table;
}

function buildForeignKey(
  model: CatalogModel,
  table: TableModel,
  doc: Json,
  allocate: RidAllocator,
): ForeignKeyModel {
  const refs = (value: unknown): ColumnRefDoc[] =>
    (Array.isArray(value) ? value : []).map(objectOr).map((ref) => ({
      schema_name: String(ref.schema_name ?? table.schema_name),
      table_name: String(ref.table_name ?? table.table_name),
      column_name: String(ref.column_name),
    }));
  const from = refs(doc.foreign_key_columns);
  const to = refs(doc.referenced_columns);
  if (from.length === 0 || from.length !== to.length)
    throw malformed(`Foreign key of table ${table.table_name} has mismatched columns.`);
  for (const ref of from) columnOf(table, ref.column_name);
  const target = tableIn(model, to[0]!.schema_name, to[0]!.table_name);
  for (const ref of to) columnOf(target, ref.column_name);
  const names =
    Array.isArray(doc.names) && doc.names.length
      ? (doc.names as [string, string][])
      : [
          [table.schema_name, `${table.table_name}_${from.map((ref) => ref.column_name).join('_')}_fkey`] as [
            string,
            string,
          ],
        ];
  return {
    RID: allocate(),
    names,
    foreign_key_columns: from,
    referenced_columns: to,
    on_delete: typeof doc.on_delete === 'string' ? doc.on_delete : 'NO ACTION',
    on_update: typeof doc.on_update === 'string' ? doc.on_update : 'NO ACTION',
    comment: textOr(doc.comment),
    annotations: objectOr(doc.annotations),
    acls: objectOr(doc.acls),
    acl_bindings: objectOr(doc.acl_bindings),
  };
}

/** Looks a table up; a bare table name must be unambiguous. 409 as on ERMrest (not 404). */
export function findTable(
  model: CatalogModel,
  schemaName: string | undefined,
  tableName: string,
): TableModel {
  if (schemaName !== undefined) return tableIn(model, schemaName, tableName);
  const matches = Object.values(model.schemas).flatMap((schema) =>
    schema.tables[tableName] ? [schema.tables[tableName]] : [],
  );
  if (matches.length === 1) return matches[0]!;
  throw ermrestError(
    409,
    matches.length ? `Table name ${tableName} is ambiguous.` : `Table ${tableName} not found in any schema.`,
  );
}

export function tableIn(model: CatalogModel, schemaName: string, tableName: string): TableModel {
  const schema = model.schemas[schemaName];
  if (!schema) throw ermrestError(409, `Schema ${schemaName} does not exist.`);
  const table = schema.tables[tableName];
  if (!table) throw ermrestError(409, `Table ${tableName} does not exist in schema ${schemaName}.`);
  return table;
}

export function columnOf(table: TableModel, name: string): ColumnModel {
  const column = table.column_definitions.find((candidate) => candidate.name === name);
  if (!column)
    throw ermrestError(409, `Requested column ${name} does not exist in table ${table.table_name}.`);
  return column;
}

export const allTables = (model: CatalogModel): TableModel[] =>
  Object.values(model.schemas).flatMap((schema) => Object.values(schema.tables));

export const qualifiedName = (table: TableModel): string => `:${table.schema_name}:${table.table_name}`;

/** Rights of one client on the catalog, as rendered in `rights` objects. */
export interface Rights {
  owner: boolean;
  create: boolean;
  select: boolean;
  insert: boolean;
  update: boolean;
  delete: boolean;
}

/** How to render: whose rights, and whether to echo the POSTed type/default (POST /schema response). */
export interface RenderOptions {
  rights: Rights;
  echoDeclared?: boolean;
}

const SYSTEM_COLUMN_RIGHTS: Record<string, { update: boolean; insert: boolean }> = {
  RID: { update: false, insert: true },
  RCT: { update: true, insert: true },
  RMT: { update: false, insert: false },
  RCB: { update: false, insert: true },
  RMB: { update: false, insert: false },
};

export function renderColumn(column: ColumnModel, options: RenderOptions): Json {
  const { rights } = options;
  const system = SYSTEM_COLUMN_RIGHTS[column.name];
  return {
    RID: column.RID,
    name: column.name,
    rights: {
      select: rights.select,
      delete: rights.delete,
      update: rights.update && (system?.update ?? true),
      insert: rights.insert && (system?.insert ?? true),
    },
    type: options.echoDeclared ? column.declaredType : column.type,
    default: options.echoDeclared ? column.declaredDefault : column.default,
    nullok: column.nullok,
    comment: column.comment,
    annotations: column.annotations,
    acls: column.acls,
    acl_bindings: column.acl_bindings,
  };
}

export const renderKey = (key: KeyModel): Json => ({
  RID: key.RID,
  comment: key.comment,
  annotations: key.annotations,
  unique_columns: key.unique_columns,
  names: key.names,
});

export const renderForeignKey = (fk: ForeignKeyModel, options: RenderOptions): Json => ({
  RID: fk.RID,
  foreign_key_columns: fk.foreign_key_columns,
  referenced_columns: fk.referenced_columns,
  rights: { update: false, insert: options.rights.insert },
  comment: fk.comment,
  annotations: fk.annotations,
  names: fk.names,
  acls: fk.acls,
  acl_bindings: fk.acl_bindings,
  on_delete: fk.on_delete,
  on_update: fk.on_update,
});

export function renderTable(table: TableModel, options: RenderOptions): Json {
  const { rights } = options;
  return {
    RID: table.RID,
    schema_name: table.schema_name,
    table_name: table.table_name,
    rights: {
      owner: rights.owner,
      insert: rights.insert,
      select: rights.select,
      delete: rights.delete,
      update: rights.update,
    },
    column_definitions: table.column_definitions.map((column) => renderColumn(column, options)),
    keys: table.keys.map(renderKey),
    foreign_keys: table.foreign_keys.map((fk) => renderForeignKey(fk, options)),
    kind: table.kind,
    comment: table.comment,
    annotations: table.annotations,
    acls: table.acls,
    acl_bindings: table.acl_bindings,
  };
}

export function renderSchema(schema: SchemaModel, options: RenderOptions): Json {
  return {
    RID: schema.RID,
    schema_name: schema.schema_name,
    comment: schema.comment,
    rights: { owner: options.rights.owner, create: options.rights.create },
    annotations: schema.annotations,
    tables: Object.fromEntries(
      Object.entries(schema.tables).map(([name, table]) => [name, renderTable(table, options)]),
    ),
    acls: schema.acls,
  };
}
