// The ERMrest service: catalogs, model, data API, entity_rid (deriva-protocol.md §4–§12).
import type http from 'node:http';
import type { Client } from './auth.js';
import { encodeSnaptime } from './base32.js';
import { Catalog } from './catalog.js';
import { parseCsv } from './csv.js';
import { ermrestError, etagFor, headerValue, HttpError, mainType, textReply, type Reply } from './http.js';
import {
  ACL_NAMES,
  addSchemaDocument,
  allTables,
  columnOf,
  emptyAcls,
  findTable,
  qualifiedName,
  renderColumn,
  renderForeignKey,
  renderKey,
  renderSchema,
  renderTable,
  tableIn,
  type AclName,
  type CatalogAcls,
  type CreatedElements,
  type RenderOptions,
  type TableModel,
} from './model.js';
import { matchingRids, runQuery, type RowSet } from './query.js';
import { CONTENT_TYPES, negotiate, renderRows } from './render.js';
import { quoteIdent, type Store } from './store.js';
import { parseDataUrl, type DataApi } from './url-grammar.js';
import { formatTimestamp, fromJson, fromText, valueKind, ValueError, type SqlValue } from './values.js';
import { deleteRows, insertRows, registerClient, updateRows, type ParsedRow } from './writes.js';

export const FEATURES = {
  trs: true,
  tcrs: true,
  history_control: true,
  implicit_fkey_index: true,
  catalog_post_input: true,
  catalog_alias: true,
  indexing_preferences: { btree: true, btree_column_list: true, trgm: true, gin_array: true },
  quantified_value_lists: true,
  quantified_rid_lists: true,
  rid_lease: true,
  registry_catalog: true,
  csv_array_json: true,
};

const DATA_APIS = new Set<string>(['entity', 'attribute', 'attributegroup', 'aggregate']);

export interface CreateCatalogOptions {
  id?: string;
  owner: string[];
  name?: string;
  description?: string;
  acls?: Partial<CatalogAcls>;
}

/** What one request addresses: a catalog, optionally at a snapshot, and who asks. */
interface CatalogRequest {
  catalog: Catalog;
  /** Snapshot time for `N@SNAP` URLs; undefined for live requests. */
  at: number | undefined;
  client: Client | null;
  method: string;
  accept: string | undefined;
  query: URLSearchParams;
}

export class Ermrest {
  private readonly catalogs = new Map<string, Catalog>();

  constructor(private readonly store: Store) {}

  catalog(id: string): Catalog | undefined {
    if (!this.catalogs.has(id)) {
      const catalog = Catalog.open(this.store, id);
      if (catalog) this.catalogs.set(id, catalog);
    }
    return this.catalogs.get(id);
  }

  catalogIds(): string[] {
    return (
      this.store.db.prepare('SELECT id FROM catalog WHERE deleted IS NULL').all() as { id: string }[]
    ).map((row) => row.id);
  }

  createCatalog(options: CreateCatalogOptions, creator: Client | null = null): Catalog {
    const ids = (this.store.db.prepare('SELECT id FROM catalog').all() as { id: string }[]).map(
      (row) => row.id,
    );
    const id = options.id ?? String(Math.max(0, ...ids.map(Number).filter(Number.isFinite)) + 1);
    if (ids.includes(id)) throw ermrestError(409, `Catalog ${id} already exists.`);
    const properties = { name: options.name, description: options.description, is_persistent: true };
    const catalog = Catalog.create(this.store, id, options.owner, properties);
    this.catalogs.set(id, catalog);
    if (options.acls) catalog.changeModel((model) => Object.assign(model.acls, options.acls));
    registerClient(catalog, creator);
    return catalog;
  }

