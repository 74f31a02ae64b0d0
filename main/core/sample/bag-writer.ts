import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { safeRelativePath } from '../common/index.js';

/** A cell as ERMrest writes it to CSV: null is an empty field, arrays are PostgreSQL literals. */
export type CsvCell = string | number | boolean | null | readonly string[];

export interface BagTable {
  schema: string;
  table: string;
  columns: readonly string[];
  rows: readonly (readonly CsvCell[])[];
}

export interface BagAsset {
  /** Bag-relative, e.g. data/asset/<RID>/Image/<Filename>. */
  path: string;
  /** The catalog URL fetch.txt records for it. */
  url: string;
  bytes: Uint8Array;
}

export interface FormatBBag {
  /** The ERMrest /schema document, written verbatim as data/schema.json. */
  schema: unknown;
  tables: readonly BagTable[];
  assets: readonly BagAsset[];
  /** bag-info.txt lines before the computed Payload-Oxum. */
  bagInfo?: Record<string, string>;
}

export const DERIVA_BAG_PROFILE =
  'https://raw.githubusercontent.com/informatics-isi-edu/deriva-py/deriva-ml/deriva/bag/profiles/deriva-bag-profile.json';

/**
 * Writes a Format B DerivaML bag into the empty or absent folder `bagDir`, the way deriva-py + bdbag
 * lay it out: bagit.txt, data/schema.json, one data/<schema>/<Table>.csv per table, the asset files
 * with their fetch.txt lines, md5 and sha256 manifests and tag manifests, and bag-info.txt with
 * Payload-Oxum. A holey bag (`materialized: false`) lists its assets in fetch.txt and the manifests
 * but leaves the files out, as a fresh download does.
 */
export function writeFormatBBag(
  bagDir: string,
  bag: FormatBBag,
  options: { materialized?: boolean } = {},
): void {
  const files = new Map<string, Uint8Array>();
  files.set('data/schema.json', Buffer.from(JSON.stringify(bag.schema, null, 2)));
  for (const table of bag.tables)
    files.set(`data/${table.schema}/${table.table}.csv`, Buffer.from(csvText(table.columns, table.rows)));
  writeBagIt(bagDir, {
    files,
    assets: bag.assets,
    bagInfo: bag.bagInfo ?? {},
    algorithms: ['md5', 'sha256'],
    ...options,
  });
}

export interface BagItContent {
  /** Payload files other than assets, by bag-relative path (data/...). */
  files: Map<string, Uint8Array>;
  assets: readonly BagAsset[];
  /** bag-info.txt lines before the computed Payload-Oxum. */
  bagInfo: Record<string, string>;
  algorithms: readonly ('md5' | 'sha256')[];
  /** False leaves the asset files out (they stay in fetch.txt and the manifests). Default true. */
  materialized?: boolean;
}

/** A BagIt 0.97 bag as bdbag writes it: payload, fetch.txt, bag-info.txt, manifests and tag manifests. */
export function writeBagIt(bagDir: string, content: BagItContent): void {
  const payload = new Map(content.files);
  const assetPaths = new Set<string>();
  for (const asset of content.assets) {
    const relative = safeRelativePath(asset.path, 'An asset of the bag');
    payload.set(relative, asset.bytes);
    assetPaths.add(relative);
  }
  const write = (relative: string, bytes: string | Uint8Array) => {
    const file = path.join(bagDir, ...relative.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, bytes);
  };
  write('bagit.txt', 'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n');
  const files = [...payload.keys()].sort();
  let bytes = 0;
  for (const file of files) {
    if (content.materialized !== false || !assetPaths.has(file)) write(file, payload.get(file)!);
    bytes += payload.get(file)!.length;
  }
  write(
    'fetch.txt',
    content.assets
      .map((asset) => `${asset.url}\t${asset.bytes.length}\t${escapeBagitPath(asset.path)}\n`)
      .join(''),
  );
  const info = { ...content.bagInfo, 'Payload-Oxum': `${bytes}.${files.length}` };
  write(
    'bag-info.txt',
    Object.entries(info)
      .map(([key, value]) => `${key}: ${value}\n`)
      .join(''),
  );
  for (const algorithm of content.algorithms) {
    write(
      `manifest-${algorithm}.txt`,
      files.map((file) => `${digest(algorithm, payload.get(file)!)}  ${escapeBagitPath(file)}\n`).join(''),
    );
  }
  const tagFiles = [
    'bag-info.txt',
    'bagit.txt',
    'fetch.txt',
    ...content.algorithms.map((a) => `manifest-${a}.txt`),
  ];
  for (const algorithm of content.algorithms) {
    const lines = tagFiles.map(
      (file) => `${digest(algorithm, fs.readFileSync(path.join(bagDir, file)))} ${file}\n`,
    );
    write(`tagmanifest-${algorithm}.txt`, lines.join(''));
  }
}

/** ERMrest CSV: a header, LF line ends, fields quoted only when needed, `""` for an empty string. */
export function csvText(columns: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) {
    if (row.length !== columns.length) {
      throw new Error(
        `A CSV row has ${row.length} cells for ${columns.length} columns (${columns.join(', ')}).`,
      );
    }
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function csvField(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell === 'boolean') return cell ? 't' : 'f';
  const text = typeof cell === 'number' ? String(cell) : typeof cell === 'string' ? cell : pgArray(cell);
  if (text === '') return '""';
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A PostgreSQL array literal, e.g. `{PMN,"Segmented neutrophil"}`. */
export function pgArray(items: readonly string[]): string {
  const element = (item: string) =>
    item === '' || /[{},"\\\s]/.test(item) || item.toUpperCase() === 'NULL'
      ? `"${item.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
      : item;
  return `{${items.map(element).join(',')}}`;
}

/** RFC 8493 escapes only %, CR and LF in the paths of manifests and fetch.txt. */
function escapeBagitPath(relative: string): string {
  return relative.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function digest(algorithm: string, content: Uint8Array): string {
  return crypto.createHash(algorithm).update(content).digest('hex');
}
