import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CsvParser, type CsvField, type Table } from '../bag/index.js';
import { SatchelError, safeRelativePath } from '../common/index.js';
import { anyOf } from '../catalog/index.js';
import { ref } from './datasets.js';
import type { BagPlan } from './plan.js';
import type { ReachedRows } from './reach.js';

export const DERIVA_BAG_PROFILE =
  'https://raw.githubusercontent.com/informatics-isi-edu/deriva-py/deriva-ml/deriva/bag/profiles/deriva-bag-profile.json';
const SOFTWARE_AGENT = 'Satchel (deriva-ml Format B bag writer)';
/** deriva-ml fetches reached rows as `RID=any(…)` in chunks of about 500 (deriva-bags.md §10.2). */
const RID_CHUNK = 500;
/** deriva-py's paged queries use pages of 100000 rows. */
const VOCABULARY_PAGE = 100_000;

/** One asset the bag lists in fetch.txt. */
export interface AssetEntry {
  url: string;
  length: number;
  /** Bag-relative: data/asset/<RID>/<Table>/<Filename>. */
  path: string;
  md5: string;
}

export interface WrittenBag {
  /** Rows written per table ("schema:Table"); tables with no rows have no CSV and are absent. */
  tables: Record<string, number>;
  assets: AssetEntry[];
}

export type TableProgress = (done: number, total: number, table: string) => void;

interface LocalFile {
  path: string;
  bytes: number;
  md5: string;
  sha256: string;
}

/**
 * Writes the holey Format B bag of a plan into `bagDir` (deriva-bags.md §5): data/schema.json as
 * served, one CSV per reached table with rows (vocabularies whole, other tables `RID=any(…)` chunks
 * under one header), fetch.txt for the assets, md5 and sha256 manifests (assets in the md5 manifest
 * only, since the catalog records only their MD5, as in real deriva-py bags), tag manifests, and an
 * idempotent bag-info.txt (no Bagging-Date).
 */
export async function writeHoleyBag(
  plan: BagPlan,
  reached: ReachedRows,
  bagDir: string,
  options: { signal?: AbortSignal; onTable?: TableProgress } = {},
): Promise<WrittenBag> {
  const local: LocalFile[] = [writeLocal(bagDir, 'data/schema.json', [plan.schemaBytes])];
  const tables: Record<string, number> = {};
  const assets: AssetEntry[] = [];
  let done = 0;
  for (const table of reached.tables) {
    options.onTable?.(done++, reached.tables.length, table.qualified);
    const chunks =
      table.kind === 'vocabulary'
        ? vocabularyCsv(plan, table, options.signal)
        : reachedCsv(plan, table, reached.rids.get(table.qualified) ?? [], options.signal);
    const relative = `data/${table.schema}/${table.name}.csv`;
    const csv = await writeCsv(chunks, table, bagDir, relative, table.kind === 'asset');
    if (!csv.file) continue;
    local.push(csv.file);
    tables[table.qualified] = csv.count;
    if (table.kind === 'asset') assets.push(...assetEntries(plan, table, csv.header, csv.records));
  }
  options.onTable?.(done, reached.tables.length, '');
  writeTagFiles(bagDir, local, assets);
  return { tables, assets };
}

async function* vocabularyCsv(plan: BagPlan, table: Table, signal?: AbortSignal): AsyncGenerator<Buffer> {
  yield* plan.client.csvPages(
    'entity',
    { table: ref(table), sort: ['RID'] },
    { pageSize: VOCABULARY_PAGE, signal },
  );
}

async function* reachedCsv(
  plan: BagPlan,
  table: Table,
  rids: readonly string[],
  signal?: AbortSignal,
): AsyncGenerator<Buffer> {
  for (let start = 0; start < rids.length; start += RID_CHUNK) {
    yield await plan.client.csv(
      'entity',
      { table: ref(table), path: [anyOf('RID', rids.slice(start, start + RID_CHUNK))], sort: ['RID'] },
      { signal },
    );
  }
}