  async handle(request: http.IncomingMessage, url: URL, body: Buffer, client: Client | null): Promise<Reply> {
    const method = request.method ?? 'GET';
    const parts = url.pathname.replace(/^\/ermrest\/?/, '').split('/');
    if (parts.length === 1 && parts[0] === '' && method === 'GET')
      return textReply(
        JSON.stringify({ version: '0.5.0', features: FEATURES }) + '\n',
        200,
        'application/json',
      );
    if (parts[0] !== 'catalog') throw ermrestError(404, url.pathname);
    if (parts.length === 1 || (parts.length === 2 && parts[1] === '')) {
      if (method !== 'POST') throw ermrestError(405, 'Method not allowed.');
      return this.postCatalog(body, client);
    }
    const [idText = '', snapText] = parts[1]!.split('@');
    const catalog = this.catalog(idText);
    if (!catalog) throw ermrestError(404, `catalog ${idText}`);
    const at = snapText === undefined ? undefined : catalog.resolveSnapshot(snapText);
    const context: CatalogRequest = {
      catalog,
      at,
      client,
      method,
      accept: headerValue(request, 'accept'),
      query: url.searchParams,
    };
    const access = catalog.access(client, at !== undefined);
    catalog.demand(client, access.enumerate, `enumerate access on catalog/${catalog.id}`);
    if (at !== undefined && !['GET', 'HEAD'].includes(method))
      throw ermrestError(403, 'modification to catalog at previous revision');

    const rest = parts.slice(2);
    const api = rest[0] ?? '';
    if (rest.length === 0 || (rest.length === 1 && api === '')) return this.catalogResource(context);
    if (api === 'schema') return this.modelResource(context, rest.slice(1).map(decodeName), body);
    if (api === 'acl') return this.aclResource(context, rest.slice(1), body);
    if (api === 'entity_rid' && rest.length === 2) return this.entityRid(context, decodeName(rest[1]!));
    if (api === 'history' && method === 'GET') return this.history(context);
    if (DATA_APIS.has(api)) {
      if (method === 'HEAD')
        throw new HttpError(
          500,
          `Internal server error. Detail: '${api[0]!.toUpperCase()}${api.slice(1)}' object has no attribute 'HEAD'\n`,
        );
      const rawPath = rest.slice(1).join('/');
      return this.dataResource(context, api as DataApi, rawPath, request, body);
    }
    throw ermrestError(404, url.pathname);
  }

  private postCatalog(body: Buffer, client: Client | null): Reply {
    if (!client) throw ermrestError(401, 'create_catalog_permit');
    const doc = (body.length ? parseJsonBody(body) : {}) as Record<string, unknown>;
    const catalog = this.createCatalog(
      {
        id: typeof doc.id === 'string' ? doc.id : undefined,
        owner: Array.isArray(doc.owner) ? doc.owner.map(String) : [client.id],
        name: typeof doc.name === 'string' ? doc.name : undefined,
        description: typeof doc.description === 'string' ? doc.description : undefined,
      },
      client,
    );
    return textReply(JSON.stringify({ id: catalog.id }).replace(':', ': '), 201, 'application/json', {
      location: `/ermrest/catalog/${catalog.id}`,
    });
  }

  private reply(
    context: CatalogRequest,
    text: string,
    status = 200,
    contentType = 'application/json',
    headers: Record<string, string> = {},
  ): Reply {
    const snaptime = encodeSnaptime(context.at ?? context.catalog.snaptime);
    return textReply(text, status, contentType, {
      etag: etagFor(context.catalog.id, contentType, snaptime, text),
      vary: 'accept, cookie',
      ...headers,
    });
  }

  private catalogResource(context: CatalogRequest): Reply {
    const { catalog, at, client, method } = context;
    if (method === 'DELETE') {
      catalog.demand(client, catalog.access(client).owner, `owner access on catalog/${catalog.id}`);
      catalog.markDeleted();
      this.catalogs.delete(catalog.id);
      return { status: 204 };
    }
    if (method !== 'GET' && method !== 'HEAD') throw ermrestError(405, 'Method not allowed.');
    const model = at === undefined ? catalog.model : catalog.modelAt(at);
    const access = catalog.access(client, at !== undefined);
    const doc: Record<string, unknown> = {
      snaptime: encodeSnaptime(at ?? catalog.snaptime),
      annotations: model.annotations,
      rights: { owner: access.owner, create: access.create },
      features: FEATURES,
      ...(catalog.access(client).owner ? { acls: model.acls } : {}),
      id: catalog.id,
      ...(catalog.properties.name !== undefined ? { name: catalog.properties.name } : {}),
      ...(catalog.properties.description !== undefined
        ? { description: catalog.properties.description }
        : {}),
      is_persistent: catalog.properties.is_persistent,
    };
    return this.reply(context, JSON.stringify(doc) + '\n');
  }

