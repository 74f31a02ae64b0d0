// The Hatrac object store: namespaces, versioned objects, ranges, metadata, ACLs and chunked upload jobs
// (deriva-protocol.md §13–§15). Bytes live in files under `objectsDir`; names and versions in SQLite.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Client } from './auth.js';
import { randomHatracId, randomToken } from './base32.js';
import { etagFor, headerValue, HttpError, mainType, readBody, textReply, type Reply } from './http.js';
import type { Store } from './store.js';

type Acl = Record<string, string[]>;

interface NameRow {
  path: string;
  kind: 'namespace' | 'object';
  parent: string | null;
  acl: string;
  deleted: number;
}

interface VersionRow {
  path: string;
  version: string;
  size: number;
  metadata: string;
  file: string;
}

interface Metadata {
  'content-type': string;
  'content-md5': string;
  'content-sha256'?: string;
  'content-disposition'?: string;
}

interface JobRow {
  job: string;
  path: string;
  owner: string;
  chunk_length: number;
  content_length: number;
  metadata: string;
  received: string;
  file: string;
}

export interface PutObjectOptions {
  version?: string;
  contentType?: string;
  contentDisposition?: string;
  owner?: string[];
}

const ROOT = '/hatrac';
const NAMESPACE_TYPE = 'application/x-hatrac-namespace';
const RAW_NAME = /^[-._~A-Za-z0-9/%]*$/;

const plain = (status: number, text: string): HttpError =>
  new HttpError(status, text.endsWith('\n') ? text : text + '\n');
const parentOf = (name: string): string => name.slice(0, name.lastIndexOf('/')) || ROOT;
const base64Of = (digest: string): string =>
  /^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{64}$/.test(digest) ? Buffer.from(digest, 'hex').toString('base64') : digest;

export class Hatrac {
  constructor(
    private readonly store: Store,
    private readonly objectsDir: string,
    private readonly rootOwners: string[],
  ) {
    fs.mkdirSync(objectsDir, { recursive: true });
    this.store.db
      .prepare("INSERT OR IGNORE INTO hatrac_name (path, kind, parent, acl) VALUES (?, 'namespace', NULL, ?)")
      .run(
        ROOT,
        JSON.stringify({
          owner: rootOwners,
          create: [],
          'subtree-owner': [],
          'subtree-create': [],
          'subtree-update': [],
          'subtree-read': [],
        }),
      );
  }

