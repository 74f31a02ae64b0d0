import fs from 'node:fs';
import path from 'node:path';
import type { BagFormat } from '../../../shared/bag.js';
import { SatchelError, formatBytes } from '../common/index.js';
import type { CatalogModel, Table } from './model.js';
import { requireUtf8 } from './utf8.js';

/** A catalog's schema document runs to a few megabytes; parsing one costs about ten times its size. */
export const MAX_SCHEMA_BYTES = 32 * 1024 * 1024;

/** Where things are inside a bag directory, found without reading any CSV. */

export interface CsvSource {
  /** Bag-relative path, e.g. data/hematology/Image.csv. */
  path: string;
  table: Table;
  size: number;
  mtimeMs: number;
}

/** Finds the bag root: the directory itself, or the single Dataset_* bag inside it. */
export function findBagRoot(input: string): string {
  const stat = statOrNull(input);
  if (!stat) throw new SatchelError('not-a-bag', `${input} does not exist.`, input);
  if (!stat.isDirectory())
    throw new SatchelError('not-a-bag', `${input} is neither a bag folder nor a .zip file.`, input);
  if (looksLikeBag(input)) return input;
  const inner = fs
    .readdirSync(input, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && looksLikeBag(path.join(input, entry.name)));
  if (inner.length === 1) return path.join(input, inner[0]!.name);
  throw new SatchelError(
    'not-a-bag',
    `${input} is not a bag: it has no bagit.txt and no data/schema.json.`,
    input,
  );
}

function looksLikeBag(dir: string): boolean {
  return ['bagit.txt', 'data/schema.json', 'bag-info.txt'].some((name) =>
    fs.existsSync(path.join(dir, name)),
  );
}

/** bagit.txt must exist and declare a BagIt version and the UTF-8 tag encoding. */
export function checkBagitDeclaration(bagDir: string): void {
  const file = path.join(bagDir, 'bagit.txt');
  if (!fs.existsSync(file)) {
    throw new SatchelError(
      'missing-bagit',
      `${file} is missing, so this folder is not a BagIt bag.`,
      'bagit.txt',
    );
  }
  const text = fs.readFileSync(file, 'utf8');
  const version = /^BagIt-Version:\s*(\d+\.\d+)\s*$/m.exec(text);
  const encoding = /^Tag-File-Character-Encoding:\s*(\S+)\s*$/m.exec(text);
  if (!version || !encoding) {
    throw new SatchelError(
      'bad-bagit',
      `${file} must declare "BagIt-Version: N.N" and "Tag-File-Character-Encoding".`,
      'bagit.txt',
    );
  }
  if (encoding[1]!.toUpperCase() !== 'UTF-8') {
    throw new SatchelError(
      'bad-bagit',
      `${file} declares the encoding ${encoding[1]}; Satchel reads UTF-8 bags only.`,
      'bagit.txt',
    );
  }
}

export function readSchemaText(bagDir: string): string {
  const file = path.join(bagDir, 'data', 'schema.json');
  if (!fs.existsSync(file)) {
    throw new SatchelError(
      'missing-schema',
      `${file} is missing; a DerivaML bag carries the catalog schema there.`,
      'data/schema.json',
    );
  }
  const size = fs.statSync(file).size;
  if (size > MAX_SCHEMA_BYTES) {
    throw new SatchelError(
      'bad-schema',
      `${file} is ${formatBytes(size)}, over the limit of ${formatBytes(MAX_SCHEMA_BYTES)}.`,
      'data/schema.json',
    );
  }
  const bytes = fs.readFileSync(file);
  requireUtf8(bytes, file);
  return bytes.toString('utf8');
}

/** The dataset RID from the bag folder name `Dataset_<RID>`, or null for a renamed folder. */
export function ridFromFolder(bagDir: string): string | null {
  const match = /^Dataset_([A-Za-z0-9-]+)$/.exec(path.basename(bagDir));
  return match ? match[1]! : null;
}

/**
 * Every table CSV under data/ (asset files excluded), with its table. Format B keeps one
 * `data/<schema>/<Table>.csv` per table; anything else (legacy per-FK-path CSVs) is Format A.
 */
export function findCsvSources(
  bagDir: string,
  model: CatalogModel,
): { sources: CsvSource[]; format: BagFormat } {
  const sources: CsvSource[] = [];
  let formatB = true;
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(bagDir, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isSymbolicLink()) {
        throw new SatchelError(
          'unsafe-path',
          `${child} is a symbolic link; Satchel never follows links inside a bag.`,
          child,
        );
      }
      if (entry.isDirectory()) {
        if (child !== 'data/asset') walk(child);
        continue;
      }
      if (!entry.isFile() || !entry.name.toLowerCase().endsWith('.csv')) continue;
      const segments = child.split('/');
      const stem = entry.name.slice(0, -4);
      const schemaFolder = segments.length === 3 ? segments[1]! : null;
      const table = (schemaFolder && model.table(`${schemaFolder}:${stem}`)) || model.resolve(stem);
      if (!table) {
        throw new SatchelError(
          'unknown-table',
          `${child} names the table "${stem}", which data/schema.json does not define.`,
          child,
        );
      }
      if (schemaFolder !== table.schema || segments.length !== 3) formatB = false;
      const stat = fs.statSync(path.join(bagDir, child));
      sources.push({ path: child, table, size: stat.size, mtimeMs: stat.mtimeMs });
    }
  };
  if (fs.existsSync(path.join(bagDir, 'data'))) walk('data');
  sources.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { sources, format: formatB ? 'B' : 'A' };
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}
