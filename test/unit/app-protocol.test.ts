import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { assetPath } from '../../shared/contract.js';
import type { AssetFile } from '../../main/core/api/index.js';

const electron = vi.hoisted(() => ({
  registerSchemesAsPrivileged: vi.fn(),
  handle: vi.fn(),
}));
vi.mock('electron', () => ({
  protocol: { registerSchemesAsPrivileged: electron.registerSchemesAsPrivileged, handle: electron.handle },
  app: { on: vi.fn() },
  shell: { openExternal: vi.fn() },
}));

const { installSatchelProtocol, registerSatchelScheme, serveAppRequest } =
  await import('../../main/app/protocol.js');
const { resolveRendererFile, routeAppUrl } = await import('../../main/app/protocol-routes.js');
const { CONTENT_SECURITY_POLICY } = await import('../../main/app/security.js');

const SECRET = 'root:x:0:0:the secret outside the renderer folder';
const BAG_ID = 'abcdef0123456789';

let tmp: string;
let rendererDir: string;
let outside: string;
let bagImage: string;
let assets: { assetFile: Mock<() => Promise<AssetFile | null>> };

beforeEach(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'satchel-protocol-')));
  rendererDir = path.join(tmp, 'renderer-dist');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Satchel</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'index-abc.js'), 'console.log("app");');
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'passwd'), SECRET);
  fs.symlinkSync(path.join(outside, 'passwd'), path.join(rendererDir, 'assets', 'linked.js'));
  fs.symlinkSync(outside, path.join(rendererDir, 'linked-dir'));
  bagImage = path.join(tmp, 'bag', 'data', 'image.png');
  fs.mkdirSync(path.dirname(bagImage), { recursive: true });
  fs.writeFileSync(bagImage, 'PNG bytes');
  assets = { assetFile: vi.fn(async () => null) };
});

afterEach(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  vi.clearAllMocks();
});

async function get(url: string, method = 'GET'): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await serveAppRequest(new Request(url, { method }), { rendererDir, assets });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

describe('the satchel scheme', () => {
  it('is registered as a standard, secure, fetchable, streaming scheme', () => {
    registerSatchelScheme();
    expect(electron.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      {
        scheme: 'satchel',
        privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
      },
    ]);
  });

  it('is handled by serveAppRequest once installed', async () => {
    installSatchelProtocol({ rendererDir, assets });
    expect(electron.handle).toHaveBeenCalledWith('satchel', expect.any(Function));
    const handler = electron.handle.mock.calls[0]![1] as (request: Request) => Promise<Response>;
    const response = await handler(new Request('satchel://app/index.html'));
    expect(await response.text()).toContain('<title>Satchel</title>');
  });
});

