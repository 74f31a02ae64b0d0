import fs from 'node:fs';
import path from 'node:path';
import { csvColumn, parseCsv } from './csv.js';

/** A vocabulary CSV copied byte for byte from the fixture bag. */
export interface FixtureVocabulary {
  schema: string;
  table: string;
  bytes: Buffer;
  names: string[];
}

export interface Fixture {
  /** The parsed ERMrest /schema document. */
  schemaDocument: Record<string, unknown>;
  vocabularies: FixtureVocabulary[];
}

export const ML_SCHEMA = 'deriva-ml';
export const DOMAIN_SCHEMA = 'hematology';

const VOCABULARIES: ReadonlyArray<readonly [string, string]> = [
  [ML_SCHEMA, 'Asset_Role'],
  [ML_SCHEMA, 'Asset_Type'],
  [ML_SCHEMA, 'Dataset_Type'],
  [ML_SCHEMA, 'Execution_Status'],
  [ML_SCHEMA, 'Feature_Name'],
  [DOMAIN_SCHEMA, 'Cell_Type'],
  [DOMAIN_SCHEMA, 'Image_Quality'],
];

export function readFixture(bagDir: string): Fixture {
  const schemaDocument: unknown = JSON.parse(
    fs.readFileSync(path.join(bagDir, 'data', 'schema.json'), 'utf8'),
  );
  if (!isRecord(schemaDocument)) throw new Error(`${bagDir}: data/schema.json is not a JSON object`);
  return {
    schemaDocument,
    vocabularies: VOCABULARIES.map(([schema, table]) => readVocabulary(bagDir, schema, table)),
  };
}

function readVocabulary(bagDir: string, schema: string, table: string): FixtureVocabulary {
  const bytes = fs.readFileSync(path.join(bagDir, 'data', schema, `${table}.csv`));
  const names = csvColumn(parseCsv(bytes.toString('utf8')), 'Name').map(String);
  return { schema, table, bytes, names };
}

/** The term names of one copied vocabulary, checking that the terms the generator refers to exist. */
export function vocabularyNames(fixture: Fixture, table: string, required: readonly string[] = []): string[] {
  const vocabulary = fixture.vocabularies.find((entry) => entry.table === table);
  if (!vocabulary) throw new Error(`fixture has no vocabulary ${table}`);
  const missing = required.filter((name) => !vocabulary.names.includes(name));
  if (missing.length > 0) throw new Error(`fixture vocabulary ${table} lacks ${missing.join(', ')}`);
  return vocabulary.names;
}

/** Column names of schema:table in model order (the order of ERMrest CSV columns). */
export function modelColumns(fixture: Fixture, schema: string, table: string): string[] {
  const schemas = fixture.schemaDocument.schemas;
  const tables = isRecord(schemas) && isRecord(schemas[schema]) ? schemas[schema].tables : undefined;
  const definition = isRecord(tables) ? tables[table] : undefined;
  const columns = isRecord(definition) ? definition.column_definitions : undefined;
  if (!Array.isArray(columns)) throw new Error(`schema.json has no table ${schema}:${table}`);
  return columns.map((column: unknown) => (isRecord(column) ? String(column.name) : ''));
}

/** schema.json with only `snaptime` replaced (key order kept). */
export function schemaJsonWithSnaptime(fixture: Fixture, snaptime: string): string {
  return JSON.stringify({ ...fixture.schemaDocument, snaptime });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