  async handle(request: http.IncomingMessage, url: URL, client: Client | null): Promise<Reply> {
    const method = request.method ?? 'GET';
    const raw = url.pathname;
    const [namePart = '', ...subParts] = raw.split(';');
    const sub = subParts.join(';').split('/');
    const lastSlash = namePart.lastIndexOf('/');
    const colon = namePart.indexOf(':', lastSlash);
    const name = (colon >= 0 ? namePart.slice(0, colon) : namePart).replace(/\/+$/, '') || ROOT;
    const version = colon >= 0 ? namePart.slice(colon + 1) : undefined;
    if (
      !RAW_NAME.test(name.slice(ROOT.length)) ||
      (version !== undefined && !/^[A-Za-z0-9]+$/.test(version))
    ) {
      throw plain(
        400,
        'Hatrac URL path names may only include characters A-Z, a-z, 0-9, "-", ".", "~", or UTF-8 bytes percent-encoded using the "%" character.',
      );
    }
    const shown = raw;
    const node = this.name(name);
    const parents = url.searchParams.get('parents') === 'true';

    if (subParts.length) {
      const [resource, ...args] = sub;
      if (resource === 'upload')
        return this.upload(request, method, name, node, args, client, parents, shown);
      if (!node || node.deleted) throw plain(404, `Resource ${shown} not found.`);
      if (resource === 'versions' && method === 'GET') {
        this.demand(client, this.canRead(node, client), shown);
        const list = this.versions(name).map((row) => `${name}:${row.version}`);
        return this.listReply(request, list);
      }
      if (resource === 'metadata') return this.metadata(request, method, node, version, args, client, shown);
      if (resource === 'acl') return this.acl(request, method, node, args, client, shown);
      throw plain(404, `Resource ${shown} not found.`);
    }

    switch (method) {
      case 'GET':
      case 'HEAD':
        if (!node || node.deleted) throw plain(404, `Resource ${shown} not found.`);
        this.demand(client, this.canRead(node, client), shown);
        if (node.kind === 'namespace') return this.listReply(request, this.children(name));
        return this.content(request, method, node, version, shown);
      case 'PUT': {
        if (mainType(request.headers['content-type']) === NAMESPACE_TYPE) {
          request.resume();
          if (node && !node.deleted && node.kind === 'namespace')
            throw plain(409, `Namespace ${name} already exists.`);
          if (node) throw plain(409, `Name ${name} not available.`);
          this.createName(name, 'namespace', client, parents, shown);
          return textReply(`${name}\n`, 201, 'text/uri-list', { location: name });
        }
        const location = await this.receiveObject(request, name, node, client, parents, shown);
        return textReply(`${location}\n`, 201, 'text/uri-list', { location });
      }
      case 'DELETE': {
        if (!node || node.deleted) throw plain(404, `Resource ${shown} not found.`);
        this.demand(client, this.isOwner(node, client), shown);
        if (node.kind === 'namespace') {
          if (this.children(name).length) throw plain(409, `Namespace ${name} is not empty.`);
          this.store.db.prepare('UPDATE hatrac_name SET deleted = 1 WHERE path = ?').run(name);
        } else if (version !== undefined) {
          const changed = this.store.db
            .prepare('UPDATE hatrac_version SET deleted = 1 WHERE path = ? AND version = ? AND deleted = 0')
            .run(name, version);
          if (!changed.changes) throw plain(404, `Resource ${shown} not found.`);
        } else {
          this.store.db.prepare('UPDATE hatrac_version SET deleted = 1 WHERE path = ?').run(name);
          this.store.db.prepare('UPDATE hatrac_name SET deleted = 1 WHERE path = ?').run(name);
        }
        return { status: 204 };
      }
      default:
        throw plain(405, 'Method not allowed.');
    }
  }

  /** Stores bytes as a new object version without HTTP (seeding); returns the versioned URL path. */
  putObject(name: string, bytes: Buffer, options: PutObjectOptions = {}): string {
    const owners = options.owner ?? this.rootOwners;
    const node =
      this.name(name) ??
      this.createName(name, 'object', { id: owners[0] ?? '', attributes: owners }, true, name, owners);
    if (node.kind !== 'object' || node.deleted) throw new Error(`${name} is not an available object name`);
    const file = this.newFile();
    fs.writeFileSync(file, bytes);
    const metadata: Metadata = {
      'content-type': options.contentType ?? 'application/octet-stream',
      'content-md5': crypto.createHash('md5').update(bytes).digest('base64'),
      'content-sha256': crypto.createHash('sha256').update(bytes).digest('base64'),
      ...(options.contentDisposition ? { 'content-disposition': options.contentDisposition } : {}),
    };
    return this.addVersion(name, options.version ?? randomHatracId(), bytes.length, metadata, file);
  }

  /** Creates a namespace (and its parents) without HTTP. */
  createNamespace(name: string, owner: string[]): void {
    if (!this.name(name))
      this.createName(name, 'namespace', { id: owner[0] ?? '', attributes: owner }, true, name, owner);
  }

  private name(name: string): NameRow | undefined {
    return this.store.statement('SELECT * FROM hatrac_name WHERE path = ?').get(name) as NameRow | undefined;
  }

  private versions(name: string): VersionRow[] {
    return this.store
      .statement('SELECT * FROM hatrac_version WHERE path = ? AND deleted = 0 ORDER BY created')
      .all(name) as VersionRow[];
  }

