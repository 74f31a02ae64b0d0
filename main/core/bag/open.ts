import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BagFormat } from '../../../shared/bag.js';
import {
  SatchelError,
  describeDatabaseError,
  describeIoError,
  removeStalePartials,
} from '../common/index.js';
import { extractBagZip } from '../archive/index.js';
import { Bag } from './bag.js';
import { databaseKey, importBagDatabase, type ImportProgress } from './importer.js';
import {
  checkBagitDeclaration,
  findBagRoot,
  findCsvSources,
  readSchemaText,
  ridFromFolder,
  type CsvSource,
} from './layout.js';
import { ML_SCHEMA, parseSchemaDocument, type CatalogModel } from './model.js';

export interface OpenProgress {
  phase: 'extract' | ImportProgress['phase'];
  done: number;
  total: number;
}

export interface OpenOptions {
  /** Where imported databases and extracted zips live; nothing is written anywhere else. */
  workspace: string;
  onProgress?: (progress: OpenProgress) => void;
}

/**
 * Opens a bag folder or a bag .zip: checks its declaration and schema, imports its CSVs into a
 * SQLite database in the workspace the first time (keyed by content), and reopens that database
 * read-only afterwards. The bag itself is never modified.
 */
export async function openBag(input: string, options: OpenOptions): Promise<Bag> {
  const bagDir = await locateBag(input, options);
  try {
    return openBagDirectory(bagDir, options);
  } catch (error) {
    throw describeIoError(error, bagDir);
  }
}

/** The bag folder behind a folder or .zip argument (a zip is extracted into the workspace once). */
export async function locateBag(input: string, options: OpenOptions): Promise<string> {
  const absolute = path.resolve(input);
  try {
    if (absolute.toLowerCase().endsWith('.zip') && isFile(absolute)) {
      return await extractBagZip(absolute, options.workspace, {
        onProgress: (done, total) => options.onProgress?.({ phase: 'extract', done, total }),
      });
    }
    return findBagRoot(absolute);
  } catch (error) {
    throw describeIoError(error, absolute);
  }
}

/**
 * Whether the workspace already holds the database of a bag folder, so opening it imports nothing (a
 * zip, even one extracted before, counts as not imported). Cheap: the bag's schema is parsed once for
 * this and the open that follows.
 */
export function isBagImported(input: string, options: Pick<OpenOptions, 'workspace'>): boolean {
  const absolute = path.resolve(input);
  if (absolute.toLowerCase().endsWith('.zip')) return false;
  try {
    return fs.existsSync(locateDatabase(findBagRoot(absolute), options.workspace).databasePath);
  } catch {
    return false;
  }
}

interface BagLayout {
  model: CatalogModel;
  sources: CsvSource[];
  format: BagFormat;
  databasePath: string;
}

function locateDatabase(bagDir: string, workspace: string): BagLayout {
  checkBagitDeclaration(bagDir);
  requirePayload(bagDir);
  const model = parsedSchema(bagDir);
  const { sources, format } = findCsvSources(bagDir, model);
  const databasePath = path.join(workspace, 'databases', `${databaseKey(bagDir, sources)}.sqlite`);
  return { model, sources, format, databasePath };
}

/** Parsed schemas of recently opened bags, by the identity of their schema.json. */
const schemas = new Map<string, CatalogModel>();
const CACHED_SCHEMAS = 4;

function parsedSchema(bagDir: string): CatalogModel {
  const schemaPath = path.join(bagDir, 'data', 'schema.json');
  // A missing schema.json gets readSchemaText's sentence below.
  const stat = fs.statSync(schemaPath, { bigint: true, throwIfNoEntry: false });
  const identity = stat && `${schemaPath}\t${stat.size}\t${stat.mtimeNs}\t${stat.ctimeNs}\t${stat.ino}`;
  const cached = identity && schemas.get(identity);
  if (cached) return cached;
  const model = parseSchemaDocument(readSchemaText(bagDir), schemaPath);
  if (!model.datasetTable) {
    throw new SatchelError(
      'bad-schema',
      `${schemaPath} has no ${ML_SCHEMA}:Dataset table, so this is not a DerivaML bag.`,
      'data/schema.json',
    );
  }
  if (identity) schemas.set(identity, model);
  if (schemas.size > CACHED_SCHEMAS) schemas.delete(schemas.keys().next().value!);
  return model;
}

function openBagDirectory(bagDir: string, options: OpenOptions): Bag {
  const { model, sources, format, databasePath } = locateDatabase(bagDir, options.workspace);
  const databases = path.dirname(databasePath);
  const rid = ridFromFolder(bagDir);
  removeStalePartials(databases);
  if (!fs.existsSync(databasePath)) {
    importBagDatabase(databasePath, {
      bagDir,
      model,
      sources,
      meta: { bag: bagDir, snaptime: model.snaptime, format, rid: rid ?? '' },
      onProgress: options.onProgress,
    });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(databasePath, { readonly: true, fileMustExist: true });
    db.pragma('temp_store = MEMORY');
    const identity = {
      root: bagDir,
      rid: rid ?? rootDatasetRid(db, bagDir),
      snaptime: model.snaptime,
      format,
      databasePath,
    };
    return new Bag(identity, model, db);
  } catch (error) {
    db?.close();
    throw describeDatabaseError(error, databasePath, { rebuildable: true });
  }
}

/** An empty bag (no payload at all) gets its own sentence rather than "schema.json missing". */
function requirePayload(bagDir: string): void {
  const data = path.join(bagDir, 'data');
  if (!fs.existsSync(data) || fs.readdirSync(data).length === 0) {
    throw new SatchelError('empty-bag', `${bagDir} is an empty bag: its data/ folder holds nothing.`, 'data');
  }
}

/** For a renamed bag folder: the one dataset that is nobody's child. */
function rootDatasetRid(db: Database.Database, bagDir: string): string {
  const roots = db
    .prepare(
      `SELECT "RID" FROM "${ML_SCHEMA}:Dataset" WHERE "RID" NOT IN (SELECT "Nested_Dataset" FROM "${ML_SCHEMA}:Dataset_Dataset" WHERE "Nested_Dataset" IS NOT NULL)`,
    )
    .pluck()
    .all() as string[];
  if (roots.length !== 1) {
    throw new SatchelError(
      'not-a-bag',
      `${bagDir} is not named Dataset_<RID> and its dataset cannot be told from its data.`,
      bagDir,
    );
  }
  return roots[0]!;
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
