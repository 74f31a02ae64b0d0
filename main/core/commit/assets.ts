import crypto from 'node:crypto';
import fs from 'node:fs';
import type { RecordValues } from '../../../shared/labels.js';
import type { CatalogModel, FeatureTable, Table } from '../bag/index.js';
import { anyOf, hatracPath, type Row, type TableRef } from '../catalog/index.js';
import { describeIoError, groupBy, rendererContentType, SatchelError } from '../common/index.js';
import { parseStagedFileReference, type StagedFile } from '../regions/index.js';
import { existingTerms, type Drift } from './drift.js';
import type { CommitFile, CommitRow, FileKey } from './journal.js';
import type { StepContext } from './steps.js';

/**
 * Asset-valued features: a draft whose asset column names a staged file (a region drawing, or a file
 * attached with `satchel label --file`) is committed as deriva-ml commits an execution's output asset
 * (deriva-ml: execution/bag_commit.py, `_add_asset_rows_to_bag`; core/upload_layout.py):
 * 1. the bytes go to Hatrac at `/hatrac/<AssetTable>/<md5>.<filename>` with the chunked job protocol
 *    and Content-MD5, after a HEAD that skips bytes already there (same name and MD5: the same object);
 * 2. the asset row {RID (leased), URL, Filename, Length, MD5 (hex), Description}, or the existing row
 *    with that URL (deriva-ml's loader matches asset rows by URL);
 * 3. its `<Asset>_Asset_Type` rows: the type named after the table (asset_file_path's default) and
 *    Output_File, which deriva-ml adds to every output;
 * 4. its `<Asset>_Execution` row with Asset_Role Output;
 * and then the feature row carries the asset's RID. Each file has its own journal entry, written
 * before a request about it is sent and advanced once the catalog answered, so a commit killed at any
 * point finishes without a second object, row or link. Identical bytes under the same name are one file.
 */

const ML = 'deriva-ml';
/** deriva-ml tags every file an execution uploads with this Asset_Type (ExecAssetType.output_file). */
const OUTPUT_FILE_TYPE = 'Output_File';
/** Columns Satchel fills in an asset row; any other column it must leave to the catalog's default. */
const ASSET_ROW_COLUMNS = new Set([
  'RID',
  'RCT',
  'RMT',
  'RCB',
  'RMB',
  'URL',
  'Filename',
  'Length',
  'MD5',
  'Description',
]);
const LOOKUP_CHUNK = 200;

const keyOf = (file: FileKey) => `${file.assetTable}\u0000${file.sha256}\u0000${file.filename}`;
const refOf = (table: { schema: string; name: string }): TableRef => ({
  schema: table.schema,
  table: table.name,
});

/** A staged file an unsent row names in one of its asset columns. */
interface NeededFile {
  file: StagedFile;
  assetTable: Table;
  feature: FeatureTable;
  column: string;
  target: string;
}

function neededFiles(features: ReadonlyMap<string, FeatureTable>, rows: readonly CommitRow[]): NeededFile[] {
  const needed: NeededFile[] = [];
  for (const row of rows) {
    if (row.inserted) continue;
    const feature = features.get(row.feature);
    for (const { column, assetTable } of feature?.assetColumns ?? []) {
      const file = parseStagedFileReference(row.values[column]);
      if (file) needed.push({ file, assetTable, feature: feature!, column, target: row.target });
    }
  }
  return needed;
}

/**
 * What keeps rows with staged files from being committed, found before anything is sent: an asset
 * table the catalog no longer has, or one with a required column that a file cannot fill.
 */
export function assetDrift(
  live: CatalogModel,
  features: ReadonlyMap<string, FeatureTable>,
  rows: readonly CommitRow[],
): Drift[] {
  const drift: Drift[] = [];
  for (const needed of neededFiles(features, rows)) {
    const table = live.table(needed.assetTable.qualified);
    const required = table?.columns.find(
      (column) => !ASSET_ROW_COLUMNS.has(column.name) && !column.nullok && column.default === null,
    );
    const reason = !table
      ? `the catalog no longer has the asset table ${needed.assetTable.qualified}.`
      : required
        ? `${table.qualified} requires ${required.name}, which a file committed from Satchel does not give.`
        : null;
    if (reason) drift.push({ feature: needed.feature.table.qualified, target: needed.target, reason });
  }
  return drift;
}

