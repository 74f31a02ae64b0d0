import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiResult, Channel } from '../../shared/contract.js';
import { temporaryDirectory } from '../support/fixtures.js';

const electron = vi.hoisted(() => ({
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
vi.mock('electron', () => ({ safeStorage: electron.safeStorage }));

const { rememberCatalogSignIn, restoreCatalogSignIns } = await import('../../main/app/catalog-sign-ins.js');

const url = 'https://catalog.example.org/ermrest/catalog/1';
const connected = { ok: true, value: { url } } as unknown as ApiResult<Channel>;
let scratch: ReturnType<typeof temporaryDirectory>;

beforeEach(() => {
  scratch = temporaryDirectory();
});
afterEach(() => scratch.cleanup());

describe('catalog sign-ins kept with safeStorage', () => {
  it('stores a token sign-in encrypted, never in plain text, and replays it at start-up', async () => {
    await rememberCatalogSignIn(
      scratch.dir,
      'catalog:connect',
      { url, token: 'Bearer s3cret-token' },
      connected,
    );
    const files = fs.readdirSync(path.join(scratch.dir, 'secrets'));
    expect(files).toHaveLength(1);
    expect(fs.readFileSync(path.join(scratch.dir, 'secrets', files[0]!)).toString()).not.toContain(
      's3cret-token',
    );
    const handle = vi.fn(async () => connected);
    expect(await restoreCatalogSignIns(scratch.dir, { handle })).toBe(1);
    expect(handle).toHaveBeenCalledWith('catalog:connect', { url, token: 'Bearer s3cret-token' });
  });

  it('keeps nothing for a credential-file sign-in, a failed connect, or other channels', async () => {
    await rememberCatalogSignIn(scratch.dir, 'catalog:connect', { url }, connected);
    await rememberCatalogSignIn(
      scratch.dir,
      'catalog:connect',
      { url, token: 'x' },
      { ok: false, error: { kind: 'auth-required', message: 'no' } },
    );
    await rememberCatalogSignIn(scratch.dir, 'bag:open', { path: '/x' }, connected);
    expect(fs.existsSync(path.join(scratch.dir, 'secrets'))).toBe(false);
  });

  it('forgets the sign-in on disconnect', async () => {
    await rememberCatalogSignIn(
      scratch.dir,
      'catalog:connect',
      { url, username: 'ann', password: 'pw' },
      connected,
    );
    await rememberCatalogSignIn(scratch.dir, 'catalog:disconnect', { url }, connected);
    expect(fs.readdirSync(path.join(scratch.dir, 'secrets'))).toEqual([]);
  });

  it('refuses to keep secrets on the plain-text backend', async () => {
    electron.safeStorage.getSelectedStorageBackend.mockReturnValueOnce('basic_text');
    await expect(
      rememberCatalogSignIn(scratch.dir, 'catalog:connect', { url, token: 't' }, connected),
    ).rejects.toThrow(/no system keyring/);
  });
});
