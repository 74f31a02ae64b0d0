import crypto from 'node:crypto';
import { z } from 'zod';
import { CsvParser, parseSchemaDocument, type CatalogModel, type CsvField } from '../bag/index.js';
import { getSession } from './authn.js';
import { CatalogError } from './errors.js';
import { HatracClient } from './hatrac.js';
import { HttpClient, type HttpOptions, type HttpResponse } from './http.js';
import {
  dataPath,
  type Api,
  type DataQuery,
  type Filter,
  type Literal,
  type SortKey,
  type TableRef,
  tableName,
} from './path.js';
import { quote } from './quote.js';
import {
  catalogInfoSchema,
  leaseRowsSchema,
  parseJson,
  rowsSchema,
  type CatalogInfo,
  type Row,
  type Session,
} from './shapes.js';
import { catalogPath, parseCatalogUrl, type CatalogUrl } from './url.js';

export interface CallOptions {
  signal?: AbortSignal;
}

export interface InsertOptions extends CallOptions {
  /** Columns the server fills even when rows carry them (system columns are always added). */
  defaults?: readonly string[];
  /** Columns the server must take from the rows, e.g. `RID` for leased RIDs. */
  nondefaults?: readonly string[];
  /** `onconflict=skip`: rows colliding on a key are dropped; only inserted rows come back. */
  onConflictSkip?: boolean;
  /** Retry the POST on transient failures: safe only when a repeat cannot insert twice (leased RIDs + onConflictSkip). */
  idempotent?: boolean;
}

export interface PageOptions extends CallOptions {
  pageSize?: number;
}

const SYSTEM_COLUMNS = ['RID', 'RCT', 'RMT', 'RCB', 'RMB'];
const LEASE_TABLE: TableRef = { schema: 'public', table: 'ERMrest_RID_Lease' };
/** deriva-ml leases RIDs 500 per request (deriva-protocol.md §10). */
const LEASE_CHUNK = 500;
/** deriva-py's insert batches: at most 1000 rows or about 250 KB per request. */
const INSERT_BATCH_ROWS = 1000;
const INSERT_BATCH_BYTES = 250_000;
const DEFAULT_PAGE_SIZE = 10_000;

/**
 * A typed ERMrest client for one catalog, optionally pinned to a snapshot (`at`). Hatrac is under
 * `hatrac`; the login session under `session()`. All requests share one HttpClient.
 */
export class CatalogClient {
  readonly url: CatalogUrl;
  readonly http: HttpClient;
  readonly hatrac: HatracClient;

  constructor(url: CatalogUrl | string, options: HttpOptions | HttpClient = {}) {
    this.url = typeof url === 'string' ? parseCatalogUrl(url) : url;
    this.http = options instanceof HttpClient ? options : new HttpClient(this.url.origin, options);
    this.hatrac = new HatracClient(this.http);
  }

  /** The same catalog read at `snapshot` (null: the live catalog), sharing the connection settings. */
  at(snapshot: string | null): CatalogClient {
    return new CatalogClient({ ...this.url, snapshot }, this.http);
  }

  /** `/ermrest/catalog/N[@SNAP]`. */
  get path(): string {
    return catalogPath(this.url);
  }

  /** The catalog document; its `snaptime` is the catalog's current snapshot (latest model or data change). */
  async catalogInfo(options: CallOptions = {}): Promise<CatalogInfo> {
    const response = await this.get(this.path, 'application/json', options);
    return parseJson(response, catalogInfoSchema, 'GET', 'a catalog document');
  }

  /** The /schema document exactly as the server sent it (a bag's data/schema.json is these bytes). */
  async schemaBytes(snapshot: string | null = this.url.snapshot, options: CallOptions = {}): Promise<Buffer> {
    const response = await this.get(
      `${catalogPath({ catalog: this.url.catalog, snapshot })}/schema`,
      'application/json',
      options,
    );
    return response.body;
  }

  /** The catalog model at `snapshot` (default: this client's snapshot, else live). */
  async schema(
    snapshot: string | null = this.url.snapshot,
    options: CallOptions = {},
  ): Promise<CatalogModel> {
    const bytes = await this.schemaBytes(snapshot, options);
    return parseModel(bytes, `${catalogPath({ catalog: this.url.catalog, snapshot })}/schema`);
  }

  /** Rows of an entity, attribute, attributegroup or aggregate query, as JSON. */
  async query<T = Row>(
    api: Api,
    query: DataQuery,
    options: CallOptions & { rows?: z.ZodType<T[]> } = {},
  ): Promise<T[]> {
    const response = await this.get(this.path + dataPath(api, query), 'application/json', options);
    return parseJson(response, (options.rows ?? rowsSchema) as z.ZodType<T[]>, 'GET', 'a JSON array of rows');
  }

