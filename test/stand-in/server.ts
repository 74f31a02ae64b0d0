// The HTTP front: loopback-only listener, failure injection, routing to authn / ermrest / hatrac, reply writing.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Authn } from './auth.js';
import type { Ermrest } from './ermrest.js';
import type { Hatrac } from './hatrac.js';
import { asHtmlIfAsked, headerValue, HttpError, readBody, textReply, type Reply } from './http.js';

/** Makes the next matching request(s) fail, for testing client retries and broken connections. */
export interface FailureRule {
  method?: string;
  /** Matched against the request path with its query string. */
  pathPrefix: string;
  status?: 500 | 502 | 503 | 504;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Cut the connection instead of answering, after `dropAfterBytes` body bytes arrived (default 0). */
  dropConnection?: boolean;
  dropAfterBytes?: number;
  /** Wait before failing, or before answering normally when neither `status` nor `dropConnection` is set. */
  delayMs?: number;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number | 'dropped';
}

export const LOOPBACK = '127.0.0.1';

export class StandInServer {
  readonly requests: RequestRecord[] = [];
  private readonly failures: (FailureRule & { remaining: number })[] = [];
  private readonly server: http.Server;

  constructor(
    private readonly authn: Authn,
    private readonly ermrest: Ermrest,
    private readonly hatrac: Hatrac,
  ) {
    this.server = http.createServer((request, response) => void this.serve(request, response));
  }

  async listen(port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, LOOPBACK, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  address(): AddressInfo {
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  failNext(rule: FailureRule): void {
    this.failures.push({ ...rule, remaining: rule.times ?? 1 });
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  private takeFailure(method: string, path: string): FailureRule | undefined {
    const index = this.failures.findIndex(
      (rule) => (!rule.method || rule.method.toUpperCase() === method) && path.startsWith(rule.pathPrefix),
    );
    if (index < 0) return undefined;
    const rule = this.failures[index]!;
    if (--rule.remaining <= 0) this.failures.splice(index, 1);
    return rule;
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', `http://${LOOPBACK}`);
    const record: RequestRecord = { method, path: url.pathname + url.search, status: 0 };
    this.requests.push(record);
    const rule = this.takeFailure(method, record.path);
    if (rule?.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
    if (rule?.dropConnection) {
      record.status = 'dropped';
      await this.dropAfter(request, rule.dropAfterBytes ?? 0);
      return;
    }
    let reply: Reply;
    if (rule?.status) {
      request.resume();
      reply = textReply(`Injected failure ${rule.status}.\n`, rule.status);
    } else {
      reply = await this.route(request, url);
    }
    record.status = reply.status;
    this.send(request, response, reply);
  }

  private async route(request: http.IncomingMessage, url: URL): Promise<Reply> {
    const service = url.pathname.split('/')[1];
    try {
      const client = this.authn.clientOf(request);
      if (service === 'authn') return this.authn.handle(request, url.pathname, await readBody(request));
      if (service === 'ermrest')
        return await this.ermrest.handle(request, url, await readBody(request), client);
      if (service === 'hatrac') return await this.hatrac.handle(request, url, client);
      request.resume();
      return textReply(`Resource ${url.pathname} not found.\n`, 404);
    } catch (error) {
      request.resume();
      if (error instanceof HttpError) {
        const shaped = service === 'ermrest' ? asHtmlIfAsked(error, headerValue(request, 'accept')) : error;
        return { status: shaped.status, headers: shaped.headers, body: shaped.body };
      }
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      return textReply(`Internal server error. Detail: ${message}\n`, 500);
    }
  }

  private async dropAfter(request: http.IncomingMessage, bytes: number): Promise<void> {
    const socket = request.socket;
    await new Promise<void>((resolve) => {
      let received = 0;
      const cut = (): void => {
        socket.destroy();
        resolve();
      };
      if (bytes <= 0) return cut();
      request.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= bytes) cut();
      });
      request.once('end', cut);
      request.once('error', cut);
    });
  }

  private send(request: http.IncomingMessage, response: http.ServerResponse, reply: Reply): void {
    const headers = { ...reply.headers };
    const bodyless = request.method === 'HEAD' || reply.status === 204 || reply.status === 304;
    if (reply.file) {
      const length = reply.file.end - reply.file.start + 1;
      response.writeHead(reply.status, { 'content-length': String(Math.max(0, length)), ...headers });
      if (bodyless || length <= 0) response.end();
      else
        fs.createReadStream(reply.file.path, { start: reply.file.start, end: reply.file.end }).pipe(response);
      return;
    }
    const body = reply.body ?? '';
    if (!bodyless || request.method === 'HEAD') headers['content-length'] ??= String(Buffer.byteLength(body));
    response.writeHead(reply.status, headers);
    response.end(bodyless ? undefined : body);
  }
}
