/**
 * Builders for an ERMrest `/schema` document (the data/schema.json of a bag): tables get the five
 * system columns, a RID key and RCB/RMB links to public.ERMrest_Client, with constraint names as
 * ERMrest reports them.
 */

export interface ColumnSpec {
  name: string;
  type: string;
  nullok?: boolean;
  default?: string | null;
  comment?: string | null;
  annotations?: Record<string, unknown>;
}

export interface ForeignKeySpec {
  column: string;
  schema: string;
  table: string;
  referenced: string;
  onDelete?: 'NO ACTION' | 'CASCADE';
}

export interface TableSpec {
  comment?: string | null;
  columns: ColumnSpec[];
  /** Unique keys besides RID. */
  keys?: string[][];
  foreignKeys?: ForeignKeySpec[];
  annotations?: Record<string, unknown>;
}

export const ASSET_ANNOTATION = 'tag:isrd.isi.edu,2017:asset';
const RID_DEFAULT = "_ermrest.urlb32_encode(nextval('_ermrest.rid_seq'::regclass))";
const CLIENT_DEFAULT = '_ermrest.current_client()';

export function systemColumns(): ColumnSpec[] {
  return [
    { name: 'RID', type: 'ermrest_rid', nullok: false, default: RID_DEFAULT },
    { name: 'RCT', type: 'ermrest_rct', nullok: false, default: 'now()' },
    { name: 'RMT', type: 'ermrest_rmt', nullok: false, default: 'now()' },
    { name: 'RCB', type: 'ermrest_rcb', default: CLIENT_DEFAULT },
    { name: 'RMB', type: 'ermrest_rmb', default: CLIENT_DEFAULT },
  ];
}

/** deriva-py's define_vocabulary: ID, URI, Name, Description, Synonyms. */
export function vocabularyTable(curiePrefix: string, comment: string): TableSpec {
  return {
    comment,
    columns: [
      { name: 'ID', type: 'ermrest_curie', nullok: false, default: `${curiePrefix}:{RID}` },
      { name: 'URI', type: 'ermrest_uri', nullok: false, default: '/id/{RID}' },
      { name: 'Name', type: 'text', nullok: false },
      { name: 'Description', type: 'markdown', nullok: false },
      { name: 'Synonyms', type: 'text[]' },
    ],
    keys: [['ID'], ['URI'], ['Name']],
  };
}

/** deriva-py's define_asset: URL (with the asset annotation), Filename, Description, Length, MD5. */
export function assetColumns(schema: string, table: string): ColumnSpec[] {
  return [
    {
      name: 'URL',
      type: 'text',
      nullok: false,
      comment: 'URL to the asset',
      annotations: {
        [ASSET_ANNOTATION]: {
          md5: 'MD5',
          url_pattern: `/hatrac/{{$catalog.id}}/${schema}/${table}/{{{MD5}}}.{{#encode}}{{{Filename}}}{{/encode}}`,
          filename_column: 'Filename',
          byte_count_column: 'Length',
        },
      },
    },
    { name: 'Filename', type: 'text', comment: 'Filename of the asset that was uploaded' },
    { name: 'Description', type: 'markdown', comment: 'Description of the asset' },
    { name: 'Length', type: 'int8', nullok: false, comment: 'Asset length (bytes)' },
    { name: 'MD5', type: 'text', nullok: false, comment: 'Asset content MD5 checksum' },
  ];
}

/** A table of an ERMrest schema document. */
export function ermrestTable(schema: string, name: string, spec: TableSpec) {
  const columns = [...systemColumns(), ...spec.columns].map((column) => ({
    name: column.name,
    type: column.type.endsWith('[]')
      ? { typename: column.type, is_array: true, base_type: { typename: column.type.slice(0, -2) } }
      : { typename: column.type },
    default: column.default ?? null,
    nullok: column.nullok ?? true,
    comment: column.comment ?? null,
    annotations: column.annotations ?? {},
  }));
  const reference = (schemaName: string, tableName: string, column: string) => ({
    schema_name: schemaName,
    table_name: tableName,
    column_name: column,
  });
  const keys = [['RID'], ...(spec.keys ?? [])].map((columnsOfKey) => ({
    comment: null,
    annotations: {},
    unique_columns: columnsOfKey,
    names: [[schema, `${name}_${columnsOfKey.length > 1 ? 'assoc' : columnsOfKey[0]}_key`]],
  }));
  const clientLinks: ForeignKeySpec[] = ['RCB', 'RMB'].map((column) => ({
    column,
    schema: 'public',
    table: 'ERMrest_Client',
    referenced: 'ID',
  }));
  const foreignKeys = [...clientLinks, ...(spec.foreignKeys ?? [])].map((fk) => ({
    foreign_key_columns: [reference(schema, name, fk.column)],
    referenced_columns: [reference(fk.schema, fk.table, fk.referenced)],
    comment: null,
    annotations: {},
    names: [[schema, `${name}_${fk.column}_fkey`]],
    on_delete: fk.onDelete ?? 'NO ACTION',
    on_update: fk.onDelete ?? 'NO ACTION',
  }));
  return {
    schema_name: schema,
    table_name: name,
    comment: spec.comment ?? null,
    annotations: spec.annotations ?? {},
    column_definitions: columns,
    keys,
    foreign_keys: foreignKeys,
  };
}

/** The ERMrest client table every RCB/RMB column refers to. */
const ERMREST_CLIENT: TableSpec = {
  comment: null,
  columns: [
    { name: 'ID', type: 'text', nullok: false },
    { name: 'Display_Name', type: 'text' },
    { name: 'Full_Name', type: 'text' },
    { name: 'Email', type: 'text' },
    { name: 'Client_Object', type: 'jsonb', nullok: false },
  ],
  keys: [['ID']],
};

/** A whole `/schema` document: the public schema plus the given ones. */
export function ermrestSchemaDocument(snaptime: string, schemas: Record<string, Record<string, TableSpec>>) {
  const schemaDocument = (schemaName: string, tables: Record<string, TableSpec>) => ({
    schema_name: schemaName,
    comment: null,
    annotations: {},
    tables: Object.fromEntries(
      Object.entries(tables).map(([table, spec]) => [table, ermrestTable(schemaName, table, spec)]),
    ),
  });
  const publicSchema = schemaDocument('public', { ERMrest_Client: ERMREST_CLIENT });
  // ERMrest_Client has no RCB/RMB links to itself in ERMrest; keep only its own key.
  publicSchema.tables.ERMrest_Client!.foreign_keys = [];
  return {
    snaptime,
    annotations: {},
    schemas: {
      public: publicSchema,
      ...Object.fromEntries(
        Object.entries(schemas).map(([schemaName, tables]) => [
          schemaName,
          schemaDocument(schemaName, tables),
        ]),
      ),
    },
  };
}