  entities(query: DataQuery, options: CallOptions = {}): Promise<Row[]> {
    return this.query('entity', query, options);
  }

  attributes(query: DataQuery, options: CallOptions = {}): Promise<Row[]> {
    return this.query('attribute', query, options);
  }

  attributeGroups(query: DataQuery, options: CallOptions = {}): Promise<Row[]> {
    return this.query('attributegroup', query, options);
  }

  /**
   * Pages through a sorted query with `@sort(...)@after(...)?limit=N`. The sort keys must identify
   * a row (end them with RID), or rows that tie across a page boundary are skipped.
   */
  async *pages(api: Api, query: DataQuery, options: PageOptions = {}): AsyncGenerator<Row[]> {
    const sort = requireSort(query);
    const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
    let after: (Literal | null)[] | undefined = query.after ? [...query.after] : undefined;
    for (;;) {
      const page = await this.query(api, { ...query, after, limit }, options);
      if (page.length > 0) yield page;
      if (page.length < limit) return;
      const last = page[page.length - 1]!;
      after = sort.map((key) => literalOf(last[sortColumn(key)]));
    }
  }

  /** A query's rows as ERMrest CSV text (`?accept=csv`), header first. */
  async csv(api: Api, query: DataQuery, options: CallOptions = {}): Promise<Buffer> {
    const response = await this.get(this.path + dataPath(api, query, { accept: 'csv' }), 'text/csv', options);
    return response.body;
  }

  /**
   * Pages of CSV for a sorted query; each page is the server's CSV text including its header line.
   * The `@after` values are read from the last record of each page.
   */
  async *csvPages(api: Api, query: DataQuery, options: PageOptions = {}): AsyncGenerator<Buffer> {
    const sort = requireSort(query);
    const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
    let after: (Literal | null)[] | undefined = query.after ? [...query.after] : undefined;
    for (;;) {
      const page = await this.csv(api, { ...query, after, limit }, options);
      const { header, records, last } = lastCsvRecord(page, this.path);
      if (records > 0) yield page;
      if (records < limit || !last) return;
      after = sort.map((key) => {
        const index = header.indexOf(sortColumn(key));
        if (index < 0)
          throw new CatalogError(
            'bad-response',
            `The CSV from ${this.path} has no column ${sortColumn(key)} to page by.`,
          );
        return last[index] ?? null;
      });
    }
  }

  /** Inserts rows (JSON), in batches; returns the inserted rows as the server reports them. */
  async insert(table: TableRef, rows: readonly Row[], options: InsertOptions = {}): Promise<Row[]> {
    this.refuseWriteAtSnapshot('insert into', table);
    const nondefaults = options.nondefaults ?? [];
    const defaults = [
      ...new Set([
        ...SYSTEM_COLUMNS.filter((column) => !nondefaults.includes(column)),
        ...(options.defaults ?? []),
      ]),
    ];
    const parameters = [`defaults=${defaults.map(quote).join(',')}`];
    if (nondefaults.length) parameters.push(`nondefaults=${nondefaults.map(quote).join(',')}`);
    if (options.onConflictSkip) parameters.push('onconflict=skip');
    const path = `${this.path}/entity/${tableName(table)}?${parameters.join('&')}`;
    const inserted: Row[] = [];
    for (const batch of insertBatches(rows)) {
      const body = JSON.stringify(batch);
      const response = await this.http.request({
        method: 'POST',
        path,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: () => body,
        idempotent: options.idempotent === true,
        signal: options.signal,
      });
      inserted.push(...parseJson(response, rowsSchema, 'POST', 'a JSON array of rows'));
    }
    return inserted;
  }

  /**
   * Updates columns `targets` of the rows matched on `correlation` (PUT /attributegroup, as deriva-py's
   * update does); each input row carries the correlation and target values.
   */
  async update(
    table: TableRef,
    correlation: readonly string[],
    targets: readonly string[],
    rows: readonly Row[],
    options: CallOptions = {},
  ): Promise<Row[]> {
    this.refuseWriteAtSnapshot('update', table);
    if (correlation.length === 0 || targets.length === 0)
      throw new Error('An update needs correlation and target columns.');
    const path = `${this.path}/attributegroup/${tableName(table)}/${correlation.map(quote).join(',')};${targets.map(quote).join(',')}`;
    const body = JSON.stringify(rows);
    const response = await this.http.request({
      method: 'PUT',
      path,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: () => body,
      signal: options.signal,
    });
    return parseJson(response, rowsSchema, 'PUT', 'a JSON array of rows');
  }