/**
 * Writes CSV responses as one file under the first one's header; the file is created only once a
 * record arrives. Records are counted, and kept when `keep` (assets need theirs for fetch.txt).
 */
async function writeCsv(
  chunks: AsyncIterable<Buffer>,
  table: Table,
  bagDir: string,
  relative: string,
  keep: boolean,
): Promise<{ file: LocalFile | null; count: number; header: string[]; records: CsvField[][] }> {
  let header: string[] | null = null;
  let headerText = '';
  let writer: LocalWriter | null = null;
  let count = 0;
  const records: CsvField[][] = [];
  try {
    for await (const chunk of chunks) {
      const split = splitHeader(chunk.toString('utf8'));
      const columns = parseRecord(split.header, table);
      if (header === null) {
        header = columns;
        headerText = split.header;
      } else if (columns.join(',') !== header.join(',')) {
        throw new SatchelError(
          'csv-header',
          `The server sent ${table.qualified} with two different CSV headers.`,
        );
      }
      if (split.rest.length === 0) continue;
      const rest = split.rest.endsWith('\n') ? split.rest : `${split.rest}\n`;
      const parser = new CsvParser(`CSV of ${table.qualified}`, (fields) => {
        count += 1;
        if (keep) records.push(fields);
      });
      parser.push(rest);
      parser.finish();
      writer ??= new LocalWriter(bagDir, relative, Buffer.from(headerText, 'utf8'));
      writer.write(Buffer.from(rest, 'utf8'));
    }
  } catch (error) {
    writer?.close();
    throw error;
  }
  return { file: writer?.close() ?? null, count, header: header ?? [], records };
}

/** Splits CSV text after its first record (a quoted field may hold a newline). */
export function splitHeader(text: string): { header: string; rest: string } {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const character = text[i];
    if (character === '"') quoted = !quoted;
    else if (character === '\n' && !quoted) return { header: text.slice(0, i + 1), rest: text.slice(i + 1) };
  }
  return { header: text.length > 0 && !text.endsWith('\n') ? `${text}\n` : text, rest: '' };
}

function parseRecord(line: string, table: Table): string[] {
  let fields: CsvField[] = [];
  const parser = new CsvParser(`CSV header of ${table.qualified}`, (record) => {
    fields = record;
  });
  parser.push(line);
  parser.finish();
  return fields.map((field) => field ?? '');
}

function assetEntries(plan: BagPlan, table: Table, header: string[], records: CsvField[][]): AssetEntry[] {
  const column = (name: string) => header.indexOf(name);
  const [rid, url, length, md5, filename] = ['RID', 'URL', 'Length', 'MD5', 'Filename'].map(column) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const entries: AssetEntry[] = [];
  for (const record of records) {
    const rowRid = record[rid] ?? '';
    const rowUrl = record[url];
    if (!rowUrl) continue;
    const rowLength = record[length];
    const rowMd5 = record[md5];
    if (!rowLength || !/^\d+$/.test(rowLength) || !rowMd5 || !/^[0-9a-fA-F]{32}$/.test(rowMd5)) {
      throw new SatchelError(
        'bad-value',
        `Asset ${rowRid} of ${table.qualified} lacks a valid Length or MD5, so its file cannot be checked.`,
      );
    }
    const name = (filename >= 0 ? record[filename] : null) || urlFileName(rowUrl);
    entries.push({
      url: absoluteUrl(rowUrl, plan.client.url.origin),
      length: Number(rowLength),
      path: assetPath(rowRid, table, name),
      md5: rowMd5.toLowerCase(),
    });
  }
  return entries;
}

/** data/asset/<RID>/<Table>/<Filename>, refusing names that would leave that folder. */
function assetPath(rid: string, table: Table, filename: string): string {
  const candidate = `data/asset/${rid}/${table.name}/${filename}`;
  const unsafe = () =>
    new SatchelError(
      'unsafe-path',
      `Asset ${rid} of ${table.qualified} names the file "${filename}", which cannot be a file name inside the bag.`,
      candidate,
    );
  if (/[/\\]/.test(filename) || filename === '.' || filename === '..' || /[/\\]/.test(rid)) throw unsafe();
  try {
    if (safeRelativePath(candidate, 'An asset') !== candidate) throw unsafe();
  } catch (error) {
    if (error instanceof SatchelError) throw unsafe();
    throw error;
  }
  return candidate;
}