  private renderOptions(context: CatalogRequest): RenderOptions {
    const access = context.catalog.access(context.client, context.at !== undefined);
    return { rights: access };
  }

  private modelResource(context: CatalogRequest, path: string[], body: Buffer): Reply {
    const { catalog, at, client, method } = context;
    const model = at === undefined ? catalog.model : catalog.modelAt(at);
    const options = this.renderOptions(context);
    if (path.length > 0 && path.at(-1) === '') path = path.slice(0, -1);
    if (method === 'GET' || method === 'HEAD') {
      const json = (value: unknown): Reply => this.reply(context, JSON.stringify(value) + '\n');
      if (path.length === 0) {
        const schemas = Object.fromEntries(
          Object.entries(model.schemas).map(([name, schema]) => [name, renderSchema(schema, options)]),
        );
        const doc = {
          snaptime: encodeSnaptime(at ?? catalog.modelSnaptime()),
          annotations: model.annotations,
          rights: { owner: options.rights.owner, create: options.rights.create },
          features: FEATURES,
          schemas,
          ...(catalog.access(client).owner ? { acls: model.acls } : {}),
        };
        return json(doc);
      }
      const schema = model.schemas[path[0]!];
      if (!schema) throw ermrestError(409, `Schema ${path[0]} does not exist.`);
      if (path.length === 1) return json(renderSchema(schema, options));
      if (path[1] !== 'table') throw ermrestError(404, path.join('/'));
      if (path.length === 2)
        return json(Object.values(schema.tables).map((table) => renderTable(table, options)));
      const table = tableIn(model, schema.schema_name, path[2]!);
      if (path.length === 3) return json(renderTable(table, options));
      const [kind, name] = [path[3], path[4]];
      if (kind === 'column')
        return json(
          name === undefined
            ? table.column_definitions.map((column) => renderColumn(column, options))
            : renderColumn(columnOf(table, name), options),
        );
      if (kind === 'key' && name === undefined) return json(table.keys.map(renderKey));
      if (kind === 'foreignkey' && name === undefined)
        return json(table.foreign_keys.map((fk) => renderForeignKey(fk, options)));
      throw ermrestError(404, path.join('/'));
    }
    const owner = catalog.access(client).owner;
    catalog.demand(client, owner, `owner access on catalog/${catalog.id}`);
    if (method === 'POST') {
      const document: unknown = body.length ? parseJsonBody(body) : undefined;
      let created: CreatedElements;
      if (path.length === 0)
        created = catalog.changeModel((draft, allocate) => addSchemaDocument(draft, document, allocate));
      else if (path.length === 1) {
        created = catalog.changeModel((draft, allocate) =>
          addSchemaDocument(draft, { ...(document as object), schema_name: path[0] }, allocate),
        );
        return this.reply(context, '', 201, 'application/json');
      } else if (path.length === 2 && path[1] === 'table') {
        created = catalog.changeModel((draft, allocate) =>
          addSchemaDocument(draft, [{ ...(document as object), schema_name: path[0] }], allocate),
        );
        return this.reply(
          context,
          JSON.stringify(renderTable(created.tables[0]!, { ...options, echoDeclared: true })) + '\n',
          201,
        );
      } else throw ermrestError(404, path.join('/'));
      const echo = { ...options, echoDeclared: true };
      const response = Array.isArray(document)
        ? [
            ...created.schemas.map((schema) => renderSchema(schema, echo)),
            ...created.tables
              .filter((table) => !created.schemas.some((schema) => schema.tables[table.table_name] === table))
              .map((table) => renderTable(table, echo)),
            ...created.foreignKeys.map((fk) => renderForeignKey(fk, echo)),
          ]
        : {
            schemas: Object.fromEntries(
              created.schemas.map((schema) => [schema.schema_name, renderSchema(schema, echo)]),
            ),
          };
      return this.reply(context, JSON.stringify(response) + '\n', 201);
    }
    if (method === 'DELETE' && path.length === 3 && path[1] === 'table') {
      catalog.changeModel((draft) => {
        tableIn(draft, path[0]!, path[2]!);
        delete draft.schemas[path[0]!]!.tables[path[2]!];
      });
      return { status: 204 };
    }
    if (method === 'DELETE' && path.length === 5 && path[1] === 'table' && path[3] === 'column') {
      const [schemaName, , tableName, , columnName] = path as [string, string, string, string, string];
      catalog.changeModel((draft) => {
        const table = tableIn(draft, schemaName, tableName);
        columnOf(table, columnName);
        // Keys and foreign keys over the column go with it, as in PostgreSQL's DROP COLUMN ... CASCADE.
        table.column_definitions = table.column_definitions.filter((column) => column.name !== columnName);
        table.keys = table.keys.filter((key) => !key.unique_columns.includes(columnName));
        table.foreign_keys = table.foreign_keys.filter(
          (fk) => !fk.foreign_key_columns.some((column) => column.column_name === columnName),
        );
      });
      return { status: 204 };
    }
    if (method === 'PUT' && path.length === 5 && path[1] === 'table' && path[3] === 'column') {
      // Of the column properties ERMrest can alter, the stand-in alters only nullok.
      const [schemaName, , tableName, , columnName] = path as [string, string, string, string, string];
      const { nullok } = (parseJsonBody(body) ?? {}) as { nullok?: unknown };
      if (typeof nullok !== 'boolean')
        throw ermrestError(400, 'The stand-in alters only the nullok of a column, which must be a boolean.');
      const altered = catalog.changeModel((draft) => {
        const table = tableIn(draft, schemaName, tableName);
        const column = columnOf(table, columnName);
        const rows = catalog.visibleRows(table, undefined);
        const nulls = catalog.query(
          `SELECT 1 FROM ${rows.sql} WHERE ${quoteIdent(columnName)} IS NULL LIMIT 1`,
          rows.params,
        );
        if (!nullok && nulls.length > 0)
          throw ermrestError(409, `Column ${columnName} holds nulls, so it cannot be made NOT NULL.`);
        column.nullok = nullok;
        return column;
      });
      return this.reply(context, JSON.stringify(renderColumn(altered, options)) + '\n');
    }
    throw ermrestError(405, 'Method not allowed.');
  }

