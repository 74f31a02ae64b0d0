/**
 * The synthetic bag's catalog model is the sample world's (main/core/sample): deriva-ml's ML schema and
 * the domain schema `digits`. Its schema.json and vocabulary terms come from Satchel's own code.
 */
import {
  DOMAIN_TABLES,
  DOMAIN_TERMS,
  ML_SCHEMA,
  ML_TABLES,
  SAMPLE_DOMAIN_SCHEMA,
  SEEDED_TERMS,
  ermrestSchemaDocument,
  type TableSpec,
} from '../../main/core/sample/index.js';

export { ML_SCHEMA };
export const DOMAIN_SCHEMA = SAMPLE_DOMAIN_SCHEMA;

/** The feature the bench fills and labels: one term column (Digit) with a value column (Confidence). */
export const FEATURE_TABLE = 'Execution_Image_Digit';
export const FEATURE_NAME = 'Digit';
/** The vocabulary of its term column, which is also the column's name. */
export const FEATURE_TERM_TABLE = 'Digit';
/** How Satchel names the feature: target table / feature name. */
export const FEATURE_ID = `Image/${FEATURE_NAME}`;

const MODEL: Record<string, Record<string, TableSpec>> = {
  [ML_SCHEMA]: ML_TABLES,
  [DOMAIN_SCHEMA]: DOMAIN_TABLES,
};
const SYSTEM_COLUMNS = ['RID', 'RCT', 'RMT', 'RCB', 'RMB'];

export interface VocabularyTerm {
  name: string;
  description: string;
  synonyms: readonly string[] | null;
}

export interface Vocabulary {
  schema: string;
  table: string;
  terms: readonly VocabularyTerm[];
}

/** Every vocabulary of the model but Workflow_Type, which deriva-ml's bag walk never reaches (it stops at Workflow). */
export const VOCABULARIES: readonly Vocabulary[] = [
  ...Object.entries(SEEDED_TERMS)
    .filter(([table]) => table !== 'Workflow_Type')
    .map(([table, terms]) => ({
      schema: ML_SCHEMA,
      table,
      terms: terms.map(([name, description]) => ({ name, description, synonyms: null })),
    })),
  ...Object.entries(DOMAIN_TERMS).map(([table, terms]) => ({
    schema: DOMAIN_SCHEMA,
    table,
    terms: terms.map(([name, description, synonyms]) => ({ name, description, synonyms: synonyms ?? null })),
  })),
];

function tableSpec(schema: string, table: string): TableSpec {
  const spec = MODEL[schema]?.[table];
  if (!spec) throw new Error(`the sample model has no table ${schema}:${table}`);
  return spec;
}

/** Column names of schema:table in model order (the order of ERMrest CSV columns). */
export function modelColumns(schema: string, table: string): string[] {
  return [...SYSTEM_COLUMNS, ...tableSpec(schema, table).columns.map((column) => column.name)];
}

/** A column's default with `{RID}` filled in, as ERMrest fills a vocabulary's ID and URI. */
export function columnDefault(schema: string, table: string, column: string, rid: string): string {
  const pattern = tableSpec(schema, table).columns.find((entry) => entry.name === column)?.default;
  if (typeof pattern !== 'string') throw new Error(`${schema}:${table}.${column} has no default`);
  return pattern.replace('{RID}', rid);
}

/** data/schema.json: the model's ERMrest /schema document at `snaptime`. */
export function schemaJson(snaptime: string): string {
  return JSON.stringify(ermrestSchemaDocument(snaptime, MODEL), null, 2);
}

/** The term names of one vocabulary, checking that the terms the generator refers to exist. */
export function termNames(table: string, required: readonly string[] = []): string[] {
  const vocabulary = VOCABULARIES.find((entry) => entry.table === table);
  if (!vocabulary) throw new Error(`the sample model has no vocabulary ${table} in bags`);
  const names = vocabulary.terms.map((term) => term.name);
  const missing = required.filter((name) => !names.includes(name));
  if (missing.length > 0) throw new Error(`vocabulary ${table} lacks ${missing.join(', ')}`);
  return names;
}
