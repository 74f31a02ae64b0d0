import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Session, WebContents } from 'electron';

const electron = vi.hoisted(() => ({
  app: { on: vi.fn() },
  openExternal: vi.fn(async (_url: string) => undefined),
  safeStorage: {
    getSelectedStorageBackend: vi.fn(() => 'gnome_libsecret'),
    isAsyncEncryptionAvailable: vi.fn(async () => true),
    encryptStringAsync: vi.fn(async (text: string) =>
      Buffer.from(`sealed:${Buffer.from(text).toString('base64')}`),
    ),
    decryptStringAsync: vi.fn(async (sealed: Buffer) => ({
      result: Buffer.from(sealed.toString().replace(/^sealed:/, ''), 'base64').toString(),
      shouldReEncrypt: false,
    })),
  },
}));
vi.mock('electron', () => ({
  app: electron.app,
  shell: { openExternal: electron.openExternal },
  safeStorage: electron.safeStorage,
}));

const security = await import('../../main/app/security.js');
const { readSecret, storeSecret, deleteSecret, SecretStorageUnavailable } =
  await import('../../main/app/secrets.js');

interface WindowOpenAnswer {
  action: string;
}

/** Just enough of WebContents: events with a preventable first argument and the window-open hook. */
class FakeWebContents extends EventEmitter {
  openHandler: ((details: { url: string }) => WindowOpenAnswer) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenAnswer): void {
    this.openHandler = handler;
  }
  /** Emits a navigation-like event and says whether it was prevented. */
  attempt(name: string, url?: string): boolean {
    const event = { preventDefault: vi.fn() };
    this.emit(name, event, url);
    return event.preventDefault.mock.calls.length > 0;
  }
}

function hardened(): FakeWebContents {
  const contents = new FakeWebContents();
  security.hardenWebContents(contents as unknown as WebContents);
  return contents;
}

afterEach(() => vi.clearAllMocks());