  private aclResource(context: CatalogRequest, path: string[], body: Buffer): Reply {
    const { catalog, client, method } = context;
    catalog.demand(client, catalog.access(client).owner, `owner access on catalog/${catalog.id}`);
    const name = path[0] as AclName | undefined;
    if (name !== undefined && !(ACL_NAMES as readonly string[]).includes(name))
      throw ermrestError(404, `ACL ${name}`);
    if (method === 'GET')
      return this.reply(context, JSON.stringify(name ? catalog.model.acls[name] : catalog.model.acls) + '\n');
    if (!name) throw ermrestError(405, 'Method not allowed.');
    if (method === 'PUT') {
      const members = parseJsonBody(body);
      if (!Array.isArray(members) || !members.every((member) => typeof member === 'string'))
        throw ermrestError(400, 'ACL must be a JSON array of strings.');
      catalog.changeModel((model) => void (model.acls[name] = members));
      return this.reply(context, JSON.stringify(members) + '\n');
    }
    if (method === 'DELETE') {
      catalog.changeModel((model) => void (model.acls[name] = emptyAcls([])[name]));
      return { status: 204 };
    }
    throw ermrestError(405, 'Method not allowed.');
  }

  private entityRid(context: CatalogRequest, rid: string): Reply {
    const { catalog, at } = context;
    const model = at === undefined ? catalog.model : catalog.modelAt(at);
    const when = at ?? Number.MAX_SAFE_INTEGER;
    // A claimed lease leaves its lease row behind (quirk), so the lease table answers only when nothing else does.
    const isLease = (table: TableModel): boolean =>
      table.schema_name === 'public' && table.table_name === 'ERMrest_RID_Lease';
    let deleted: { table: TableModel; from: number; until: number } | undefined;
    for (const tables of [
      allTables(model).filter((table) => !isLease(table)),
      allTables(model).filter(isLease),
    ]) {
      for (const table of tables) {
        const version = catalog.latestVersion(table, rid);
        if (!version || version.from > when) continue;
        const where = { RID: rid, schema_name: table.schema_name, table_name: table.table_name };
        if (version.until === null || version.until > when)
          return this.reply(context, JSON.stringify(where) + '\n');
        deleted ??= { table, from: version.from, until: version.until };
      }
      if (deleted) break;
    }
    if (!deleted) throw ermrestError(404, `RID ${rid} not found.`);
    const doc = {
      RID: rid,
      schema_name: deleted.table.schema_name,
      table_name: deleted.table.table_name,
      deleted_at: formatTimestamp(deleted.until, ' ', '+00:00'),
      last_visible_at: formatTimestamp(deleted.from, ' ', '+00:00'),
      last_visible_snaptime: encodeSnaptime(deleted.from),
    };
    return this.reply(context, JSON.stringify(doc) + '\n');
  }