  private children(name: string): string[] {
    return (
      this.store
        .statement('SELECT path FROM hatrac_name WHERE parent = ? AND deleted = 0 ORDER BY path')
        .all(name) as { path: string }[]
    ).map((row) => row.path);
  }

  private newFile(): string {
    return path.join(this.objectsDir, randomToken(12));
  }

  private addVersion(name: string, version: string, size: number, metadata: Metadata, file: string): string {
    this.store.db
      .prepare(
        'INSERT INTO hatrac_version (path, version, created, size, metadata, file) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(name, version, this.store.nextSnaptime(), size, JSON.stringify(metadata), path.basename(file));
    return `${name}:${version}`;
  }

  /** Creates `name` (and, with `parents`, missing ancestor namespaces) after checking the client may. */
  private createName(
    name: string,
    kind: 'namespace' | 'object',
    client: Client | null,
    parents: boolean,
    shown: string,
    owner?: string[],
  ): NameRow {
    const parentName = parentOf(name);
    let parent = this.name(parentName);
    if (!parent || parent.deleted) {
      if (!parents || name === ROOT) throw plain(404, `Parent namespace ${parentName} not found.`);
      this.createName(parentName, 'namespace', client, true, shown, owner);
      parent = this.name(parentName)!;
    }
    if (parent.kind !== 'namespace') throw plain(409, `Parent ${parentName} is not a namespace.`);
    if (!owner)
      this.demand(
        client,
        this.holds(parent, client, ['owner', 'create'], ['subtree-owner', 'subtree-create', 'owner']),
        shown,
      );
    const acl: Acl =
      kind === 'namespace'
        ? {
            owner: owner ?? [client!.id],
            create: [],
            'subtree-owner': [],
            'subtree-create': [],
            'subtree-update': [],
            'subtree-read': [],
          }
        : { owner: owner ?? [client!.id], update: [], read: [], 'subtree-owner': [], 'subtree-read': [] };
    this.store.db
      .prepare('INSERT INTO hatrac_name (path, kind, parent, acl) VALUES (?, ?, ?, ?)')
      .run(name, kind, parentName, JSON.stringify(acl));
    return this.name(name)!;
  }

  /** Whether the client may create `name`, judged at its nearest existing ancestor namespace. */
  private mayCreate(name: string, client: Client | null): boolean {
    let ancestor = parentOf(name);
    let node = this.name(ancestor);
    while ((!node || node.deleted) && ancestor !== ROOT) {
      ancestor = parentOf(ancestor);
      node = this.name(ancestor);
    }
    return (
      client !== null &&
      node !== undefined &&
      node.kind === 'namespace' &&
      this.holds(node, client, ['owner', 'create'], ['subtree-owner', 'subtree-create', 'owner'])
    );
  }

  /** True when `own` of the node, or `inherited` of any ancestor, names the client. */
  private holds(node: NameRow, client: Client | null, own: string[], inherited: string[]): boolean {
    const matches = (acl: Acl, names: string[]): boolean =>
      names.some((aclName) =>
        (acl[aclName] ?? []).some(
          (member) => member === '*' || (client?.attributes.includes(member) ?? false),
        ),
      );
    if (matches(JSON.parse(node.acl) as Acl, own)) return true;
    for (let parent = node.parent; parent !== null;) {
      const row = this.name(parent);
      if (!row) break;
      if (matches(JSON.parse(row.acl) as Acl, inherited)) return true;
      parent = row.parent;
    }
    return false;
  }

  private isOwner = (node: NameRow, client: Client | null): boolean =>
    this.holds(node, client, ['owner'], ['subtree-owner', 'owner']);
  private canRead = (node: NameRow, client: Client | null): boolean =>
    this.holds(node, client, ['owner', 'read'], ['subtree-owner', 'subtree-read', 'owner']);
  private canUpdate = (node: NameRow, client: Client | null): boolean =>
    this.holds(node, client, ['owner', 'update'], ['subtree-owner', 'subtree-update', 'owner']);

  private demand(client: Client | null, allowed: boolean, shown: string): void {
    if (allowed) return;
    throw client
      ? plain(403, `Access to ${shown} forbidden.`)
      : plain(401, `Authentication required for access to ${shown}`);
  }

  private listReply(request: http.IncomingMessage, urls: string[]): Reply {
    const asUriList = /text\/uri-list/.test(headerValue(request, 'accept') ?? '');
    const text = asUriList ? urls.map((entry) => entry + '\n').join('') : JSON.stringify(urls) + '\n';
    return textReply(text, 200, asUriList ? 'text/uri-list' : 'application/json', { etag: etagFor(text) });
  }

  private current(node: NameRow, version: string | undefined, shown: string): VersionRow {
    const versions = this.versions(node.path);
    if (version === undefined) {
      const latest = versions.at(-1);
      if (!latest) throw plain(409, `Object ${node.path} currently has no content.`);
      return latest;
    }
    const found = versions.find((row) => row.version === version);
    if (!found) throw plain(404, `Resource ${shown} not found.`);
    return found;
  }

  private content(
    request: http.IncomingMessage,
    method: string,
    node: NameRow,
    version: string | undefined,
    shown: string,
  ): Reply {
    const row = this.current(node, version, shown);
    const metadata = JSON.parse(row.metadata) as Metadata;
    const location = `${node.path}:${row.version}`;
    const headers: Record<string, string> = {
      'content-type': metadata['content-type'],
      'content-md5': metadata['content-md5'],
      ...(metadata['content-sha256'] ? { 'content-sha256': metadata['content-sha256'] } : {}),
      ...(metadata['content-disposition'] ? { 'content-disposition': metadata['content-disposition'] } : {}),
      'content-location': location,
      etag: `"${row.version}"`,
      vary: 'cookie',
      'accept-ranges': 'bytes',
    };
    if (
      headerValue(request, 'if-none-match')
        ?.split(',')
        .some((tag) => tag.trim() === headers.etag || tag.trim() === '*')
    )
      return { status: 304, headers };
    const file = path.join(this.objectsDir, row.file);
    const range = headerValue(request, 'range');
    const match = range && method === 'GET' ? /^bytes=(\d*)-(\d*)$/.exec(range.trim()) : null;
    if (match && (match[1] || match[2])) {
      const [, first = '', last = ''] = match;
      const start = first === '' ? Math.max(0, row.size - Number(last)) : Number(first);
      const end = first === '' || last === '' ? row.size - 1 : Math.min(Number(last), row.size - 1);
      if (start >= row.size || end < start || (first === '' && Number(last) === 0)) {
        throw new HttpError(416, `Range not satisfiable for resource ${location}.\n`, {
          'content-type': 'text/plain',
          'content-range': `bytes */${row.size}`,
        });
      }
      const partial: Record<string, string> = {
        ...headers,
        'content-range': `bytes ${start}-${end}/${row.size}`,
        'content-length': String(end - start + 1),
      };
      delete partial['content-md5'];
      delete partial['content-sha256'];
      return { status: 206, headers: partial, file: { path: file, start, end } };
    }
    return {
      status: 200,
      headers: { ...headers, 'content-length': String(row.size) },
      file: { path: file, start: 0, end: row.size - 1 },
    };
  }

  /** Single-request PUT: streams the body to a file while hashing, then checks Content-MD5 / Content-SHA256. */
  private async receiveObject(
    request: http.IncomingMessage,
    name: string,
    node: NameRow | undefined,
    client: Client | null,
    parents: boolean,
    shown: string,
  ): Promise<string> {
    if (node && (node.deleted || node.kind !== 'object')) {
      request.resume();
      throw plain(409, `Name ${name} not available.`);
    }
    if (node) {
      this.demand(client, this.canUpdate(node, client), shown);
      const latest = this.versions(name).at(-1);
      const ifNoneMatch = headerValue(request, 'if-none-match');
      const ifMatch = headerValue(request, 'if-match');
      if ((ifNoneMatch === '*' && latest) || (ifMatch !== undefined && ifMatch !== `"${latest?.version}"`)) {
        request.resume();
        throw plain(412, `Resource ${shown} does not match the preconditions.`);
      }
    } else {
      const parent = this.name(parentOf(name));
      if ((!parent || parent.deleted) && !parents) {
        request.resume();
        throw plain(404, `Parent namespace ${parentOf(name)} not found.`);
      }
      if (!this.mayCreate(name, client)) {
        request.resume();
        this.demand(client, false, shown);
      }
    }
    const file = this.newFile();
    const md5 = crypto.createHash('md5');
    const sha256 = crypto.createHash('sha256');
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      md5.update(chunk);
      sha256.update(chunk);
      size += chunk.length;
    });
    try {
      await pipeline(request, fs.createWriteStream(file));
    } catch (error) {
      fs.rmSync(file, { force: true });
      throw error;
    }
    node ??= this.createName(name, 'object', client, parents, shown);
    const actual = { md5: md5.digest('base64'), sha256: sha256.digest('base64') };
    for (const [header, computed] of [
      ['content-md5', actual.md5],
      ['content-sha256', actual.sha256],
    ] as const) {
      const expected = headerValue(request, header);
      if (expected !== undefined && base64Of(expected.trim()) !== computed) {
        fs.rmSync(file, { force: true });
        throw plain(
          400,
          `Received content ${header === 'content-md5' ? 'MD5' : 'SHA256'} ${computed} does not match expected ${expected}.`,
        );
      }
    }
    const metadata: Metadata = {
      'content-type': headerValue(request, 'content-type') ?? 'application/octet-stream',
      'content-md5': actual.md5,
      ...(headerValue(request, 'content-sha256') ? { 'content-sha256': actual.sha256 } : {}),
      ...(headerValue(request, 'content-disposition')
        ? { 'content-disposition': headerValue(request, 'content-disposition')! }
        : {}),
    };
    return this.addVersion(name, randomHatracId(), size, metadata, file);
  }

  private async metadata(
    request: http.IncomingMessage,
    method: string,
    node: NameRow,
    version: string | undefined,
    args: string[],
    client: Client | null,
    shown: string,
  ): Promise<Reply> {
    if (node.kind !== 'object') throw plain(404, `Resource ${shown} not found.`);
    const row = this.current(node, version, shown);
    const metadata = JSON.parse(row.metadata) as Record<string, string>;
    const field = args[0] ? decodeURIComponent(args[0]) : undefined;
    if (method === 'GET') {
      this.demand(client, this.canRead(node, client), shown);
      if (field === undefined) {
        const text = JSON.stringify(metadata) + '\n';
        return textReply(text, 200, 'application/json', { etag: etagFor(text) });
      }
      if (!(field in metadata)) throw plain(404, `Resource ${shown} not found.`);
      return textReply(metadata[field]! + '\n', 200, 'text/plain');
    }
    this.demand(client, this.isOwner(node, client), shown);
    if (field === undefined) throw plain(405, 'Method not allowed.');
    const body = await readBody(request);
    if (method === 'PUT') metadata[field] = body.toString('utf8').trim();
    else if (method === 'DELETE') delete metadata[field];
    else throw plain(405, 'Method not allowed.');
    this.store.db
      .prepare('UPDATE hatrac_version SET metadata = ? WHERE path = ? AND version = ?')
      .run(JSON.stringify(metadata), row.path, row.version);
    return { status: 204 };
  }

  private async acl(
    request: http.IncomingMessage,
    method: string,
    node: NameRow,
    args: string[],
    client: Client | null,
    shown: string,
  ): Promise<Reply> {
    const acl = JSON.parse(node.acl) as Acl;
    const [access, role] = args.map(decodeURIComponent);
    if (method === 'GET') {
      this.demand(client, this.isOwner(node, client), shown);
      const value = access === undefined ? acl : acl[access];
      if (value === undefined) throw plain(404, `Resource ${shown} not found.`);
      return textReply(JSON.stringify(value) + '\n', 200, 'application/json');
    }
    this.demand(client, this.isOwner(node, client), shown);
    if (access === undefined || !(access in acl)) throw plain(404, `Resource ${shown} not found.`);
    const body = await readBody(request);
    if (method === 'PUT' && role === undefined) {
      const members: unknown = JSON.parse(body.toString('utf8') || '[]');
      if (!Array.isArray(members)) throw plain(400, 'ACL must be a JSON array.');
      acl[access] = members.map(String);
    } else if (method === 'PUT') acl[access] = [...new Set([...(acl[access] ?? []), role!])];
    else if (method === 'DELETE')
      acl[access] = role === undefined ? [] : (acl[access] ?? []).filter((member) => member !== role);
    else throw plain(405, 'Method not allowed.');
    this.store.db
      .prepare('UPDATE hatrac_name SET acl = ? WHERE path = ?')
      .run(JSON.stringify(acl), node.path);
    return { status: 204 };
  }

  /** Chunked upload jobs: `;upload` (create, list), `;upload/JOB` (status, finalize, cancel), `;upload/JOB/N` (chunk). */
  private async upload(
    request: http.IncomingMessage,
    method: string,
    name: string,
    node: NameRow | undefined,
    args: string[],
    client: Client | null,
    parents: boolean,
    shown: string,
  ): Promise<Reply> {
    const [jobId, chunkText] = args;
    if (jobId === undefined || jobId === '') {
      if (method === 'GET') {
        const jobs = this.store.statement('SELECT job FROM hatrac_job WHERE path = ?').all(name) as {
          job: string;
        }[];
        return this.listReply(
          request,
          jobs.map((row) => `${name};upload/${row.job}`),
        );
      }
      if (method !== 'POST') throw plain(405, 'Method not allowed.');
      const spec = JSON.parse((await readBody(request)).toString('utf8') || '{}') as Record<string, unknown>;
      const chunkLength = Number(spec['chunk-length'] ?? spec.chunk_bytes);
      const contentLength = Number(spec['content-length'] ?? spec.total_bytes);
      if (
        !Number.isInteger(chunkLength) ||
        chunkLength <= 0 ||
        !Number.isInteger(contentLength) ||
        contentLength < 0
      ) {
        throw plain(400, 'Upload job needs integer chunk-length and content-length.');
      }
      if (node && (node.deleted || node.kind !== 'object')) throw plain(409, `Name ${name} not available.`);
      if (node) this.demand(client, this.canUpdate(node, client), shown);
      else {
        this.demand(client, this.mayCreate(name, client), shown);
        this.createName(name, 'object', client, parents, shown);
      }
      const metadata: Partial<Metadata> = {};
      for (const [field, legacy] of [
        ['content-type', 'content_type'],
        ['content-md5', 'content_md5'],
        ['content-sha256', 'content_sha256'],
        ['content-disposition', 'content_disposition'],
      ] as const) {
        const value = spec[field] ?? spec[legacy];
        if (typeof value === 'string') metadata[field] = value;
      }
      const job = randomHatracId();
      const file = this.newFile();
      fs.writeFileSync(file, Buffer.alloc(0));
      fs.truncateSync(file, contentLength);
      this.store.db
        .prepare(
          'INSERT INTO hatrac_job (job, path, owner, chunk_length, content_length, metadata, received, file) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          job,
          name,
          JSON.stringify([client!.id]),
          chunkLength,
          contentLength,
          JSON.stringify(metadata),
          '[]',
          path.basename(file),
        );
      const location = `${name};upload/${job}`;
      return textReply(`${location}\n`, 201, 'text/uri-list', { location });
    }

    const job = this.store
      .statement('SELECT * FROM hatrac_job WHERE job = ? AND path = ?')
      .get(jobId, name) as JobRow | undefined;
    if (!job) {
      request.resume();
      throw plain(404, `Resource ${shown} not found.`);
    }
    const owners = JSON.parse(job.owner) as string[];
    if (!owners.some((owner) => client?.attributes.includes(owner))) {
      request.resume();
      this.demand(client, false, shown);
    }
    const file = path.join(this.objectsDir, job.file);
    const chunkCount = Math.max(1, Math.ceil(job.content_length / job.chunk_length));

    if (chunkText !== undefined) {
      if (method !== 'PUT') throw plain(405, 'Method not allowed.');
      const index = Number(chunkText);
      if (!Number.isInteger(index) || index < 0 || index >= chunkCount) {
        request.resume();
        throw plain(409, `Uploaded chunk number ${chunkText} out of range.`);
      }
      const body = await readBody(request);
      const expected =
        index === chunkCount - 1
          ? job.content_length - job.chunk_length * (chunkCount - 1)
          : job.chunk_length;
      if (body.length !== expected)
        throw plain(400, `Chunk ${index} has ${body.length} bytes; expected ${expected}.`);
      const handle = fs.openSync(file, 'r+');
      try {
        fs.writeSync(handle, body, 0, body.length, index * job.chunk_length);
      } finally {
        fs.closeSync(handle);
      }
      const received = new Set(JSON.parse(job.received) as number[]).add(index);
      this.store.db
        .prepare('UPDATE hatrac_job SET received = ? WHERE job = ?')
        .run(JSON.stringify([...received]), job.job);
      return { status: 204 };
    }

    const metadata = JSON.parse(job.metadata) as Partial<Metadata>;
    switch (method) {
      case 'GET': {
        const status = {
          url: `${name};upload/${job.job}`,
          target: name,
          owner: owners,
          'chunk-length': job.chunk_length,
          'content-length': job.content_length,
          ...metadata,
        };
        return textReply(JSON.stringify(status) + '\n', 200, 'application/json');
      }
      case 'DELETE':
        this.store.db.prepare('DELETE FROM hatrac_job WHERE job = ?').run(job.job);
        fs.rmSync(file, { force: true });
        return { status: 204 };
      case 'POST': {
        request.resume();
        const received = new Set(JSON.parse(job.received) as number[]);
        if (job.content_length > 0 && received.size < chunkCount)
          throw plain(409, `Upload job ${job.job} is missing chunks.`);
        const bytes = fs.readFileSync(file);
        const md5 = crypto.createHash('md5').update(bytes).digest('base64');
        const sha256 = crypto.createHash('sha256').update(bytes).digest('base64');
        if (metadata['content-md5'] && base64Of(metadata['content-md5']) !== md5)
          throw plain(409, `Uploaded content MD5 ${md5} does not match expected ${metadata['content-md5']}.`);
        if (metadata['content-sha256'] && base64Of(metadata['content-sha256']) !== sha256)
          throw plain(
            409,
            `Uploaded content SHA256 ${sha256} does not match expected ${metadata['content-sha256']}.`,
          );
        this.store.db.prepare('DELETE FROM hatrac_job WHERE job = ?').run(job.job);
        // The new version id is the job id (deriva-protocol.md §14).
        const location = this.addVersion(
          name,
          job.job,
          job.content_length,
          {
            'content-type': metadata['content-type'] ?? 'application/octet-stream',
            ...metadata,
            'content-md5': md5,
          },
          file,
        );
        return textReply(`${location}\n`, 201, 'text/uri-list', { location });
      }
      default:
        throw plain(405, 'Method not allowed.');
    }
  }
}
