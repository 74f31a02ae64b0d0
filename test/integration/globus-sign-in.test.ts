import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../main/core/api/index.js';
import {
  CatalogClient,
  CatalogError,
  parseCatalogUrl,
  presentable,
  storedSignIn,
} from '../../main/core/catalog/index.js';
import { listDatasets } from '../../main/core/download/index.js';
import type { CatalogConnection } from '../../shared/catalog.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * A user who signed in with `deriva-globus-auth-utils login` has bearer tokens in
 * ~/.deriva/globus-credential.json (deriva-py's DerivaJSONTokenStorage: `"<resource server>:(<scope>)"`
 * → token). The stand-in plays a Globus-protected deployment: /authn/discovery advertises the
 * `deriva-all` scope and only the tokens it was given sign anyone in.
 */
const SCOPE = 'https://auth.globus.org/scopes/deriva.example.org/deriva_all';
const ACCEPTED = 'AgGlobusAccessTokenAccepted7f3c';
const REVOKED = 'AgGlobusAccessTokenRevoked0b2e';
const HOST = '127.0.0.1';
const { facts } = generatedBags();

const scratch = temporaryDirectory('satchel-globus-');
let standIn: StandIn;
let catalogUrl: string;

beforeAll(async () => {
  standIn = await startStandIn({
    seed: 'world',
    tokens: { [ACCEPTED]: 'testuser' },
    oauth2Scopes: { 'deriva-all': SCOPE },
  });
  catalogUrl = `${standIn.origin}/ermrest/catalog/1`;
});
afterAll(async () => {
  await standIn?.close();
  scratch.cleanup();
});

interface StoredToken {
  access_token: string;
  scope: string;
  resource_server: string;
  expires_at_seconds: number;
}

const inOneHour = () => Math.floor(Date.now() / 1000) + 3600;
const token = (access: string, scope = SCOPE, expires = inOneHour()): StoredToken => ({
  access_token: access,
  scope,
  resource_server: scope === SCOPE ? 'deriva.example.org' : 'auth.globus.org',
  expires_at_seconds: expires,
});

/** A home folder with deriva-py's files, written the way deriva-py writes them. */
function home(
  name: string,
  files: { globus?: StoredToken[]; credential?: Record<string, unknown>; config?: unknown },
): string {
  const dir = path.join(scratch.dir, name);
  const deriva = path.join(dir, '.deriva');
  fs.mkdirSync(deriva, { recursive: true });
  if (files.globus) {
    const store = Object.fromEntries(
      files.globus.map((entry) => [
        `${entry.resource_server}:(${entry.scope})`,
        { ...entry, refresh_token: null, token_type: 'Bearer' },
      ]),
    );
    fs.writeFileSync(path.join(deriva, 'globus-credential.json'), JSON.stringify(store, null, 2));
  }
  if (files.credential)
    fs.writeFileSync(path.join(deriva, 'credential.json'), JSON.stringify(files.credential));
  if (files.config) fs.writeFileSync(path.join(deriva, 'config.json'), JSON.stringify(files.config));
  return dir;
}

const openid = token('AgOpenIdTokenNotForTheCatalog', 'openid profile email');
const discoveries = () => standIn.requests.filter((request) => request.path === '/authn/discovery').length;

/** Runs the built CLI as a child process (asynchronously: the stand-in answers from this process). */
function satchel(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(repoRoot, 'bin', 'satchel.js'), ...args],
      { encoding: 'utf8', env: { ...process.env, SATCHEL_WORKSPACE: path.join(scratch.dir, 'workspace') } },
      (error, stdout, stderr) =>
        resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

