import { z } from 'zod';
import type { TableKind } from '../../../shared/bag.js';
import { SatchelError } from '../common/index.js';

/** The catalog model read from a bag's data/schema.json (an ERMrest /schema document). */

export const SYSTEM_COLUMNS = new Set(['RID', 'RCT', 'RMT', 'RCB', 'RMB']);
const ASSET_ANNOTATION = 'tag:isrd.isi.edu,2017:asset';
const VOCABULARY_COLUMNS = ['ID', 'URI', 'Name', 'Description', 'Synonyms'];
const ASSET_COLUMNS = ['URL', 'Filename', 'Length', 'MD5'];
/** Schemas deriva-ml never treats as domain schemas. */
const NON_DOMAIN_SCHEMAS = new Set(['public', 'WWW', 'www', 'deriva-ml']);
export const ML_SCHEMA = 'deriva-ml';

const typeSchema: z.ZodType<{ typename: string; is_array?: boolean; base_type?: unknown }> = z.looseObject({
  typename: z.string(),
  is_array: z.boolean().optional(),
  base_type: z.unknown().optional(),
});
const columnRefSchema = z.looseObject({
  schema_name: z.string(),
  table_name: z.string(),
  column_name: z.string(),
});
const tableSchema = z.looseObject({
  table_name: z.string(),
  comment: z.string().nullable().optional(),
  annotations: z.record(z.string(), z.unknown()).optional(),
  column_definitions: z.array(
    z.looseObject({
      name: z.string(),
      type: typeSchema,
      nullok: z.boolean().optional(),
      default: z.unknown().optional(),
      comment: z.string().nullable().optional(),
      annotations: z.record(z.string(), z.unknown()).optional(),
    }),
  ),
  keys: z.array(z.looseObject({ unique_columns: z.array(z.string()) })).optional(),
  foreign_keys: z
    .array(
      z.looseObject({
        foreign_key_columns: z.array(columnRefSchema),
        referenced_columns: z.array(columnRefSchema),
      }),
    )
    .optional(),
});
const schemaDocument = z.looseObject({
  snaptime: z.string().optional(),
  schemas: z.record(z.string(), z.looseObject({ tables: z.record(z.string(), tableSchema) })),
});

export interface Column {
  name: string;
  typename: string;
  isArray: boolean;
  nullok: boolean;
  default: string | null;
  comment: string | null;
  annotations: Record<string, unknown>;
}

export interface ForeignKey {
  columns: string[];
  schema: string;
  table: string;
  referencedColumns: string[];
}

export interface Table {
  schema: string;
  name: string;
  /** "schema:Table", the ERMrest qualified name, also the table's name in the bag database. */
  qualified: string;
  comment: string | null;
  columns: Column[];
  columnByName: Map<string, Column>;
  keys: string[][];
  foreignKeys: ForeignKey[];
  kind: TableKind;
}

export interface FeatureTable {
  table: Table;
  name: string;
  target: Table;
  targetColumn: string;
  termColumns: { column: string; vocabulary: Table }[];
  assetColumns: { column: string; assetTable: Table }[];
  valueColumns: Column[];
  qualifierColumns: string[];
}

export interface ElementType {
  /** The element table, e.g. hematology:Image. */
  table: Table;
  /** The association table, e.g. hematology:Dataset_Image (or a legacy Image_Dataset). */
  association: Table;
  datasetColumn: string;
  memberColumn: string;
}

export class CatalogModel {
  readonly tables = new Map<string, Table>();
  readonly features: FeatureTable[] = [];
  readonly elementTypes: ElementType[] = [];

  constructor(
    readonly snaptime: string,
    tables: Table[],
  ) {
    for (const table of tables) this.tables.set(table.qualified, table);
    for (const table of tables) table.kind = this.classify(table);
    for (const table of tables) {
      const feature = this.describeFeature(table);
      if (feature) {
        table.kind = 'feature';
        this.features.push(feature);
      }
    }
    this.elementTypes.push(...this.findElementTypes());
  }

  table(qualified: string): Table | undefined {
    return this.tables.get(qualified);
  }

  /** Finds a table by "schema:Table" or by a bare name that only one schema uses. */
  resolve(name: string): Table | undefined {
    const exact = this.tables.get(name);
    if (exact) return exact;
    const matches = [...this.tables.values()].filter((table) => table.name === name);
    return matches.length === 1 ? matches[0] : undefined;
  }