  private history(context: CatalogRequest): Reply {
    const { catalog } = context;
    return this.reply(
      context,
      JSON.stringify({
        snaprange: [encodeSnaptime(catalog.created), encodeSnaptime(catalog.snaptime)],
        amendver: null,
      }) + '\n',
    );
  }

  private dataResource(
    context: CatalogRequest,
    api: DataApi,
    rawPath: string,
    request: http.IncomingMessage,
    body: Buffer,
  ): Reply {
    const { catalog, at, client, method, query } = context;
    const model = at === undefined ? catalog.model : catalog.modelAt(at);
    const url = parseDataUrl(api, rawPath);
    const root = url.path[0]!;
    const rootTable = root.kind === 'table' ? findTable(model, root.schema, root.table) : undefined;
    const access = catalog.access(client, at !== undefined, rootTable);
    const representation = negotiate(query.get('accept'), context.accept);
    const respond = (rows: RowSet): Reply => {
      const download = query.get('download');
      const headers: Record<string, string> = download
        ? {
            'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(download)}.${representation === 'csv' ? 'csv' : 'json'}`,
          }
        : {};
      return this.reply(
        context,
        renderRows(rows, representation),
        200,
        CONTENT_TYPES[representation],
        headers,
      );
    };
    const singleTable = (): TableModel => {
      if (url.path.length !== 1 || !rootTable)
        throw ermrestError(400, `This ${method} needs a single table path.`);
      return rootTable;
    };

    if (method === 'GET') {
      catalog.demand(client, access.select, `select access on ${qualifiedName(rootTable!)}`);
      return respond(runQuery(catalog, model, at, url, parseLimit(query.get('limit'))));
    }
    if (method === 'POST' && api === 'entity') {
      const table = singleTable();
      catalog.demand(client, access.insert, `insert access on ${qualifiedName(table)}`);
      const rows = parseInput(table, request, body, commaList(query.get('defaults')));
      const result = insertRows(catalog, table, rows, {
        client,
        isOwner: access.owner,
        defaults: commaList(query.get('defaults')),
        nondefaults: commaList(query.get('nondefaults')),
        onConflictSkip: query.get('onconflict') === 'skip',
      });
      return respond(result);
    }
    if (method === 'PUT' && api === 'attributegroup') {
      const table = singleTable();
      catalog.demand(client, access.update, `update access on ${qualifiedName(table)}`);
      const names = (list: typeof url.groupKeys): string[] =>
        list.map((projection) => {
          if (
            projection.kind !== 'column' ||
            projection.output !== undefined ||
            projection.column.alias !== undefined
          )
            throw ermrestError(400, 'Only plain column names are supported in attributegroup updates.');
          return columnOf(table, projection.column.name).name;
        });
      const rows = parseInput(table, request, body, new Set());
      return respond(updateRows(catalog, table, names(url.groupKeys), names(url.projections), rows, client));
    }
    if (method === 'DELETE' && api === 'entity') {
      const { table, rids } = matchingRids(catalog, model, url.path);
      catalog.demand(
        client,
        catalog.access(client, false, table).delete,
        `delete access on ${qualifiedName(table)}`,
      );
      deleteRows(catalog, table, rids, client);
      return { status: 204, headers: { etag: etagFor(catalog.id, encodeSnaptime(catalog.snaptime)) } };
    }
    throw ermrestError(400, `${method} on /${api} is not supported by the stand-in.`);
  }
}

