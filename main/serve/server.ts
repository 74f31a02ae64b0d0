import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiError, ApiResult, AssetUrlKind, Channel, OpenedBag } from '../../shared/contract.js';
import { startApiHost } from '../core/api/index.js';
import { SatchelError } from '../core/common/index.js';
import { EventStreams } from './events.js';
import {
  APP_CSP,
  ASSET_CSP,
  authorized,
  hostAllowed,
  newToken,
  originAllowed,
  sameToken,
  sessionCookie,
} from './security.js';
import { sendFile } from './send-file.js';
import { resolveStaticFile } from './static-files.js';

const MiB = 1024 * 1024;
/** Body caps per API route: a drafts file being imported may be large, other calls are small (files and events take none). */
const BODY_CAP_BYTES = { import: 64 * MiB, api: MiB } as const;
/** `<repo>/renderer-dist`, seen from dist/main/serve/server.js. */
export const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../../renderer-dist/', import.meta.url));

export interface ServerOptions {
  workspace: string;
  /** 0 or absent: any free port. */
  port?: number;
  /** A bag folder or .zip opened at start, shown by the UI through `GET /api/startup`. */
  bag?: string;
  rendererDir?: string;
  /** Where `~/.deriva-ml` is looked for (tests). */
  homeDir?: string;
  /** Connection timeouts; tests inject short ones. */
  limits?: Partial<ServerLimits>;
}

export interface ServerLimits {
  /** The request line and headers must arrive within this (a slow-loris client is cut with 408). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
}

const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 60_000,
};

/** What `GET /api/startup` answers: the bag named on the command line, once opened. */
export interface StartupState {
  bag: OpenedBag | null;
  error: ApiError | null;
}

export interface SatchelServer {
  /** `http://127.0.0.1:<port>/?token=<token>`: the one URL that lets a browser in. */
  url: string;
  token: string;
  port: number;
  server: http.Server;
  startup: Promise<StartupState>;
  close(): Promise<void>;
}

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
const APP_HEADERS = { ...COMMON_HEADERS, 'Content-Security-Policy': APP_CSP };
const NO_STORE = { ...APP_HEADERS, 'Cache-Control': 'no-store' };

/**
 * Browser mode: the renderer, the API (`POST /api/<channel>`), progress events (`GET /events`) and
 * bag files (`GET /asset|thumb/<bagId>/<table>/<rid>`) over HTTP on 127.0.0.1 only, behind a random
 * token. The API runs in a worker thread, exactly as in the Electron app.
 */
export async function startServer(options: ServerOptions): Promise<SatchelServer> {
  const rendererDir = path.resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR);
  const host = await startApiHost({ workspace: options.workspace, homeDir: options.homeDir });
  const token = newToken();
  const events = new EventStreams();
  host.onEvent((name, payload) => events.send(name, payload));
  let port = 0;
  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };

  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: Math.min(5_000, limits.idleTimeoutMs),
      // Node enforces the two timeouts above only when it checks its connections.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
    },
    (request, response) => serve(request, response),
  );
  // Node would answer `Expect: 100-continue` before any check; handled here, the body is invited
  // only once the request is allowed and within its cap (see handleApi).
  server.on('checkContinue', (request, response) => serve(request, response));
  server.timeout = limits.idleTimeoutMs;

  const serve = (request: http.IncomingMessage, response: http.ServerResponse) => {
    route(request, response).catch((error: unknown) => {
      console.error('satchel serve: a request failed:', error);
      if (!response.headersSent) sendText(response, 500, 'Internal error.');
      else response.destroy();
    });
  };

  const route = async (request: http.IncomingMessage, response: http.ServerResponse) => {
    if (!hostAllowed(request, port))
      return sendText(response, 403, 'Forbidden: this server answers only to 127.0.0.1 and localhost.');
    // The raw path, not WHATWG URL parsing: that would quietly turn `%2e%2e` segments into `..` steps.
    const [pathname = '', search = ''] = (request.url ?? '/').split('?', 2);
    if (!pathname.startsWith('/')) return sendText(response, 400, 'Bad request.');
    const query = new URLSearchParams(search);
    const method = request.method ?? 'GET';
    if (pathname === '/' && query.has('token') && method === 'GET') {
      if (!sameToken(query.get('token'), token))
        return sendText(response, 403, 'Forbidden: the token is wrong.');
      // The token becomes a cookie; the rest of the query (`?catalog=`, `?open=`) is kept for the page.
      query.delete('token');
      const rest = query.toString();
      const location = rest === '' ? '/' : `/?${rest}`;
      const headers = { ...NO_STORE, 'Set-Cookie': sessionCookie(token, port), Location: location };
      closeIfBodyUnread(response, headers);
      response.writeHead(302, headers);
      return response.end();
    }
    if (!authorized(request, token, port)) {
      return sendText(
        response,
        403,
        'Forbidden: open the URL that satchel serve printed (it carries the access token).',
      );
    }
    if (!originAllowed(request, port)) return sendText(response, 403, 'Forbidden: cross-origin request.');

    const segments = pathname.split('/').slice(1);
    if (segments[0] === 'api') return handleApi(request, response, segments.slice(1).join('/'), method);
    if (segments[0] === 'events' && segments.length === 1) {
      if (method !== 'GET') return sendText(response, 405, 'Method not allowed.', { Allow: 'GET' });
      if (declaresBody(request)) return sendText(response, 413, 'This request takes no body.');
      return events.attach(response, APP_HEADERS);
    }
    if (method !== 'GET' && method !== 'HEAD')
      return sendText(response, 405, 'Method not allowed.', { Allow: 'GET, HEAD' });
    if (declaresBody(request)) return sendText(response, 413, 'This request takes no body.');
    if (segments[0] === 'asset' || segments[0] === 'thumb') return handleAsset(request, response, segments);
    const file = await resolveStaticFile(rendererDir, pathname);
    const headers = { ...APP_HEADERS, 'Content-Type': file?.contentType ?? '', 'Cache-Control': 'no-cache' };
    if (!file || !(await sendFile(request, response, file.file, headers)))
      sendText(response, 404, 'Not found.');
  };

  const handleApi = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    channel: string,
    method: string,
  ) => {
    if (channel === 'startup') {
      if (method !== 'GET') return sendText(response, 405, 'Method not allowed.', { Allow: 'GET' });
      if (declaresBody(request)) return sendText(response, 413, 'This request takes no body.');
      return sendJson(response, 200, await startup);
    }
    if (method !== 'POST') return sendText(response, 405, 'Method not allowed.', { Allow: 'POST' });
    if (!/^application\/json\b/i.test(request.headers['content-type'] ?? '')) {
      return sendJson(response, 415, badRequest('API requests must be sent as application/json.'));
    }
    const limit = channel === 'labels:import' ? BODY_CAP_BYTES.import : BODY_CAP_BYTES.api;
    if (/^100-continue$/i.test(request.headers.expect ?? '') && !tooLarge(request, limit))
      response.writeContinue();
    const body = await readBody(request, limit);
    if (body === 'too-large')
      return sendJson(response, 413, badRequest(`The request body is larger than ${limit / MiB} MiB.`));
    if (body === 'aborted') return;
    let raw: unknown;
    try {
      raw = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      return sendJson(response, 400, badRequest('The request body is not valid JSON.'));
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(channel);
    } catch {
      return sendJson(response, 400, badRequest('The channel name is not valid.'));
    }
    sendJson(response, 200, await host.handle(decoded, raw));
  };

  const handleAsset = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    segments: string[],
  ) => {
    const [kind, ...rest] = segments;
    const parts = rest.map(safeDecode);
    if (parts.length !== 3 || parts.some((part) => part === null || part === ''))
      return sendText(response, 404, 'Not found.');
    const [bagId, table, rid] = parts as [string, string, string];
    // A browser drops the request of an image that left the page (a tile scrolled away): its thumbnail
    // is then dropped too if it has not started.
    const gone = new AbortController();
    response.once('close', () => gone.abort());
    const file = await host.assetFile(kind as AssetUrlKind, bagId, table, rid, gone.signal);
    if (gone.signal.aborted) return;
    const headers = {
      ...COMMON_HEADERS,
      'Content-Security-Policy': ASSET_CSP,
      'Content-Type': file?.contentType ?? '',
      'Cache-Control': 'private, max-age=3600',
    };
    if (!file || !(await sendFile(request, response, file.path, headers)))
      sendText(response, 404, 'Not found.');
  };

  const startup: Promise<StartupState> = options.bag
    ? host.handle('bag:open', { path: options.bag }).then((result) => toStartup(result))
    : Promise.resolve({ bag: null, error: null });

  try {
    port = await listen(server, options.port ?? 0);
  } catch (error) {
    events.close();
    await host.close();
    throw error;
  }

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    token,
    port,
    server,
    startup,
    async close() {
      events.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await host.close();
    },
  };
}