  requireTable(qualified: string, bagPath: string): Table {
    const table = this.tables.get(qualified);
    if (!table) {
      throw new SatchelError(
        'bad-schema',
        `${bagPath}/data/schema.json has no table ${qualified}.`,
        'data/schema.json',
      );
    }
    return table;
  }

  get datasetTable(): Table | undefined {
    return this.tables.get(`${ML_SCHEMA}:Dataset`);
  }

  /** The FK of `table` that uses exactly `column`, if any (RCB/RMB client links included). */
  foreignKeyOf(table: Table, column: string): ForeignKey | undefined {
    return table.foreignKeys.find((fk) => fk.columns.length === 1 && fk.columns[0] === column);
  }

  private classify(table: Table): TableKind {
    if (this.isAsset(table)) return 'asset';
    if (VOCABULARY_COLUMNS.every((name) => table.columnByName.has(name))) return 'vocabulary';
    if (this.associationKey(table, 2, true)) return 'association';
    return 'table';
  }

  private isAsset(table: Table): boolean {
    if (!ASSET_COLUMNS.every((name) => table.columnByName.has(name))) return false;
    const url = table.columnByName.get('URL');
    const notNull = ['URL', 'Length', 'MD5'].every((name) => table.columnByName.get(name)?.nullok === false);
    return notNull && url !== undefined && ASSET_ANNOTATION in url.annotations;
  }

  /**
   * A key (other than RID) whose columns are each covered by a distinct single-column FK: deriva-py's
   * is_association. With `pure`, the table may have no other non-system columns.
   */
  private associationKey(table: Table, minArity: number, pure: boolean): string[] | undefined {
    return table.keys.find((key) => {
      if (key.length < minArity || key.includes('RID')) return false;
      if (!key.every((column) => this.foreignKeyOf(table, column))) return false;
      if (!pure) return true;
      return table.columns.every((column) => SYSTEM_COLUMNS.has(column.name) || key.includes(column.name));
    });
  }

  /** Structural feature discovery: an association of arity ≥ 3 with Execution, Feature_Name and a target. */
  private describeFeature(table: Table): FeatureTable | undefined {
    if (table.schema === ML_SCHEMA && table.name === 'Execution') return undefined;
    if (table.kind === 'vocabulary') return undefined;
    const key = this.associationKey(table, 3, false);
    if (!key || !key.includes('Execution') || !key.includes('Feature_Name')) return undefined;
    const executionFk = this.foreignKeyOf(table, 'Execution');
    const nameFk = this.foreignKeyOf(table, 'Feature_Name');
    if (executionFk?.table !== 'Execution' || nameFk?.table !== 'Feature_Name') return undefined;
    const referenced = (column: string) => {
      const fk = this.foreignKeyOf(table, column);
      return fk ? this.tables.get(`${fk.schema}:${fk.table}`) : undefined;
    };
    const targetColumn = key.find((column) => {
      if (column === 'Execution' || column === 'Feature_Name') return false;
      const target = referenced(column);
      return target !== undefined && target.kind !== 'vocabulary';
    });
    if (!targetColumn) return undefined;
    const target = referenced(targetColumn);
    if (!target) return undefined;
    const name = table.columnByName.get('Feature_Name')?.default ?? table.name;
    const excluded = new Set([...SYSTEM_COLUMNS, 'Feature_Name', 'Execution', targetColumn]);
    const feature: FeatureTable = {
      table,
      name,
      target,
      targetColumn,
      termColumns: [],
      assetColumns: [],
      valueColumns: [],
      qualifierColumns: key.filter((column) => !['Execution', 'Feature_Name', targetColumn].includes(column)),
    };
    for (const column of table.columns) {
      if (excluded.has(column.name)) continue;
      const other = referenced(column.name);
      if (other?.kind === 'asset') feature.assetColumns.push({ column: column.name, assetTable: other });
      else if (other?.kind === 'vocabulary')
        feature.termColumns.push({ column: column.name, vocabulary: other });
      else feature.valueColumns.push(column);
    }
    return feature;
  }