/** deriva-py's fallback: the URL's last segment, cut at the Hatrac version `:`. */
function urlFileName(url: string): string {
  const last = url.split('?')[0]!.split('/').pop() ?? '';
  const name = last.split(':')[0]!;
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

function absoluteUrl(url: string, origin: string): string {
  return new URL(url, `${origin}/`).href;
}

function writeLocal(bagDir: string, relative: string, parts: readonly Buffer[]): LocalFile {
  const writer = new LocalWriter(bagDir, relative);
  for (const part of parts) writer.write(part);
  return writer.close();
}

/** A payload file written piece by piece, hashed on the way. */
class LocalWriter {
  private readonly fd: number;
  private readonly md5 = crypto.createHash('md5');
  private readonly sha256 = crypto.createHash('sha256');
  private bytes = 0;
  private result: LocalFile | null = null;

  constructor(
    bagDir: string,
    private readonly relative: string,
    first?: Buffer,
  ) {
    const file = path.join(bagDir, ...relative.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'w');
    if (first) this.write(first);
  }

  write(part: Buffer): void {
    fs.writeSync(this.fd, part);
    this.md5.update(part);
    this.sha256.update(part);
    this.bytes += part.length;
  }

  close(): LocalFile {
    if (!this.result) {
      fs.closeSync(this.fd);
      this.result = {
        path: this.relative,
        bytes: this.bytes,
        md5: this.md5.digest('hex'),
        sha256: this.sha256.digest('hex'),
      };
    }
    return this.result;
  }
}

function writeTagFiles(bagDir: string, local: readonly LocalFile[], assets: readonly AssetEntry[]): void {
  const write = (name: string, text: string) => fs.writeFileSync(path.join(bagDir, name), text);
  write('bagit.txt', 'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n');
  const bytes =
    local.reduce((sum, file) => sum + file.bytes, 0) + assets.reduce((sum, asset) => sum + asset.length, 0);
  write(
    'bag-info.txt',
    `Bag-Software-Agent: ${SOFTWARE_AGENT}\nBagIt-Profile-Identifier: ${DERIVA_BAG_PROFILE}\nPayload-Oxum: ${bytes}.${local.length + assets.length}\n`,
  );
  const tagFiles = ['bag-info.txt', 'bagit.txt'];
  if (assets.length > 0) {
    write(
      'fetch.txt',
      assets
        .map((asset) => `${escapeFetchUrl(asset.url)}\t${asset.length}\t${escapeBagitPath(asset.path)}\n`)
        .join(''),
    );
    tagFiles.push('fetch.txt');
  }
  const line = (hex: string, relative: string) => `${hex}  ${escapeBagitPath(relative)}\n`;
  write(
    'manifest-md5.txt',
    [
      ...local.map((file) => line(file.md5, file.path)),
      ...assets.map((asset) => line(asset.md5, asset.path)),
    ].join(''),
  );
  write('manifest-sha256.txt', local.map((file) => line(file.sha256, file.path)).join(''));
  tagFiles.push('manifest-md5.txt', 'manifest-sha256.txt');
  for (const algorithm of ['md5', 'sha256']) {
    const lines = tagFiles.map(
      (name) =>
        `${crypto
          .createHash(algorithm)
          .update(fs.readFileSync(path.join(bagDir, name)))
          .digest('hex')} ${name}\n`,
    );
    write(`tagmanifest-${algorithm}.txt`, lines.join(''));
  }
}

/** BagIt escapes %, CR and LF in manifest and fetch.txt paths. */
function escapeBagitPath(relative: string): string {
  return relative.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** bdbag escapes spaces and tabs in fetch.txt URLs (and CR/LF would break the line). */
function escapeFetchUrl(url: string): string {
  return url.replaceAll(' ', '%20').replaceAll('\t', '%09').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}