describe('navigation and new windows', () => {
  it('lets the window load only the app itself', () => {
    const contents = hardened();
    expect(contents.attempt('will-navigate', 'satchel://app/index.html')).toBe(false);
    expect(contents.attempt('will-navigate', 'satchel://app/')).toBe(false);
    for (const url of [
      'https://example.com/',
      'http://example.com/',
      'file:///etc/passwd',
      'satchel://evil/index.html',
      'satchel://app/asset/abcdef0123456789/Image/1-A',
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
    ]) {
      expect(contents.attempt('will-navigate', url), url).toBe(true);
      expect(contents.attempt('will-redirect', url), url).toBe(true);
    }
  });

  it('hands a clicked https link to the OS browser, and nothing else', () => {
    const contents = hardened();
    contents.attempt('will-navigate', 'https://example.com/docs');
    contents.attempt('will-navigate', 'http://example.com/');
    contents.attempt('will-navigate', 'file:///etc/passwd');
    contents.attempt('will-redirect', 'https://example.com/redirected');
    expect(electron.openExternal.mock.calls).toEqual([['https://example.com/docs']]);
  });

  it('denies every window.open, opening only https links externally', () => {
    const contents = hardened();
    for (const url of [
      'https://example.com/',
      'http://example.com/',
      'satchel://app/index.html',
      'about:blank',
      'https://user:pw@example.com/',
    ]) {
      expect(contents.openHandler!({ url })).toEqual({ action: 'deny' });
    }
    expect(electron.openExternal.mock.calls).toEqual([['https://example.com/']]);
  });

  it('refuses webviews', () => {
    expect(hardened().attempt('will-attach-webview')).toBe(true);
  });

  it('hardens every web contents the app creates', () => {
    security.hardenAllWebContents();
    const [eventName, listener] = electron.app.on.mock.calls[0] as [
      string,
      (event: unknown, contents: WebContents) => void,
    ];
    expect(eventName).toBe('web-contents-created');
    const contents = new FakeWebContents();
    listener({}, contents as unknown as WebContents);
    expect(contents.attempt('will-navigate', 'https://example.com/')).toBe(true);
    expect(contents.openHandler!({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });

  it('accepts as external only https URLs without credentials', () => {
    expect(security.isSafeExternalUrl('https://www.isrd.isi.edu/')).toBe(true);
    for (const url of [
      'http://example.com',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://u:p@example.com',
      'not a url',
      'smb://host/share',
    ]) {
      expect(security.isSafeExternalUrl(url), url).toBe(false);
    }
  });
});

describe('the session', () => {
  type HeadersListener = (
    details: { responseHeaders?: Record<string, string[]> },
    callback: (response: { responseHeaders: Record<string, string[]> }) => void,
  ) => void;

  function securedSession() {
    const session = {
      webRequest: { onHeadersReceived: vi.fn() },
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
    };
    security.secureSession(session as unknown as Session);
    return session;
  }

  it('has the strict policy', () => {
    expect(security.CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
  });

  it('adds the CSP to every response, keeping a stricter one the response already has', () => {
    const listener = securedSession().webRequest.onHeadersReceived.mock.calls[0]![0] as HeadersListener;
    const answer = vi.fn();
    listener(
      { responseHeaders: { 'content-type': ['text/html'], 'content-security-policy': ['default-src *'] } },
      answer,
    );
    listener({}, answer);
    expect(answer.mock.calls[0]![0].responseHeaders).toEqual({
      'content-type': ['text/html'],
      'Content-Security-Policy': ['default-src *', security.CONTENT_SECURITY_POLICY],
    });
    expect(answer.mock.calls[1]![0].responseHeaders).toEqual({
      'Content-Security-Policy': [security.CONTENT_SECURITY_POLICY],
    });
  });

  it('denies every permission request and check', () => {
    const session = securedSession();
    const requestHandler = session.setPermissionRequestHandler.mock.calls[0]![0] as (
      contents: unknown,
      permission: string,
      callback: (granted: boolean) => void,
    ) => void;
    const checkHandler = session.setPermissionCheckHandler.mock.calls[0]![0] as (
      ...args: unknown[]
    ) => boolean;
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'openExternal',
      'clipboard-read',
      'fullscreen',
    ]) {
      const callback = vi.fn();
      requestHandler({}, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
      expect(checkHandler({}, permission, 'satchel://app', {})).toBe(false);
    }
  });
});

describe('secrets', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'satchel-secrets-'));
    electron.safeStorage.getSelectedStorageBackend.mockReturnValue('gnome_libsecret');
  });
  afterEach(() => fs.rmSync(workspace, { recursive: true, force: true }));

  it('refuses to store or read anything with the basic_text backend, saying why', async () => {
    electron.safeStorage.getSelectedStorageBackend.mockReturnValue('basic_text');
    await expect(storeSecret(workspace, 'catalog-token', 's3cret')).rejects.toThrow(SecretStorageUnavailable);
    await expect(storeSecret(workspace, 'catalog-token', 's3cret')).rejects.toThrow(/keyring.*plain text/);
    await expect(readSecret(workspace, 'catalog-token')).rejects.toThrow(SecretStorageUnavailable);
    expect(electron.safeStorage.encryptStringAsync).not.toHaveBeenCalled();
    expect(fs.existsSync(path.join(workspace, 'secrets'))).toBe(false);
  });

  it('refuses when encryption is unavailable', async () => {
    electron.safeStorage.isAsyncEncryptionAvailable.mockResolvedValueOnce(false);
    await expect(storeSecret(workspace, 'catalog-token', 's3cret')).rejects.toThrow(
      /secure storage is not available/,
    );
  });

  it('stores only the encrypted blob and reads it back', async () => {
    await storeSecret(workspace, 'catalog-token', 's3cret');
    const stored = fs.readFileSync(path.join(workspace, 'secrets', 'catalog-token.bin'));
    expect(stored.toString()).not.toContain('s3cret');
    expect(await readSecret(workspace, 'catalog-token')).toBe('s3cret');
    expect(await readSecret(workspace, 'other')).toBeNull();
    deleteSecret(workspace, 'catalog-token');
    expect(await readSecret(workspace, 'catalog-token')).toBeNull();
  });

  it('re-encrypts when the keychain says the key changed', async () => {
    await storeSecret(workspace, 'catalog-token', 's3cret');
    electron.safeStorage.decryptStringAsync.mockResolvedValueOnce({
      result: 's3cret',
      shouldReEncrypt: true,
    });
    expect(await readSecret(workspace, 'catalog-token')).toBe('s3cret');
    expect(electron.safeStorage.encryptStringAsync).toHaveBeenCalledTimes(2);
  });

  it('refuses names that could leave the secrets folder', async () => {
    for (const name of ['../escape', 'a/b', '', '.hidden']) {
      await expect(storeSecret(workspace, name, 'x')).rejects.toThrow(/not a valid secret name/);
    }
  });
});
