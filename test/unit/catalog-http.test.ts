import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CatalogError, HttpClient, backoffDelay, isTransientStatus } from '../../main/core/catalog/index.js';
import { errorForStatus as errorForStatusForTest } from '../../main/core/catalog/errors.js';

/** A loopback server whose next answers are scripted per test. */
type Step = { status: number; body?: string; headers?: Record<string, string> } | 'drop' | 'hang';
let script: Step[] = [];
let seen: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
let origin = '';
let otherOrigin = '';
const server = http.createServer((request, response) => {
  seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
  request.resume();
  const step = script.shift() ?? { status: 200, body: 'ok' };
  if (step === 'drop') {
    request.socket.destroy();
    return;
  }
  if (step === 'hang') return;
  response.writeHead(step.status, { 'content-type': 'text/plain', ...step.headers });
  response.end(step.body ?? '');
});
const other = http.createServer((request, response) => {
  seen.push({ method: request.method ?? '', url: `other:${request.url}`, headers: request.headers });
  response.end('elsewhere');
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  otherOrigin = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  other.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await new Promise<void>((resolve) => other.close(() => resolve()));
});
beforeEach(() => {
  script = [];
  seen = [];
});

const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 4 };
const client = (options: ConstructorParameters<typeof HttpClient>[1] = {}) =>
  new HttpClient(origin, { retry: fast, ...options });

async function failure(promise: Promise<unknown>): Promise<CatalogError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError);
    return error as CatalogError;
  }
  throw new Error('expected a failure');
}

describe('retry policy', () => {
  it('retries 503 until it succeeds', async () => {
    script = [
      { status: 503, body: 'busy' },
      { status: 503 },
      { status: 503 },
      { status: 200, body: 'finally' },
    ];
    const response = await client().request({ method: 'GET', path: '/ermrest/catalog/1' });
    expect(response.body.toString()).toBe('finally');
    expect(seen).toHaveLength(4);
  });

  it('gives up after the bounded number of attempts with a server error naming the path', async () => {
    script = [500, 502, 503, 504, 503].map((status) => ({
      status,
      body: 'Service unavailable. Detail: database restarting\n',
    }));
    const error = await failure(client().request({ method: 'GET', path: '/ermrest/catalog/1/entity/a:b' }));
    expect(seen).toHaveLength(4);
    expect(error.kind).toBe('server');
    expect(error.status).toBe(504);
    expect(error.message).toBe(
      'The server failed on GET /ermrest/catalog/1/entity/a:b (504): database restarting (gave up after 4 attempts).',
    );
  });

  it.each([400, 401, 403, 404, 409, 412, 413, 429])('never retries %i', async (status) => {
    script = [{ status, body: 'Nope. Detail: because\n' }, { status: 200 }];
    const error = await failure(client().request({ method: 'GET', path: '/x' }));
    expect(seen).toHaveLength(1);
    expect(error.status).toBe(status);
  });

  it('does not retry 501, which is permanent', async () => {
    script = [{ status: 501 }, { status: 200 }];
    expect((await failure(client().request({ method: 'GET', path: '/x' }))).kind).toBe('server');
    expect(seen).toHaveLength(1);
    expect(isTransientStatus(501)).toBe(false);
  });

  it('retries a dropped connection', async () => {
    script = ['drop', 'drop', { status: 200, body: 'after drops' }];
    const response = await client().request({ method: 'GET', path: '/hatrac/x/y' });
    expect(response.body.toString()).toBe('after drops');
    expect(seen).toHaveLength(3);
  });

  it('reports a connection that keeps dropping as a network error', async () => {
    script = ['drop', 'drop', 'drop', 'drop'];
    const error = await failure(client().request({ method: 'GET', path: '/hatrac/x/y' }));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(
      /^The connection to http:\/\/127\.0\.0\.1:\d+ failed during GET \/hatrac\/x\/y \(.+\) \(gave up after 4 attempts\)\.$/,
    );
  });

  it('does not repeat a POST unless the caller made it idempotent', async () => {
    script = [{ status: 503 }, { status: 200 }];
    expect((await failure(client().request({ method: 'POST', path: '/p', body: () => '[]' }))).kind).toBe(
      'server',
    );
    expect(seen).toHaveLength(1);
    script = [{ status: 503 }, 'drop', { status: 200, body: 'inserted' }];
    seen = [];
    const response = await client().request({
      method: 'POST',
      path: '/p',
      body: () => '[]',
      idempotent: true,
    });
    expect(response.body.toString()).toBe('inserted');
    expect(seen).toHaveLength(3);
  });

  it('times out a silent server, retries, and says so', async () => {
    script = ['hang', 'hang'];
    const error = await failure(
      client({ timeoutMs: 100, retry: { ...fast, attempts: 2 } }).request({ method: 'GET', path: '/slow' }),
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe(
      'The server sent nothing for 0.1 s during GET /slow (gave up after 2 attempts).',
    );
    expect(seen).toHaveLength(2);
  });

  it('cancels through an AbortSignal, also during the backoff', async () => {
    const controller = new AbortController();
    script = ['hang'];
    const pending = client().request({ method: 'GET', path: '/wait', signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await failure(pending);
    expect(error.kind).toBe('cancelled');
    expect(error.message).toBe('GET /wait was cancelled.');

    const slowBackoff = new AbortController();
    script = [{ status: 503 }, { status: 200 }];
    const backingOff = client({ retry: { attempts: 3, baseDelayMs: 10_000, maxDelayMs: 10_000 } }).request({
      method: 'GET',
      path: '/b',
      signal: slowBackoff.signal,
    });
    setTimeout(() => slowBackoff.abort(), 50);
    expect((await failure(backingOff)).kind).toBe('cancelled');
  });

  it('backs off exponentially with jitter, capped, and honours Retry-After', () => {
    const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 };
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy))).toEqual([75, 150, 300, 600, 750]);
    expect(backoffDelay(1, { ...policy, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { ...policy, random: () => 0.999999 })).toBe(100);
    expect(backoffDelay(1, policy, 800)).toBe(800);
    expect(backoffDelay(1, policy, 60_000)).toBe(1000);
  });
});

