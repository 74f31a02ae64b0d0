import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
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
} from './layout.js';
import { ML_SCHEMA, parseSchemaDocument } from './model.js';

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

function openBagDirectory(bagDir: string, options: OpenOptions): Bag {
  checkBagitDeclaration(bagDir);
  requirePayload(bagDir);
  const schemaPath = path.join(bagDir, 'data', 'schema.json');
  const model = parseSchemaDocument(readSchemaText(bagDir), schemaPath);
  if (!model.datasetTable) {
    throw new SatchelError(
      'bad-schema',
      `${schemaPath} has no ${ML_SCHEMA}:Dataset table, so this is not a DerivaML bag.`,
      'data/schema.json',
    );
  }
  const { sources, format } = findCsvSources(bagDir, model);
  const databases = path.join(options.workspace, 'databases');
  const databasePath = path.join(databases, `${databaseKey(bagDir, sources)}.sqlite`);
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
