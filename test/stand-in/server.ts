// The HTTP front: loopback-only listener, failure injection, routing to authn / ermrest / hatrac, reply writing.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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
  /** The answer's status once the server acted on the request; 'dropped' when it never did. */
  status: number | 'dropped';
  /** The request body of ERMrest and webauthn requests, as text (Hatrac bodies are not kept). */
  body?: string;
  /** The whole answer was handed to the connection. False for a request cut before or after the server acted. */
  delivered: boolean;
}

/** Where to stop a request: before the server acts on it, or after it acted but before the answer leaves. */
export interface HoldRule {
  method?: string;
  /** Matched against the request path with its query string. */
  pathPrefix: string;
  at: 'request' | 'answer';
  /** Let this many matching requests pass first (default 0). */
  skip?: number;
}

/** A request stopped by a HoldRule; it waits until one of these is called. */
export interface HeldRequest {
  readonly record: RequestRecord;
  /** Goes on: the server acts on the request, or sends the answer it held. */
  release(): void;
  /** Destroys the connection: a request held before the server acted is never acted on. */
  cut(): void;
}

interface PendingHold {
  rule: HoldRule;
  skip: number;
  resolve: (held: HeldRequest) => void;
}

export const LOOPBACK = '127.0.0.1';

export class StandInServer {
  readonly requests: RequestRecord[] = [];
  private readonly failures: (FailureRule & { remaining: number })[] = [];
  private readonly holds: PendingHold[] = [];
  /** Gates of requests held right now, so close() can cut them instead of waiting forever. */
  private readonly held = new Set<(action: 'release' | 'cut') => void>();
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
    for (const gate of [...this.held]) gate('cut');
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

  /** Forgets the holds no request has matched yet. */
  clearHolds(): void {
    this.holds.length = 0;
  }

  /** Resolves when a request matching `rule` arrives and has been stopped where the rule says. */
  hold(rule: HoldRule): Promise<HeldRequest> {
    return new Promise((resolve) => this.holds.push({ rule, skip: rule.skip ?? 0, resolve }));
  }

  /** Stops the request if a hold for this stage matches; resolves true when it may go on. */
  private async gate(at: HoldRule['at'], record: RequestRecord, socket: Socket): Promise<boolean> {
    const index = this.holds.findIndex(
      (hold) =>
        hold.rule.at === at &&
        (!hold.rule.method || hold.rule.method.toUpperCase() === record.method) &&
        record.path.startsWith(hold.rule.pathPrefix),
    );
    if (index < 0) return true;
    const hold = this.holds[index]!;
    if (hold.skip-- > 0) return true;
    this.holds.splice(index, 1);
    const action = await new Promise<'release' | 'cut'>((decide) => {
      const once = (choice: 'release' | 'cut') => {
        if (!this.held.delete(once)) return;
        // A cut takes effect at once: the connection is gone and the record says so before cut() returns.
        if (choice === 'cut') {
          socket.destroy();
          if (at === 'request') record.status = 'dropped';
        }
        decide(choice);
      };
      this.held.add(once);
      hold.resolve({ record, release: () => once('release'), cut: () => once('cut') });
    });
    return action === 'release';
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
    const record: RequestRecord = { method, path: url.pathname + url.search, status: 0, delivered: false };
    this.requests.push(record);
    response.once('finish', () => (record.delivered = true));
    if (!(await this.gate('request', record, request.socket))) {
      record.status = 'dropped';
      return;
    }
    const rule = this.takeFailure(method, record.path);
    if (rule?.delayMs) await new Promise((resolve) => setTimeout(resolve, rule.delayMs));
    if (rule?.dropConnection) {
      record.status = 'dropped';
      await this.dropAfter(request, rule.dropAfterBytes ?? 0);
      return;
    }
    if (rule?.status) {
      request.resume();
      record.status = rule.status;
      this.send(request, response, textReply(`Injected failure ${rule.status}.\n`, rule.status));
      return;
    }
    const reply = await this.route(request, url, record);
    record.status = reply.status;
    if (await this.gate('answer', record, request.socket)) this.send(request, response, reply);
  }

  private async route(request: http.IncomingMessage, url: URL, record: RequestRecord): Promise<Reply> {
    const service = url.pathname.split('/')[1];
    const body = async () => {
      const bytes = await readBody(request);
      if (bytes.length > 0) record.body = bytes.toString('utf8');
      return bytes;
    };
    try {
      const client = this.authn.clientOf(request);
      if (service === 'authn') return this.authn.handle(request, url.pathname, await body());
      if (service === 'ermrest') return await this.ermrest.handle(request, url, await body(), client);
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