  /** Element types: pure binary associations between Dataset and a domain table (or Dataset itself). */
  private findElementTypes(): ElementType[] {
    const dataset = this.datasetTable;
    if (!dataset) return [];
    const found: ElementType[] = [];
    for (const table of this.tables.values()) {
      const key = this.associationKey(table, 2, true);
      if (!key || key.length !== 2) continue;
      const ends = key.map((column) => ({ column, fk: this.foreignKeyOf(table, column)! }));
      const toDataset = (end: (typeof ends)[number]) =>
        end.fk.schema === ML_SCHEMA && end.fk.table === 'Dataset' && end.fk.referencedColumns[0] === 'RID';
      const datasetEnd =
        ends.find((end) => toDataset(end) && end.column === 'Dataset') ?? ends.find(toDataset);
      if (!datasetEnd) continue;
      const memberEnd = ends.find((end) => end !== datasetEnd)!;
      const member = this.tables.get(`${memberEnd.fk.schema}:${memberEnd.fk.table}`);
      if (!member || memberEnd.fk.referencedColumns[0] !== 'RID') continue;
      const isDomain = !NON_DOMAIN_SCHEMAS.has(member.schema);
      const isAllowedMl =
        member.schema === ML_SCHEMA && (member.name === 'Dataset' || member.name === 'File');
      if (!isDomain && !isAllowedMl) continue;
      found.push({
        table: member,
        association: table,
        datasetColumn: datasetEnd.column,
        memberColumn: memberEnd.column,
      });
    }
    return found.sort((a, b) => a.table.name.localeCompare(b.table.name));
  }
}

/** Parses data/schema.json text; `where` names the file for error sentences. */
export function parseSchemaDocument(text: string, where: string): CatalogModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SatchelError('bad-schema', `${where} is not valid JSON (${(error as Error).message}).`, where);
  }
  const parsed = schemaDocument.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.join('.') || 'the top level';
    throw new SatchelError(
      'bad-schema',
      `${where} is not an ERMrest schema document: ${issue?.message ?? 'unexpected shape'} at ${at}.`,
      where,
    );
  }
  if (!parsed.data.snaptime) {
    throw new SatchelError(
      'bad-schema',
      `${where} has no "snaptime", so the bag's snapshot is unknown.`,
      where,
    );
  }
  const tables: Table[] = [];
  // SQLite, which holds the imported bag, tells names apart without regard to case.
  const tableNames = new Map<string, string>();
  for (const [schemaName, schema] of Object.entries(parsed.data.schemas)) {
    for (const [tableName, doc] of Object.entries(schema.tables)) {
      const qualified = `${schemaName}:${tableName}`;
      requireDistinct(tableNames, qualified, where, 'tables', '');
      const columnNames = new Map<string, string>();
      for (const column of doc.column_definitions)
        requireDistinct(columnNames, column.name, where, 'columns', ` of ${qualified}`);
      const columns: Column[] = doc.column_definitions.map((column) => ({
        name: column.name,
        typename: column.type.typename,
        isArray: column.type.is_array === true || column.type.typename.endsWith('[]'),
        nullok: column.nullok !== false,
        default: column.default === undefined || column.default === null ? null : String(column.default),
        comment: column.comment ?? null,
        annotations: column.annotations ?? {},
      }));
      tables.push({
        schema: schemaName,
        name: tableName,
        qualified,
        comment: doc.comment ?? null,
        columns,
        columnByName: new Map(columns.map((column) => [column.name, column])),
        keys: (doc.keys ?? []).map((key) => key.unique_columns),
        foreignKeys: (doc.foreign_keys ?? []).map((fk) => ({
          columns: fk.foreign_key_columns.map((ref) => ref.column_name),
          schema: fk.referenced_columns[0]?.schema_name ?? '',
          table: fk.referenced_columns[0]?.table_name ?? '',
          referencedColumns: fk.referenced_columns.map((ref) => ref.column_name),
        })),
        kind: 'table',
      });
    }
  }
  return new CatalogModel(parsed.data.snaptime, tables);
}

function requireDistinct(
  seen: Map<string, string>,
  name: string,
  where: string,
  what: 'tables' | 'columns',
  owner: string,
): void {
  const folded = name.toLowerCase();
  const earlier = seen.get(folded);
  seen.set(folded, name);
  if (earlier === undefined) return;
  const singular = what === 'tables' ? 'table' : 'column';
  const problem =
    earlier === name
      ? `defines the ${singular} "${name}"${owner} twice`
      : `defines the ${what} "${earlier}" and "${name}"${owner}, which differ only in case`;
  throw new SatchelError('bad-schema', `${where} ${problem}.`, where);
}