function decodeName(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw ermrestError(400, `Invalid percent-encoding in "${text}".`);
  }
}

function parseLimit(text: string | null): number | undefined {
  if (text === null || text === 'none') return undefined;
  if (!/^\d+$/.test(text)) throw ermrestError(400, `Invalid limit "${text}".`);
  return Number(text);
}

const commaList = (text: string | null): Set<string> => new Set((text ?? '').split(',').filter(Boolean));

function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw ermrestError(400, 'Invalid JSON input.');
  }
}

/** Parses an insert/update body (JSON array, CSV or JSON stream) into rows of known columns; unknown keys are ignored. */
function parseInput(
  table: TableModel,
  request: http.IncomingMessage,
  body: Buffer,
  defaults: Set<string>,
): ParsedRow[] {
  const contentType = mainType(request.headers['content-type']) || 'application/json';
  const known = new Map(
    table.column_definitions.map((column) => [column.name, valueKind(column.type.typename)]),
  );
  const badInput = (kind: string, error: unknown): Error => {
    if (error instanceof ValueError)
      return ermrestError(400, `Bad ${kind} input. ERROR:  ${error.message}\n`);
    return error as Error;
  };
  if (contentType === 'application/json' || contentType === 'application/x-json-stream') {
    let items: unknown;
    if (contentType === 'application/json') items = parseJsonBody(body);
    else
      items = body
        .toString('utf8')
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => parseJsonBody(Buffer.from(line)));
    if (!Array.isArray(items))
      throw ermrestError(
        400,
        'Bad JSON array input. ERROR:  cannot call json_array_elements on a non-array\n',
      );
    return items.map((item) => {
      if (!item || typeof item !== 'object' || Array.isArray(item))
        throw ermrestError(
          400,
          'Bad JSON array input. ERROR:  cannot call populate_composite on a non-object\n',
        );
      const row: ParsedRow = new Map();
      try {
        for (const [name, value] of Object.entries(item)) {
          const kind = known.get(name);
          if (kind) row.set(name, fromJson(kind, value));
        }
      } catch (error) {
        throw badInput('JSON array', error);
      }
      // ERMrest 0.5.0 stores an absent array column as an empty array, not NULL (transcript ermrest#4).
      for (const column of table.column_definitions) {
        if (
          !row.has(column.name) &&
          known.get(column.name)!.element &&
          column.default === null &&
          !defaults.has(column.name)
        )
          row.set(column.name, '[]');
      }
      return row;
    });
  }
  if (contentType === 'text/csv') {
    const [header = [], ...records] = parseCsv(body.toString('utf8'));
    const names = header.map((name) => name ?? '');
    const missing = table.column_definitions.filter(
      (column) =>
        !['RID', 'RCT', 'RMT', 'RCB', 'RMB'].includes(column.name) &&
        !defaults.has(column.name) &&
        !names.includes(column.name),
    );
    if (missing.length)
      throw ermrestError(
        400,
        `Missing expected CSV columns: ${missing.map((column) => JSON.stringify(column.name)).join(', ')}.`,
      );
    return records.map((record) => {
      const row: ParsedRow = new Map();
      try {
        names.forEach((name, index) => {
          const kind = known.get(name);
          const cell = record[index] ?? null;
          if (kind) row.set(name, cell === null ? null : (fromText(kind, cell) as SqlValue));
        });
      } catch (error) {
        throw badInput('CSV', error);
      }
      return row;
    });
  }
  throw ermrestError(415, `Content-Type ${contentType} is not supported.`);
}
