import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, Channel, OpenedBag } from '../../shared/contract.js';
import type { SatchelServer } from '../../main/serve/index.js';
import { generatedBags } from '../support/bags.js';
import { buildMiniBag } from '../support/mini-bag.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory('satchel-serve-');
const workspace = path.join(scratch.dir, 'workspace');
const rendererDir = path.join(scratch.dir, 'renderer');
const secret = path.join(scratch.dir, 'secret.txt');
const SECRET = 'top secret bytes';
const build = path.join(repoRoot, 'test-artifacts', `serve-build-${process.pid}`);
const bag = buildMiniBag(path.join(scratch.dir, 'bags'));
let server: SatchelServer;
let cookie = '';

/** The worker thread needs JavaScript: compile main/ and shared/ into a private folder for this file. */
function compile(outDir: string): void {
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir, '--sourceMap', 'false'],
    {
      cwd: repoRoot,
      encoding: 'utf8',
    },
  );
  if (!fs.existsSync(path.join(outDir, 'main', 'serve', 'server.js')))
    throw new Error(`tsc failed:\n${result.stdout}`);
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request: the path is sent exactly as given, with any Host header. */
function send(
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; port?: number } = {},
): Promise<Reply> {
  const port = options.port ?? server.port;
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: target,
        method: options.method ?? 'GET',
        headers: { Host: `127.0.0.1:${port}`, ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

const withCookie = (extra: Record<string, string> = {}) => ({ Cookie: cookie, ...extra });

async function api<C extends Channel>(channel: C, request: unknown): Promise<ApiResult<C>> {
  const reply = await send(`/api/${channel}`, {
    method: 'POST',
    headers: withCookie({ 'Content-Type': 'application/json' }),
    body: JSON.stringify(request),
  });
  expect(reply.status).toBe(200);
  expect(reply.headers['cache-control']).toBe('no-store');
  return JSON.parse(reply.body) as ApiResult<C>;
}

beforeAll(async () => {
  compile(build);
  fs.mkdirSync(rendererDir, { recursive: true });
  fs.writeFileSync(
    path.join(rendererDir, 'index.html'),
    '<!doctype html><title>Satchel</title><script src="/app.js"></script>',
  );
  fs.writeFileSync(path.join(rendererDir, 'app.js'), 'console.log("satchel");');
  fs.writeFileSync(secret, SECRET);
  fs.symlinkSync(secret, path.join(rendererDir, 'link.txt'));
  // An asset whose file is a link to the secret.
  const linked = path.join(bag, 'data', 'asset', 'I2', 'Image', 'image_2.bin');
  fs.rmSync(linked);
  fs.symlinkSync(secret, linked);
  const serveModule = (await import(
    pathToFileURL(path.join(build, 'main', 'serve', 'index.js')).href
  )) as typeof import('../../main/serve/index.js');
  server = await serveModule.startServer({ workspace, rendererDir, bag });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(build, { recursive: true, force: true });
  scratch.cleanup();
});

describe('browser mode over HTTP', () => {
  it('listens on 127.0.0.1 only and prints a token URL', () => {
    expect(server.server.address()).toEqual({ address: '127.0.0.1', family: 'IPv4', port: server.port });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses every request without the token with a one-line 403', async () => {
    for (const target of [
      '/',
      '/index.html',
      '/events',
      '/api/startup',
      `/asset/0123456789abcdef/lab%3AImage/I0`,
      '/?token=wrong',
    ]) {
      const reply = await send(target);
      expect(reply.status, target).toBe(403);
      expect(reply.body.trimEnd().split('\n'), target).toHaveLength(1);
    }
    expect(
      (
        await send('/api/library:state', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(403);
  });

  it('exchanges the token URL for an HttpOnly, SameSite=Strict cookie and serves the renderer with a strict CSP', async () => {
    const login = await send(`/?token=${server.token}`);
    expect(login.status).toBe(302);
    expect(login.headers.location).toBe('/');
    const withCatalog = await send(
      `/?token=${server.token}&catalog=${encodeURIComponent('http://127.0.0.1:1/ermrest/catalog/1')}`,
    );
    // The token never stays in the address; the other parameters do, for the page.
    expect(withCatalog.headers.location).toBe(
      `/?catalog=${encodeURIComponent('http://127.0.0.1:1/ermrest/catalog/1')}`,
    );
    const setCookie = login.headers['set-cookie']![0]!;
    expect(setCookie).toBe(`satchel_token_${server.port}=${server.token}; HttpOnly; SameSite=Strict; Path=/`);
    cookie = setCookie.split(';')[0]!;

    const index = await send('/', { headers: withCookie() });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Satchel</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    const script = await send('/app.js', { headers: withCookie() });
    expect(script).toMatchObject({ status: 200, body: 'console.log("satchel");' });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const header = await send('/app.js', { headers: { Authorization: `token ${server.token}` } });
    expect(header.status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding) and a foreign Origin, even with the cookie', async () => {
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      '127.0.0.1:1',
      `[::1]:${server.port}`,
    ]) {
      const reply = await send('/', { headers: withCookie({ Host: host }) });
      expect(reply.status, host).toBe(403);
    }
    expect((await send('/', { headers: withCookie({ Host: `localhost:${server.port}` }) })).status).toBe(200);
    const crossSite = await send('/api/library:state', {
      method: 'POST',
      headers: withCookie({ 'Content-Type': 'application/json', Origin: 'http://evil.example' }),
      body: '{}',
    });
    expect(crossSite.status).toBe(403);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const target of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/link.txt',
      `/${encodeURIComponent(secret)}`,
      '/missing.js',
    ]) {
      const reply = await send(target, { headers: withCookie() });
      expect(reply.status, target).toBeGreaterThanOrEqual(400);
      expect(reply.body, target).not.toContain(SECRET);
    }
  });

  it('answers the API: startup bag, bag:open, bag:members and refusals', async () => {
    const startup = await send('/api/startup', { headers: withCookie() });
    expect(startup.status).toBe(200);
    const state = JSON.parse(startup.body) as { bag: OpenedBag | null; error: unknown };
    expect(state.error).toBeNull();
    expect(state.bag).toMatchObject({ path: bag, report: { rid: 'D1' } });

    const opened = await api('bag:open', { path: bag });
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value.bagId).toBe(state.bag!.bagId);
    const members = await api('bag:members', {
      bagId: opened.value.bagId,
      datasetRid: 'D1',
      elementType: 'Image',
      recurse: true,
    });
    if (!members.ok) throw new Error(members.error.message);
    expect(members.value.total).toBe(6);
    expect(members.value.badges.I0).toEqual([
      { feature: 'Label', value: 'Cat', executions: 1, disagreement: false, from: 'person' },
    ]);

    expect(await api('bag:nothing' as Channel, {})).toMatchObject({
      ok: false,
      error: { kind: 'bad-request' },
    });
    expect(await api('bag:open', { path: 42 })).toMatchObject({ ok: false, error: { kind: 'bad-request' } });
    const post = (body: string | Buffer, contentType = 'application/json') =>
      send('/api/library:state', {
        method: 'POST',
        headers: withCookie({ 'Content-Type': contentType }),
        body,
      });
    expect((await post('{}', 'text/plain')).status).toBe(415);
    expect((await post('{not json')).status).toBe(400);
    const tooLarge = await post(Buffer.alloc(1024 * 1024 + 10, 0x20));
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toMatchObject({ ok: false, error: { kind: 'bad-request' } });
    expect((await send('/api/library:state', { headers: withCookie() })).status).toBe(405);
  });

  it('serves bag files and ranges, and nothing outside the bag', async () => {
    const opened = await api('bag:open', { path: bag });
    if (!opened.ok) throw new Error(opened.error.message);
    const id = opened.value.bagId;
    const file = await send(`/asset/${id}/lab%3AImage/I0`, { headers: withCookie() });
    expect(file.status).toBe(200);
    expect(file.body).toBe('image 0 of D1\n');
    expect(file.headers['content-type']).toBe('application/octet-stream');
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    expect(file.headers['content-security-policy']).toMatch(/sandbox/);
    const range = await send(`/asset/${id}/Image/I0`, { headers: withCookie({ Range: 'bytes=0-4' }) });
    expect(range).toMatchObject({ status: 206, body: 'image' });
    expect(range.headers['content-range']).toBe('bytes 0-4/14');
    expect(
      (await send(`/asset/${id}/Image/I0`, { headers: withCookie({ Range: 'bytes=99-' }) })).status,
    ).toBe(416);
    for (const target of [
      `/asset/${id}/lab%3AImage/I2`,
      `/asset/${id}/%2e%2e/%2e%2e`,
      `/asset/${id}/..%2f..%2fsecret.txt/I0`,
      `/asset/${id}/lab%3AImage/..%2F..%2Fsecret`,
      `/asset/${id}/lab%3AImage`,
      `/asset/ffffffffffffffff/lab%3AImage/I0`,
      `/thumb/${id}/lab%3AImage/I0`,
      `/thumb/${id}/lab%3AImage/I2`,
    ]) {
      const reply = await send(target, { headers: withCookie() });
      expect(reply.status, target).toBe(404);
      expect(reply.body, target).not.toContain(SECRET);
    }
  });

  it('streams progress as Server-Sent Events while a bag opens', async () => {
    const other = buildMiniBag(path.join(scratch.dir, 'other-bags'), { rid: 'D7' });
    const received = await new Promise<string>((resolve, reject) => {
      const request = http.get(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/events',
          headers: { Host: `127.0.0.1:${server.port}`, Cookie: cookie },
        },
        (response) => {
          expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
          let text = '';
          response.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
            if (text.includes('event: progress\n')) {
              request.destroy();
              resolve(text);
            }
          });
          void api('bag:open', { path: other });
        },
      );
      request.on('error', (error) => (error.message.includes('aborted') ? undefined : reject(error)));
    });
    const event = /event: progress\ndata: (.+)\n\n/.exec(received);
    expect(JSON.parse(event![1]!)).toMatchObject({ task: 'open', path: other });
  });

  it('drops the thumbnails of requests the browser gave up, and still answers the one it waits for', async () => {
    const { formatB, facts } = generatedBags();
    const opened = await api('bag:open', { path: formatB });
    if (!opened.ok) throw new Error(opened.error.message);
    const id = opened.value.bagId;
    const [wanted, ...abandoned] = facts.images.filter((image) => image.format === 'jpeg').slice(0, 40);
    const thumbnails = () =>
      fs
        .readdirSync(path.join(workspace, 'thumbs'), { recursive: true })
        .filter((name) => String(name).endsWith('.webp')).length;
    // Like tiles scrolled out of view: each request is given up as soon as it is sent.
    await Promise.all(
      abandoned.map(
        (image) =>
          new Promise<void>((resolve) => {
            const request = http.get({
              host: '127.0.0.1',
              port: server.port,
              path: `/thumb/${id}/Image/${image!.rid}`,
              headers: { Host: `127.0.0.1:${server.port}`, Cookie: cookie },
            });
            request.on('finish', () => request.destroy());
            request.on('error', () => undefined);
            request.on('close', () => resolve());
          }),
      ),
    );
    // Asked last, it waits behind every abandoned thumbnail still in the queue (two are made at a time).
    const reply = await send(`/thumb/${id}/Image/${wanted!.rid}`, { headers: withCookie() });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('image/webp');
    // Without dropping, the 39 abandoned ones would have been made before it.
    expect(thumbnails()).toBeGreaterThanOrEqual(1);
    expect(thumbnails()).toBeLessThan(20);
  });
});