/**
 * Plans the files of a commit's unsent rows, before any request about them: each is read from the
 * workspace store once, checked against its sha256 name, and journaled with its MD5, length and Hatrac
 * name. Files planned earlier but no longer named by any unsent row (their draft changed) are dropped
 * until their upload is recorded as done (bytes a dropped file left in Hatrac are found by the HEAD
 * before an upload if it comes back). A missing or damaged file is one sentence, and nothing is sent.
 */
export function planAssets(context: StepContext, commitId: number): void {
  const { journal } = context;
  const needed = neededFiles(context.features, journal.rows(commitId));
  const planned = new Map(journal.files(commitId).map((file) => [keyOf(file), file]));
  const wanted = new Map<string, NeededFile[]>();
  for (const entry of needed) {
    const key = keyOf({ assetTable: entry.assetTable.qualified, ...entry.file });
    wanted.set(key, [...(wanted.get(key) ?? []), entry]);
  }
  journal.dropFiles(
    commitId,
    [...planned.values()].filter((file) => file.state === 'planned' && !wanted.has(keyOf(file))),
  );
  const fresh: Omit<CommitFile, 'job' | 'assetRid' | 'state'>[] = [];
  for (const [key, uses] of wanted) {
    if (planned.has(key)) continue;
    const { file, assetTable } = uses[0]!;
    const { md5, length } = readStaged(context, file, uses[0]!);
    fresh.push({
      assetTable: assetTable.qualified,
      sha256: file.sha256,
      filename: file.filename,
      store: file.store,
      md5,
      length,
      // The name is quoted as one Hatrac path segment: deriva-ml's template leaves it raw, which
      // Hatrac refuses for names with spaces, quotes or brackets.
      url: hatracPath(assetTable.name, `${md5}.${file.filename}`),
      description: describeFile(context, uses),
    });
  }
  journal.planFiles(commitId, fresh);
}

function readStaged(
  context: StepContext,
  file: StagedFile,
  use: NeededFile,
): { md5: string; length: number } {
  const where = `${use.feature.target.name} ${use.target}`;
  if (!context.staged)
    throw new SatchelError(
      'missing-file',
      `The file ${file.filename} of ${where} is in no workspace folder, so it cannot be committed.`,
    );
  const path = context.staged.pathOf(file);
  let hashed: { md5: string; sha256: string; length: number };
  try {
    hashed = hashFile(path);
  } catch (error) {
    const described = describeIoError(error, path);
    throw described instanceof SatchelError
      ? new SatchelError(
          described.kind,
          `The file ${file.filename} of ${where} cannot be committed: ${described.message}`,
          path,
        )
      : described;
  }
  if (hashed.sha256 !== file.sha256)
    throw new SatchelError(
      'checksum-mismatch',
      `The file ${file.filename} of ${where} cannot be committed: the workspace copy ${path} was changed or damaged (its sha256 is not its name).`,
      path,
    );
  return { md5: hashed.md5, length: hashed.length };
}

