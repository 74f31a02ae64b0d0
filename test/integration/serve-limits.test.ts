import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SatchelServer } from '../../main/serve/index.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * Browser mode against hostile clients, with raw sockets: bodies are refused before they are read,
 * never drained after an error reply, capped per route, and slow or idle connections are cut. The
 * timeouts are injected short, so nothing here waits long.
 */

const scratch = temporaryDirectory('satchel-serve-limits-');
const MiB = 1024 * 1024;
/** What a client may push into kernel buffers before a closed connection stops it: far below any declared body. */
const BUFFERED_AT_MOST = 48 * MiB;
const DECLARED = 1024 * MiB;
/** A bound for waiting on the server, many times the injected timeouts: only reached when nothing cuts. */
const GIVE_UP_MS = 15_000;
const SHORT = { headersTimeoutMs: 400, requestTimeoutMs: 800, idleTimeoutMs: 1200 };
let server: SatchelServer;

beforeAll(async () => {
  const serveEntry = path.join(repoRoot, 'dist', 'main', 'serve', 'index.js');
  expect(fs.existsSync(serveEntry), 'run npm run build first').toBe(true);
  const serve = (await import(pathToFileURL(serveEntry).href)) as typeof import('../../main/serve/index.js');
  const rendererDir = path.join(scratch.dir, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Satchel</title>');
  server = await serve.startServer({
    workspace: path.join(scratch.dir, 'workspace'),
    rendererDir,
    homeDir: scratch.dir,
    limits: SHORT,
  });
});

afterAll(async () => {
  await server?.close();
  scratch.cleanup();
});

interface Exchange {
  /** Everything the server sent back. */
  response: string;
  /** Body bytes the client managed to hand to its socket before the server closed the connection. */
  bodyBytesSent: number;
  closedByServer: boolean;
}

/**
 * Sends `head`, then pushes body bytes (raw, or as chunked frames) until the server closes the
 * connection or `bodyBytes` are sent; bounded by the body size, so it always ends.
 */
function pushBody(head: string, bodyBytes: number, framing: 'raw' | 'chunked' = 'raw'): Promise<Exchange> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const frame =
      framing === 'chunked'
        ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
        : chunk;
    let response = '';
    let sent = 0;
    let closed = false;
    socket.on('data', (data: Buffer) => (response += data.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      resolve({ response, bodyBytesSent: sent, closedByServer: sent < bodyBytes });
    });
    const pump = () => {
      while (!closed && sent < bodyBytes) {
        sent += chunk.length;
        if (!socket.write(frame)) return void socket.once('drain', pump);
      }
      if (!closed) socket.end(framing === 'chunked' ? '0\r\n\r\n' : '');
    };
    socket.write(head, pump);
  });
}

/** Writes `text` and waits for the server to close; gives up (closedByServer false) after GIVE_UP_MS. */
function untilServerCloses(text: string): Promise<{ response: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    let response = '';
    const giveUp = setTimeout(() => {
      socket.removeAllListeners('close');
      socket.destroy();
      resolve({ response, closedByServer: false });
    }, GIVE_UP_MS);
    socket.on('data', (data: Buffer) => (response += data.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ response, closedByServer: true });
    });
    if (text !== '') socket.write(text);
  });
}