describe('satchel serve and satchel start as commands', () => {
  /** Runs the compiled CLI like bin/satchel.js does, from the private build. */
  function satchel(args: string[], env: Record<string, string>): ChildProcessWithoutNullStreams {
    const cli = pathToFileURL(path.join(build, 'main', 'cli', 'satchel.js')).href;
    return spawn(
      process.execPath,
      ['-e', `import(${JSON.stringify(cli)}).then((cli) => cli.main(process.argv.slice(1)))`, ...args],
      {
        env: { ...process.env, SATCHEL_WORKSPACE: '', ...env },
      },
    );
  }

  async function runUntilUrl(child: ChildProcessWithoutNullStreams) {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 15_000;
    while (!stdout.includes('\n') && Date.now() < deadline && child.exitCode === null)
      await new Promise((resolve) => setTimeout(resolve, 50));
    return { output: () => ({ stdout, stderr }), exited };
  }

  it('serve prints exactly one URL line, opens BROWSER on a private launch file, and stops cleanly on SIGTERM', async () => {
    const opened = path.join(scratch.dir, 'browser-opened.txt');
    const browser = path.join(scratch.dir, 'fake-browser.sh');
    // Written aside and renamed, so the test never reads the file half-written.
    fs.writeFileSync(
      browser,
      `#!/bin/sh\nprintf '%s' "$1" > '${opened}.part' && mv '${opened}.part' '${opened}'\n`,
      {
        mode: 0o755,
      },
    );
    const child = satchel(['serve', '--port', '0', '--workspace', path.join(scratch.dir, 'cli-workspace')], {
      BROWSER: browser,
    });
    const run = await runUntilUrl(child);
    const { stdout } = run.output();
    expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}\n$/);
    const url = new URL(stdout.trim());
    const reply = await send(`/?token=${url.searchParams.get('token')}`, { port: Number(url.port) });
    expect(reply.status).toBe(302);
    const deadline = Date.now() + 5000;
    while (!fs.existsSync(opened) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    // The browser gets a private launch file, never the token on its command line (where `ps` shows it).
    const launched = fs.readFileSync(opened, 'utf8');
    expect(launched).toMatch(/^file:\/\/.+\/browser-launch\/satchel-\d+\.html$/);
    expect(launched).not.toContain(url.searchParams.get('token')!);
    const launchFile = new URL(launched).pathname;
    expect(fs.statSync(launchFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(launchFile, 'utf8')).toContain(stdout.trim().replaceAll('&', '&amp;'));
    child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toBe(stdout);
    expect(fs.existsSync(launchFile)).toBe(false);
  });

  const electronInstalled =
    spawnSync(process.execPath, ['-e', "require('fs').accessSync(require('electron'))"], { cwd: repoRoot })
      .status === 0;

  it.runIf(!electronInstalled)(
    'start says in one sentence that Electron is missing and serves in the browser instead',
    async () => {
      const child = satchel(['start', '--workspace', path.join(scratch.dir, 'start-workspace')], {
        BROWSER: 'none',
      });
      const run = await runUntilUrl(child);
      const { stdout, stderr } = run.output();
      expect(stderr).toBe(
        'Electron is not installed on this machine, so Satchel opens in your browser instead.\n',
      );
      expect(stdout).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}\n$/);
      child.kill('SIGINT');
      expect(await run.exited).toBe(0);
    },
  );
});