  /**
   * Leases `count` RIDs for client-side row creation (POST public:ERMrest_RID_Lease, 500 per request).
   * Retried like the idempotent steps: a lease only reserves RIDs, so one lost with its answer costs
   * nothing. Every attempt sends fresh tokens, so the answer is matched to the attempt that got it.
   */
  async leaseRids(count: number, options: CallOptions = {}): Promise<string[]> {
    this.refuseWriteAtSnapshot('lease RIDs in', LEASE_TABLE);
    const rids: string[] = [];
    for (let start = 0; start < count; start += LEASE_CHUNK) {
      const size = Math.min(LEASE_CHUNK, count - start);
      let tokens: string[] = [];
      const response = await this.http.request({
        method: 'POST',
        path: `${this.path}/entity/${tableName(LEASE_TABLE)}`,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: () => {
          tokens = Array.from({ length: size }, () => crypto.randomUUID());
          return JSON.stringify(tokens.map((ID) => ({ ID })));
        },
        idempotent: true,
        signal: options.signal,
      });
      const byToken = new Map(
        parseJson(response, leaseRowsSchema, 'POST', 'a list of leased RIDs').map((row) => [row.ID, row.RID]),
      );
      for (const token of tokens) {
        const rid = byToken.get(token);
        if (!rid)
          throw new CatalogError(
            'bad-response',
            `The RID lease answer from ${this.path} lacks the token ${token}.`,
          );
        rids.push(rid);
      }
    }
    return rids;
  }

  /** Deletes the rows of `table` matching every filter; at least one filter is required. */
  async deleteEntity(table: TableRef, filters: readonly Filter[], options: CallOptions = {}): Promise<void> {
    this.refuseWriteAtSnapshot('delete from', table);
    if (filters.length === 0)
      throw new CatalogError(
        'bad-request',
        `Refusing to delete every row of ${table.schema}:${table.table}: give at least one filter.`,
      );
    await this.http.request({
      method: 'DELETE',
      path: this.path + dataPath('entity', { table, path: filters }),
      signal: options.signal,
    });
  }

  /** Who the credential signs in as; null without a login session. */
  session(options: CallOptions = {}): Promise<Session | null> {
    return getSession(this.http, options);
  }

  private get(path: string, accept: string, options: CallOptions): Promise<HttpResponse> {
    return this.http.request({ method: 'GET', path, headers: { accept }, signal: options.signal });
  }

  private refuseWriteAtSnapshot(verb: string, table: TableRef): void {
    if (this.url.snapshot) {
      throw new CatalogError(
        'forbidden',
        `Cannot ${verb} ${table.schema}:${table.table} through a client pinned to snapshot ${this.url.snapshot}; snapshots are read-only.`,
      );
    }
  }
}

/** The catalog model of a /schema answer; a body that is not one is a bad-response error naming the path. */
export function parseModel(bytes: Buffer, where: string): CatalogModel {
  try {
    return parseSchemaDocument(bytes.toString('utf8'), where);
  } catch (error) {
    throw new CatalogError(
      'bad-response',
      `The answer to GET ${where} is not an ERMrest schema document (${(error as Error).message.replace(/\.$/, '')}).`,
      {
        path: where,
        cause: error,
      },
    );
  }
}

function requireSort(query: DataQuery): readonly SortKey[] {
  if (!query.sort?.length) throw new Error('Paging needs @sort keys.');
  return query.sort;
}

function sortColumn(key: SortKey): string {
  return typeof key === 'string' ? key : key.column;
}

function literalOf(value: Row[string] | undefined): Literal | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** Header, record count and last record of a CSV page (quoted newlines handled). */
function lastCsvRecord(
  page: Buffer,
  where: string,
): { header: string[]; records: number; last: CsvField[] | null } {
  let header: string[] = [];
  let records = 0;
  let last: CsvField[] | null = null;
  const parser = new CsvParser(`CSV from ${where}`, (fields) => {
    if (header.length === 0) header = fields.map((field) => field ?? '');
    else {
      records += 1;
      last = fields;
    }
  });
  parser.push(page.toString('utf8'));
  parser.finish();
  return { header, records, last };
}

function* insertBatches(rows: readonly Row[]): Generator<Row[]> {
  let batch: Row[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = JSON.stringify(row).length;
    if (batch.length > 0 && (batch.length >= INSERT_BATCH_ROWS || bytes + size > INSERT_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(row);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