/** MD5 and sha256 (hex) of a file read once, a megabyte at a time: attached files go up to 1 GiB. */
function hashFile(path: string): { md5: string; sha256: string; length: number } {
  const md5 = crypto.createHash('md5');
  const sha256 = crypto.createHash('sha256');
  const buffer = Buffer.alloc(1024 * 1024);
  const fd = fs.openSync(path, 'r');
  let length = 0;
  try {
    for (let read = fs.readSync(fd, buffer); read > 0; read = fs.readSync(fd, buffer)) {
      md5.update(buffer.subarray(0, read));
      sha256.update(buffer.subarray(0, read));
      length += read;
    }
  } finally {
    fs.closeSync(fd);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex'), length };
}

function describeFile(context: StepContext, uses: NeededFile[]): string {
  const [{ file, feature, column, target }] = uses as [NeededFile, ...NeededFile[]];
  const more = uses.length > 1 ? ` and ${uses.length - 1} more` : '';
  if (file.store === 'regions') {
    const filename = context.bag.row(feature.target.qualified, target)?.Filename;
    const image = typeof filename === 'string' && filename !== '' ? `${filename} (${target})` : target;
    return `Regions drawn in Satchel on ${feature.target.name} ${image}${more}.`;
  }
  return `${file.filename}, attached in Satchel as ${column} of ${feature.target.name}/${feature.name} for ${feature.target.name} ${target}${more}.`;
}

/**
 * Uploads the planned files and makes their asset rows, types and Execution links, each phase for
 * all files of a table at once and recorded as soon as the catalog answers.
 */
export async function commitAssets(
  context: StepContext,
  commitId: number,
  execution: string,
  progress: (step: 'assets', done: number, total: number) => void,
): Promise<void> {
  const { client, journal, signal } = context;
  const files = () => journal.files(commitId);
  const total = files().length;
  let done = files().filter((file) => file.state !== 'planned').length;
  for (const file of files().filter((candidate) => candidate.state === 'planned')) {
    progress('assets', done, total);
    await client.hatrac.putObject(
      file.url,
      { file: context.staged!.pathOf(file) },
      {
        md5: file.md5,
        sha256: Buffer.from(file.sha256, 'hex').toString('base64'),
        // Always Hatrac's chunked job protocol, resumable from the last acknowledged chunk.
        chunkThreshold: 0,
        chunkSize: context.chunkSize,
        skipIfPresent: true,
        contentType: rendererContentType(file.filename),
        filename: file.filename,
        parents: true,
        resume: file.job,
        onJob: (job) => journal.saveJob(commitId, file, job),
        signal,
      },
    );
    journal.markFiles(commitId, [file], 'uploaded');
    progress('assets', ++done, total);
  }
  const live = await client.schema(null, { signal });
  for (const [assetTable, group] of groupBy(
    files().filter((file) => file.state === 'uploaded'),
    (file) => file.assetTable,
  ))
    await insertAssetRows(context, commitId, live.table(assetTable)!, group);
  for (const [assetTable, group] of groupBy(
    files().filter((file) => file.state === 'inserted'),
    (file) => file.assetTable,
  )) {
    await typeAssets(context, live, live.table(assetTable)!, group);
    journal.markFiles(commitId, group, 'typed');
  }
  for (const [assetTable, group] of groupBy(
    files().filter((file) => file.state === 'typed'),
    (file) => file.assetTable,
  )) {
    await linkAssets(context, live, live.table(assetTable)!, group, execution);
    journal.markFiles(commitId, group, 'linked');
  }
}

/**
 * The asset rows of uploaded files: RIDs leased (and kept) first; a row the catalog already has with
 * the same URL (an earlier commit of the same bytes and name, or this one's own insert whose answer
 * was lost) is taken as it is; the rest are inserted with their leased RIDs.
 */
async function insertAssetRows(
  context: StepContext,
  commitId: number,
  table: Table,
  group: CommitFile[],
): Promise<void> {
  const { client, journal, signal } = context;
  const unleased = group.filter((file) => !file.assetRid);
  if (unleased.length > 0) {
    const rids = await client.leaseRids(unleased.length, { signal });
    journal.assignFileRids(
      commitId,
      unleased.map((file, index) => ({ ...file, rid: rids[index]! })),
    );
  }
  const files = journal.files(commitId).filter((file) => group.some((one) => keyOf(one) === keyOf(file)));
  const existing = await ridsByUrl(
    context,
    table,
    files.map((file) => file.url),
  );
  const missing = files.filter((file) => !existing.has(file.url));
  if (missing.length > 0) {
    await client.insert(
      refOf(table),
      missing.map((file) => ({
        RID: file.assetRid,
        URL: file.url,
        Filename: file.filename,
        Length: file.length,
        MD5: file.md5,
        ...(table.columnByName.has('Description') ? { Description: file.description } : {}),
      })),
      { nondefaults: ['RID'], onConflictSkip: true, idempotent: true, signal },
    );
    // A row with the same URL made meanwhile by someone else is skipped by the insert: take its RID.
    for (const [url, rid] of await ridsByUrl(
      context,
      table,
      missing.map((file) => file.url),
    ))
      existing.set(url, rid);
  }
  for (const file of files) {
    const rid = existing.get(file.url);
    if (!rid)
      throw new SatchelError(
        'bad-value',
        `The catalog did not keep the ${table.qualified} row of ${file.filename}, so its feature row cannot point at it.`,
      );
    if (rid === file.assetRid) journal.link(commitId, table.qualified, rid);
    else journal.assignFileRids(commitId, [{ ...file, rid }]);
  }
  journal.markFiles(commitId, files, 'inserted');
}

async function ridsByUrl(context: StepContext, table: Table, urls: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let start = 0; start < urls.length; start += LOOKUP_CHUNK) {
    const rows = await context.client.attributes(
      {
        table: refOf(table),
        path: [anyOf('URL', urls.slice(start, start + LOOKUP_CHUNK))],
        columns: ['RID', 'URL'],
      },
      { signal: context.signal },
    );
    for (const row of rows) found.set(String(row.URL), String(row.RID));
  }
  return found;
}