function head(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

const host = () => `Host: 127.0.0.1:${server.port}`;
const token = () => `Authorization: token ${server.token}`;

describe('request bodies in browser mode', () => {
  it.each([
    ['a wrong token', () => [host(), 'Authorization: token 0000']],
    ['a foreign Host', () => ['Host: evil.example', token()]],
    ['a foreign Origin', () => [host(), token(), 'Origin: http://evil.example']],
  ])('answers %s with 403 and closes without reading the body', async (_name, headers) => {
    const exchange = await pushBody(
      head([
        'POST /api/library:state HTTP/1.1',
        ...headers(),
        'Content-Type: application/json',
        `Content-Length: ${DECLARED}`,
      ]),
      DECLARED,
    );
    expect(exchange.response).toMatch(/^HTTP\/1\.1 403 /);
    expect(exchange.response).toMatch(/\r\nConnection: close\r\n/i);
    expect(exchange.closedByServer).toBe(true);
    expect(exchange.bodyBytesSent).toBeLessThan(BUFFERED_AT_MOST);
  });

  it('refuses a declared body over the route cap with 413 before reading it, and closes', async () => {
    const exchange = await pushBody(
      head([
        'POST /api/library:state HTTP/1.1',
        host(),
        token(),
        'Content-Type: application/json',
        `Content-Length: ${DECLARED}`,
      ]),
      DECLARED,
    );
    expect(exchange.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.response).toContain('The request body is larger than 1 MiB.');
    expect(exchange.closedByServer).toBe(true);
    expect(exchange.bodyBytesSent).toBeLessThan(BUFFERED_AT_MOST);
  });

  it('stops reading a chunked body at the route cap: 413 and the connection closes', async () => {
    const exchange = await pushBody(
      head([
        'POST /api/library:state HTTP/1.1',
        host(),
        token(),
        'Content-Type: application/json',
        'Transfer-Encoding: chunked',
      ]),
      DECLARED,
      'chunked',
    );
    expect(exchange.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.response).toContain('The request body is larger than 1 MiB.');
    expect(exchange.closedByServer).toBe(true);
    expect(exchange.bodyBytesSent).toBeGreaterThan(MiB);
    expect(exchange.bodyBytesSent).toBeLessThan(MiB + BUFFERED_AT_MOST);
  });

  it('caps each route on its own: a drafts import may send up to 64 MiB', async () => {
    const over = await pushBody(
      head([
        'POST /api/labels:import HTTP/1.1',
        host(),
        token(),
        'Content-Type: application/json',
        `Content-Length: ${64 * MiB + 1}`,
      ]),
      64 * MiB + 1,
    );
    expect(over.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(over.response).toContain('The request body is larger than 64 MiB.');
    expect(over.closedByServer).toBe(true);
    // 2 MiB of spaces: over the 1 MiB of other calls, read in full here, then refused as not JSON.
    const within = await pushBody(
      head([
        'POST /api/labels:import HTTP/1.1',
        host(),
        token(),
        'Content-Type: application/json',
        `Content-Length: ${2 * MiB}`,
      ]),
      2 * MiB,
    );
    expect(within.response).toMatch(/^HTTP\/1\.1 400 /);
    expect(within.response).toContain('The request body is not valid JSON.');
    expect(within.bodyBytesSent).toBe(2 * MiB);
  });

  it('refuses a body on a route that takes none (files, events) and closes', async () => {
    const exchange = await pushBody(
      head(['GET /index.html HTTP/1.1', host(), token(), `Content-Length: ${DECLARED}`]),
      DECLARED,
    );
    expect(exchange.response).toMatch(/^HTTP\/1\.1 413 /);
    expect(exchange.closedByServer).toBe(true);
    expect(exchange.bodyBytesSent).toBeLessThan(BUFFERED_AT_MOST);
  });

  it('invites a body (100 Continue) only once the request is allowed and within its cap', async () => {
    const exchange = (headers: string[]) =>
      new Promise<string>((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port: server.port });
        let response = '';
        socket.on('data', (data: Buffer) => {
          response += data.toString('latin1');
          if (/\r\n\r\n/.test(response)) {
            socket.destroy();
            resolve(response);
          }
        });
        socket.on('error', () => resolve(response));
        socket.write(
          head([
            'POST /api/library:state HTTP/1.1',
            ...headers,
            'Content-Type: application/json',
            'Expect: 100-continue',
            'Content-Length: 2',
          ]),
        );
      });
    expect(await exchange([host(), 'Authorization: token 0000'])).toMatch(/^HTTP\/1\.1 403 /);
    expect(await exchange([host(), token()])).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n$/);
  });

  it('still answers a body within the cap and keeps the connection open for the next request', async () => {
    const body = '{}';
    const request = head([
      'POST /api/library:state HTTP/1.1',
      host(),
      token(),
      'Content-Type: application/json',
      `Content-Length: ${body.length}`,
    ]);
    const replies = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port });
      let text = '';
      socket.on('error', reject);
      socket.on('data', (data: Buffer) => {
        text += data.toString('utf8');
        if ((text.match(/HTTP\/1\.1 200 /g) ?? []).length === 2) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on('close', () => resolve(text));
      socket.write(request + body + request + body);
    });
    expect(replies.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(replies).toContain('"recent":[]');
  });
});

describe('slow and idle connections in browser mode', () => {
  it('cuts a slow-loris header stream at the header timeout with 408', async () => {
    const dripped = 2_000;
    const result = await new Promise<{ response: string; sent: number }>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port: server.port });
      let response = '';
      let sent = 0;
      socket.write(`GET / HTTP/1.1\r\n${host()}\r\nX-Slow: `);
      // One header byte every 10 ms: each resets any idle timer, only a header deadline stops it.
      const timer = setInterval(() => {
        if (sent === dripped) {
          clearInterval(timer);
          socket.end('\r\n\r\n');
          return;
        }
        sent++;
        socket.write('a');
      }, 10);
      socket.on('data', (data: Buffer) => (response += data.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ response, sent });
      });
    });
    expect(result.sent).toBeLessThan(dripped);
    expect(result.response).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts a request whose body stops arriving', async () => {
    const result = await untilServerCloses(
      head([
        'POST /api/library:state HTTP/1.1',
        host(),
        token(),
        'Content-Type: application/json',
        'Content-Length: 100',
      ]) + '{"partial": ',
    );
    expect(result.closedByServer).toBe(true);
    expect(result.response).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a connection that sends nothing', async () => {
    const result = await untilServerCloses('');
    expect(result.closedByServer).toBe(true);
    expect(result.response).not.toMatch(/ 200 /);
  });

  it('closes a kept-alive connection that stays idle after its answer', async () => {
    const result = await untilServerCloses(head(['GET /index.html HTTP/1.1', host(), token()]));
    expect(result.closedByServer).toBe(true);
    expect(result.response).toMatch(/^HTTP\/1\.1 200 /);
    expect(result.response.match(/HTTP\/1\.1/g)).toHaveLength(1);
  });
});