function toStartup(result: ApiResult<Channel>): StartupState {
  return result.ok ? { bag: result.value as OpenedBag, error: null } : { bag: null, error: result.error };
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(
          new SatchelError(
            'io-error',
            `Port ${port} on 127.0.0.1 is already in use; choose another with --port.`,
          ),
        );
      } else reject(error);
    });
    // Loopback only, never 0.0.0.0 or ::, whatever the machine's configuration.
    server.listen({ port, host: '127.0.0.1' }, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Whether the request announces a body (a length above zero, or chunks). */
function declaresBody(request: http.IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The request body, or 'too-large' as soon as it is known to pass `limit`: from Content-Length
 * before any byte is read, else when the bytes read pass it; reading stops there, and the reply
 * closes the connection (see closeIfBodyUnread), so the rest is never read.
 */
function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  if (tooLarge(request, limit)) return Promise.resolve('too-large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (outcome: Buffer | 'too-large' | 'aborted') => {
      request.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.pause();
      finish('too-large');
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onAbort = () => finish('aborted');
    request.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

/** The declared Content-Length passes `limit`. */
function tooLarge(request: http.IncomingMessage, limit: number): boolean {
  const declared = Number(request.headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

/**
 * A reply sent before the request body was read in full ends the connection: Node would otherwise
 * read and drop the rest of the body (gigabytes, if the client wants) to reuse the connection.
 */
function closeIfBodyUnread(response: http.ServerResponse, headers: Record<string, string | number>): void {
  const request = response.req;
  if (request.complete || !declaresBody(request)) return;
  headers.Connection = 'close';
  response.once('finish', () => request.socket.destroy());
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function badRequest(message: string): ApiResult<Channel> {
  return { ok: false, error: { kind: 'bad-request', message } };
}

function sendJson(response: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  const headers: Record<string, string | number> = {
    ...NO_STORE,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  };
  closeIfBodyUnread(response, headers);
  response.writeHead(status, headers);
  response.end(body);
}

function sendText(
  response: http.ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  const body = `${text}\n`;
  const headers: Record<string, string | number> = {
    ...NO_STORE,
    ...extra,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  };
  closeIfBodyUnread(response, headers);
  response.writeHead(status, headers);
  response.end(body);
}