/** `<Asset>_Asset_Type` rows: the table's own type and Output_File, where the vocabulary has them. */
async function typeAssets(
  context: StepContext,
  live: CatalogModel,
  table: Table,
  group: CommitFile[],
): Promise<void> {
  const link = linkTable(live, table, `${ML}:Asset_Type`);
  if (!link) return;
  const wanted = [table.name, OUTPUT_FILE_TYPE];
  const types = await existingTerms(context.client, live, `${ML}:Asset_Type`, wanted, context.signal);
  // A reused asset row was typed by the commit that made it: only missing pairs are inserted, as
  // deriva-ml's loader matches `<Asset>_Asset_Type` rows by (asset, type).
  const typed = new Set<string>();
  const rids = group.map((file) => file.assetRid!);
  for (let start = 0; start < rids.length; start += LOOKUP_CHUNK) {
    const rows = await context.client.attributes(
      {
        table: refOf(link.table),
        path: [anyOf(link.assetColumn, rids.slice(start, start + LOOKUP_CHUNK))],
        columns: [link.assetColumn, link.otherColumn],
      },
      { signal: context.signal },
    );
    for (const row of rows)
      typed.add(`${String(row[link.assetColumn])}\u0000${String(row[link.otherColumn])}`);
  }
  const rows: Row[] = group.flatMap((file) =>
    wanted
      .filter((type) => types.has(type) && !typed.has(`${file.assetRid}\u0000${type}`))
      .map((type) => ({ [link.assetColumn]: file.assetRid, [link.otherColumn]: type })),
  );
  if (rows.length > 0)
    await context.client.insert(refOf(link.table), rows, {
      onConflictSkip: true,
      idempotent: true,
      signal: context.signal,
    });
}

/** `<Asset>_Execution` rows: the files are this execution's output (Asset_Role Output). */
async function linkAssets(
  context: StepContext,
  live: CatalogModel,
  table: Table,
  group: CommitFile[],
  execution: string,
): Promise<void> {
  const link = linkTable(live, table, `${ML}:Execution`);
  if (!link) return;
  const rows = group.map((file) => {
    const row: Row = { [link.assetColumn]: file.assetRid, [link.otherColumn]: execution };
    if (link.table.columnByName.has('Asset_Role')) row.Asset_Role = 'Output';
    return row;
  });
  await context.client.insert(refOf(link.table), rows, {
    onConflictSkip: true,
    idempotent: true,
    signal: context.signal,
  });
}

/**
 * The association between an asset table and `other` (deriva-ml's `find_association`): a table with a
 * two-column key whose columns reference the asset's RID and `other`; `<Asset>_<Other>` when several do.
 */
function linkTable(
  live: CatalogModel,
  asset: Table,
  other: string,
): { table: Table; assetColumn: string; otherColumn: string } | null {
  const [otherSchema, otherName] = other.split(':') as [string, string];
  const found: { table: Table; assetColumn: string; otherColumn: string }[] = [];
  for (const table of live.tables.values()) {
    for (const key of table.keys) {
      if (key.length !== 2) continue;
      const ends = key.map((column) => ({ column, fk: live.foreignKeyOf(table, column) }));
      const assetEnd = ends.find(
        (end) =>
          end.fk?.schema === asset.schema &&
          end.fk.table === asset.name &&
          end.fk.referencedColumns[0] === 'RID',
      );
      const otherEnd = ends.find(
        (end) => end !== assetEnd && end.fk?.schema === otherSchema && end.fk.table === otherName,
      );
      if (assetEnd && otherEnd)
        found.push({ table, assetColumn: assetEnd.column, otherColumn: otherEnd.column });
    }
  }
  return found.find((entry) => entry.table.name === `${asset.name}_${otherName}`) ?? found[0] ?? null;
}

/**
 * A row's values as the catalog gets them: every staged file replaced by the RID of its asset row.
 * Null when a file of the row has not been committed yet.
 */
export function withAssetRids(
  context: StepContext,
  files: readonly CommitFile[],
  row: CommitRow,
): RecordValues | null {
  const feature = context.features.get(row.feature)!;
  const values: RecordValues = { ...row.values };
  for (const { column, assetTable } of feature.assetColumns) {
    const file = parseStagedFileReference(values[column]);
    if (!file) continue;
    const committed = files.find(
      (candidate) =>
        candidate.state === 'linked' &&
        keyOf(candidate) === keyOf({ assetTable: assetTable.qualified, ...file }),
    );
    if (!committed?.assetRid) return null;
    values[column] = committed.assetRid;
  }
  return values;
}