describe('credentials and errors', () => {
  it('sends the cookie or bearer token, and never to another origin on a redirect', async () => {
    script = [{ status: 302, headers: { location: `${otherOrigin}/elsewhere` } }];
    const response = await client({ credential: { kind: 'cookie', value: 'webauthn=secret' } }).request({
      method: 'GET',
      path: '/hatrac/a/b',
    });
    expect(response.body.toString()).toBe('elsewhere');
    expect(seen[0]!.headers.cookie).toBe('webauthn=secret');
    expect(seen[1]!.url).toBe('other:/elsewhere');
    expect(seen[1]!.headers.cookie).toBeUndefined();

    seen = [];
    await client({ credential: { kind: 'bearer', value: 'tok' } }).request({ method: 'GET', path: '/x' });
    expect(seen[0]!.headers.authorization).toBe('Bearer tok');
  });

  it('refuses a redirect to plain http off loopback', async () => {
    script = [{ status: 301, headers: { location: 'http://www.example.org/x' } }];
    expect((await failure(client().request({ method: 'GET', path: '/x' }))).kind).toBe('bad-url');
  });

  it('maps statuses to kinds with one sentence naming the path', () => {
    const cases: [number, string, string, string | undefined][] = [
      [
        401,
        'Access requires authentication. Detail: enumerate access on catalog/1\n',
        'auth-required',
        undefined,
      ],
      [403, 'Access forbidden. Detail: insert access on :hematology:Subject\n', 'forbidden', undefined],
      [404, 'Resource not found. Detail: catalog 999999\n', 'not-found', undefined],
      [400, 'Request malformed. Detail: Invalid int4: "forty"\n', 'bad-request', undefined],
      [
        409,
        'Request conflicts with state of server. Detail: Input data violates model. ERROR:  duplicate key value violates unique constraint "Cell_Type_Name_key"\nDETAIL:  Key ("Name")=(Neutrophil) already exists.\n\n',
        'conflict',
        'duplicate',
      ],
      [
        409,
        'Request conflicts with state of server. Detail: Input data violates model. ERROR:  insert or update on table "E" violates foreign key constraint "E_fkey"\n',
        'conflict',
        'foreign-key',
      ],
      [
        409,
        'Request conflicts with state of server. Detail: null value in column "Cell_Type" of relation "input_data_x" violates not-null constraint\n',
        'conflict',
        'not-null',
      ],
      [
        409,
        'Request conflicts with state of server. Detail: Table Nope does not exist in schema hematology.\n',
        'conflict',
        'other',
      ],
      [503, '<html><body><h1>Service Unavailable</h1></body></html>', 'server', undefined],
    ];
    for (const [status, body, kind, conflict] of cases) {
      const error = errorForStatusForTest(
        status,
        'POST',
        '/ermrest/catalog/1/entity/hematology:Cell_Type',
        body,
      );
      expect(error.kind).toBe(kind);
      expect(error.conflict).toBe(conflict);
      expect(error.message).toContain('POST /ermrest/catalog/1/entity/hematology:Cell_Type');
      expect(error.message.endsWith('.')).toBe(true);
      expect(error.message.split('\n')).toHaveLength(1);
    }
    expect(
      errorForStatusForTest(
        401,
        'GET',
        '/ermrest/catalog/1',
        'Access requires authentication. Detail: enumerate access on catalog/1\n',
      ).message,
    ).toBe(
      'The server requires you to sign in for GET /ermrest/catalog/1 (401): enumerate access on catalog/1.',
    );
    expect(
      errorForStatusForTest(
        409,
        'POST',
        '/e',
        'Request conflicts with state of server. Detail: Input data violates model. ERROR:  duplicate key value violates unique constraint "k"\n',
      ).message,
    ).toBe(
      'The server refused POST /e because a row with the same key already exists (409): Input data violates model. ERROR: duplicate key value violates unique constraint "k".',
    );
  });

  it('hands back statuses the caller allows', async () => {
    script = [{ status: 404, body: 'gone' }];
    const response = await client().request({ method: 'HEAD', path: '/hatrac/x/y', allow: [404] });
    expect(response.status).toBe(404);
  });
});