describe('renderer files', () => {
  it('serves index.html (also for the bare origin) with the CSP and its content type', async () => {
    for (const url of ['satchel://app/index.html', 'satchel://app/', 'satchel://app']) {
      const { status, body, headers } = await get(url);
      expect(status).toBe(200);
      expect(body).toContain('<title>Satchel</title>');
      expect(headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('serves built scripts as JavaScript', async () => {
    const { status, headers } = await get('satchel://app/assets/index-abc.js?v=1');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answers 404 for missing files and folders', async () => {
    expect((await get('satchel://app/missing.js')).status).toBe(404);
    expect((await get('satchel://app/assets')).status).toBe(404);
  });

  it('only answers GET', async () => {
    expect((await get('satchel://app/index.html', 'POST')).status).toBe(405);
  });
});

describe('escapes are refused and never return the bytes', () => {
  const attempts = [
    'satchel://app/../../etc/passwd',
    'satchel://app/../outside/passwd',
    'satchel://app/%2e%2e/outside/passwd',
    'satchel://app/%2e%2e%2foutside%2fpasswd',
    'satchel://app/assets/..%2f..%2foutside%2fpasswd',
    'satchel://app/assets/%2E%2E%5C..%5Coutside%5Cpasswd',
    'satchel://app/assets/..%5c..%5coutside%5cpasswd',
    'satchel://app/%252e%252e/outside/passwd',
    'satchel://app/index.html%00.png',
    'satchel://app/%E0%A4%A',
    'satchel://app/assets/linked.js',
    'satchel://app/linked-dir/passwd',
    `satchel://app/${encodeURIComponent(path.join('..', 'outside', 'passwd'))}`,
    'satchel://app/C:%5Cwindows%5Cwin.ini',
    'satchel://evil/index.html',
    'satchel://evil/outside/passwd',
    'satchel://app.evil/index.html',
    'satchel://app:8080/index.html',
  ];
  it.each(attempts)('%s', async (url) => {
    const { status, body } = await get(url);
    expect([403, 404]).toContain(status);
    expect(body).not.toContain(SECRET);
    expect(body).not.toContain('<title>Satchel</title>');
  });

  it('a symlink in the renderer folder pointing outside resolves to nothing', () => {
    expect(resolveRendererFile(rendererDir, ['assets', 'linked.js'])).toBeNull();
    expect(resolveRendererFile(rendererDir, ['linked-dir', 'passwd'])).toBeNull();
    expect(resolveRendererFile(rendererDir, ['..', 'outside', 'passwd'])).toBeNull();
    expect(resolveRendererFile(rendererDir, [])).toBeNull();
  });
});

describe('routing', () => {
  it('decodes asset and thumbnail URLs built with the contract', () => {
    expect(routeAppUrl(`satchel://app${assetPath('thumb', BAG_ID, 'deriva-ml:Image', '1-ABC')}`)).toEqual({
      kind: 'asset',
      assetKind: 'thumb',
      bagId: BAG_ID,
      table: 'deriva-ml:Image',
      rid: '1-ABC',
    });
  });

  it('refuses malformed asset URLs and other hosts', () => {
    expect(routeAppUrl(`satchel://app/asset/${BAG_ID}/Image`)).toEqual({ kind: 'not-found' });
    expect(routeAppUrl(`satchel://app/asset/${BAG_ID}/Image/1-A/extra`)).toEqual({ kind: 'not-found' });
    expect(routeAppUrl(`satchel://app/asset/${BAG_ID}/..%2f..%2fetc/1-A`)).toEqual({ kind: 'forbidden' });
    expect(routeAppUrl('satchel://other/index.html')).toEqual({ kind: 'not-found' });
    expect(routeAppUrl('https://app/index.html')).toEqual({ kind: 'not-found' });
  });
});

describe('asset files', () => {
  const imageUrl = `satchel://app${assetPath('asset', BAG_ID, 'deriva-ml:Image', '1-ABC')}`;

  it('serves exactly the file the API host returned, with the host’s content type', async () => {
    assets.assetFile.mockResolvedValue({ path: bagImage, contentType: 'image/png' });
    const { status, body, headers } = await get(imageUrl);
    // With the request's signal, which aborts a thumbnail the page no longer waits for.
    expect(assets.assetFile).toHaveBeenCalledWith(
      'asset',
      BAG_ID,
      'deriva-ml:Image',
      '1-ABC',
      expect.any(AbortSignal),
    );
    expect(status).toBe(200);
    expect(body).toBe('PNG bytes');
    expect(headers.get('content-type')).toBe('image/png');
    expect(headers.get('content-security-policy')).toContain('sandbox');
  });

  it('answers 404 when the host does not return a file, even if one exists at that name', async () => {
    fs.writeFileSync(path.join(rendererDir, 'asset'), SECRET);
    for (const url of [imageUrl, `satchel://app/asset/${BAG_ID}/x/..%2F..%2F..%2Foutside%2Fpasswd`]) {
      const { status, body } = await get(url);
      expect([403, 404]).toContain(status);
      expect(body).not.toContain(SECRET);
    }
  });

  it('answers 404 when the host fails or returns something that is not a file', async () => {
    assets.assetFile.mockRejectedValueOnce(new Error('boom'));
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect((await get(imageUrl)).status).toBe(404);
    assets.assetFile.mockResolvedValueOnce({ path: tmp, contentType: 'image/png' });
    expect((await get(imageUrl)).status).toBe(404);
    assets.assetFile.mockResolvedValueOnce({ path: path.join(tmp, 'gone.png'), contentType: 'image/png' });
    expect((await get(imageUrl)).status).toBe(404);
  });

  it('never serves a bag file as a page or a script', async () => {
    for (const contentType of ['text/html', 'text/javascript', 'application/xhtml+xml', 'application/wasm']) {
      assets.assetFile.mockResolvedValueOnce({ path: bagImage, contentType });
      expect((await get(imageUrl)).headers.get('content-type')).toBe('application/octet-stream');
    }
    // SVG stays an image: <img> never runs its scripts, and the sandbox CSP covers it as a document.
    assets.assetFile.mockResolvedValueOnce({ path: bagImage, contentType: 'image/svg+xml' });
    expect((await get(imageUrl)).headers.get('content-type')).toBe('image/svg+xml');
  });
});