describe('reading the Globus token store as deriva-py does', () => {
  it("takes the token for the host's deriva-all scope from /authn/discovery and signs in with it", async () => {
    const url = parseCatalogUrl(catalogUrl);
    const before = discoveries();
    const signIn = await storedSignIn(url, { homeDir: home('valid', { globus: [openid, token(ACCEPTED)] }) });
    expect(discoveries()).toBe(before + 1);
    expect(signIn).toEqual({
      source: 'globus',
      credential: { kind: 'bearer', value: ACCEPTED, globusHost: HOST },
    });
    const client = new CatalogClient(url, { credential: await presentable(url.origin, signIn.credential) });
    expect((await client.session())?.client.id).toBe('testuser');
    const datasets = await listDatasets(client);
    expect(datasets.map((dataset) => dataset.rid).sort()).toEqual(Object.values(facts.datasets).sort());
  });

  it('a bearer token from the Globus store overrides the cookie of credential.json', async () => {
    const url = parseCatalogUrl(catalogUrl);
    const cookie = standIn.login('testadmin');
    const credential = { [HOST]: { cookie } };
    const both = await storedSignIn(url, {
      homeDir: home('both', { credential, globus: [token(ACCEPTED)] }),
    });
    expect(both.credential).toMatchObject({ kind: 'bearer', value: ACCEPTED });
    const cookieOnly = await storedSignIn(url, { homeDir: home('cookie-only', { credential }) });
    expect(cookieOnly).toEqual({ source: 'credential-file', credential: { kind: 'cookie', value: cookie } });
    const asBoth = new CatalogClient(url, { credential: both.credential as never });
    const asCookie = new CatalogClient(url, { credential: cookieOnly.credential as never });
    expect((await asBoth.session())?.client.id).toBe('testuser');
    expect((await asCookie.session())?.client.id).toBe('testadmin');
  });

  it('uses the scopes deriva-py cached in config.json without asking /authn/discovery', async () => {
    const before = discoveries();
    const signIn = await storedSignIn(parseCatalogUrl(catalogUrl), {
      homeDir: home('cached', {
        globus: [token(ACCEPTED)],
        config: { oauth2_scopes: { [HOST.toUpperCase()]: { 'deriva-all': SCOPE } } },
      }),
    });
    expect(discoveries()).toBe(before);
    expect(signIn.source).toBe('globus');
  });

  it('a store without a token for the scope leaves credential.json in charge', async () => {
    const cookie = standIn.login('testadmin');
    const signIn = await storedSignIn(parseCatalogUrl(catalogUrl), {
      homeDir: home('other-scope', { credential: { [HOST]: { cookie } }, globus: [openid] }),
    });
    expect(signIn).toEqual({ source: 'credential-file', credential: { kind: 'cookie', value: cookie } });
  });

  it('an expired token with nothing else to fall back on is one sentence naming the renewal command', async () => {
    const expired = Math.floor(Date.parse('2026-01-02T03:04:05Z') / 1000);
    const attempt = storedSignIn(parseCatalogUrl(catalogUrl), {
      homeDir: home('expired', { globus: [token(ACCEPTED, SCOPE, expired)] }),
    });
    await expect(attempt).rejects.toThrow(
      new CatalogError(
        'auth-required',
        `Your Globus sign-in for ${HOST} expired at 2026-01-02T03:04:05Z; renew it with: deriva-globus-auth-utils login --host ${HOST}`,
      ),
    );
  });

  it('a token the server refuses gives the renewal sentence, never the token', async () => {
    const url = parseCatalogUrl(catalogUrl);
    const client = new CatalogClient(url, {
      credential: { kind: 'bearer', value: REVOKED, globusHost: HOST },
      retry: { attempts: 1 },
    });
    const failure = (await client.catalogInfo().catch((error: unknown) => error)) as CatalogError;
    expect(failure).toBeInstanceOf(CatalogError);
    expect(failure.kind).toBe('auth-required');
    expect(failure.status).toBe(401);
    expect(failure.message).toBe(
      `${HOST} did not accept your Globus sign-in (the token from deriva-py's globus-credential.json); renew it with: deriva-globus-auth-utils login --host ${HOST}`,
    );
  });
});

describe('satchel with a Globus sign-in', () => {
  it('lists the datasets with the Globus token and prints no secret', async () => {
    const result = await satchel(
      'catalog',
      'datasets',
      catalogUrl,
      '--json',
      '--home',
      home('cli-valid', { globus: [token(ACCEPTED)] }),
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const rids = (JSON.parse(result.stdout) as { rid: string }[]).map((dataset) => dataset.rid);
    expect(rids.sort()).toEqual(Object.values(facts.datasets).sort());
    expect(result.stdout).not.toContain(ACCEPTED);
  });

  it('a revoked token is one line naming the host and the command that renews it', async () => {
    const result = await satchel(
      'catalog',
      'datasets',
      catalogUrl,
      '--home',
      home('cli-revoked', { globus: [token(REVOKED)] }),
    );
    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `satchel: ${HOST} did not accept your Globus sign-in (the token from deriva-py's globus-credential.json); renew it with: deriva-globus-auth-utils login --host ${HOST}\n`,
    );
    expect(result.stderr).not.toContain(REVOKED);
  });

  it('an expired token is one line too', async () => {
    const result = await satchel(
      'catalog',
      'datasets',
      catalogUrl,
      '--home',
      home('cli-expired', { globus: [token(ACCEPTED, SCOPE, 1_700_000_000)] }),
    );
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(
      new RegExp(
        `^satchel: Your Globus sign-in for ${HOST} expired at 2023-11-14T22:13:20Z; renew it with: deriva-globus-auth-utils login --host ${HOST.replaceAll('.', '\\.')}\\n$`,
      ),
    );
    expect(result.stderr).not.toContain(ACCEPTED);
  });
});

describe('the app connects with the Globus sign-in', () => {
  it('says where the credential came from and who it signs in as', async () => {
    const api = createApi({
      workspace: path.join(scratch.dir, 'api-ws'),
      homeDir: home('api', { globus: [token(ACCEPTED)] }),
    });
    try {
      const result = await api.handle('catalog:connect', { url: catalogUrl });
      expect(result.ok).toBe(true);
      const connection = (result as { ok: true; value: CatalogConnection }).value;
      expect(connection).toMatchObject({ credentialSource: 'globus', user: 'testuser', problem: null });
      expect(JSON.stringify(connection)).not.toContain(ACCEPTED);
    } finally {
      await api.close();
    }
  });

  it('a refused token keeps the connection with the renewal sentence as its problem', async () => {
    const api = createApi({
      workspace: path.join(scratch.dir, 'api-ws-2'),
      homeDir: home('api-revoked', { globus: [token(REVOKED)] }),
    });
    try {
      const result = await api.handle('catalog:connect', { url: catalogUrl });
      const connection = (result as { ok: true; value: CatalogConnection }).value;
      expect(connection.credentialSource).toBe('globus');
      expect(connection.problem).toContain(`renew it with: deriva-globus-auth-utils login --host ${HOST}`);
      expect(JSON.stringify(result)).not.toContain(REVOKED);
    } finally {
      await api.close();
    }
  });
});
