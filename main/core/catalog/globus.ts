import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CatalogError } from './errors.js';

/**
 * deriva-py's Globus sign-in, read the way deriva-py's `get_credential` reads it (deriva-py:
 * deriva/core/__init__.py, deriva/core/utils/globus_auth_utils.py, core_utils.get_oauth_scopes_for_host):
 * `deriva-globus-auth-utils login` leaves tokens in `~/.deriva/globus-credential.json`, keyed
 * `"<resource_server>:(<scope>)"`; the scope that opens a host is the `deriva-all` entry of the host's
 * `oauth2_scopes`, cached in `~/.deriva/config.json` or asked of `/authn/discovery`; the token whose
 * `scope` equals it is the host's bearer token. Satchel only reads: it never refreshes a token or
 * writes config.json (deriva-py caches discovery answers there).
 */

export const GLOBUS_SCOPE_TAG = 'deriva-all';
/** deriva-py ignores a token store of 10 bytes or fewer ("don't load empty json"). */
const MIN_STORE_BYTES = 11;

export function defaultGlobusCredentialFile(homeDir: string = os.homedir()): string {
  return path.join(homeDir, '.deriva', 'globus-credential.json');
}

export function defaultDerivaConfigFile(homeDir: string = os.homedir()): string {
  return path.join(homeDir, '.deriva', 'config.json');
}

/** The command that signs in again, as deriva-py's tools spell it. */
export function globusRenewCommand(host: string): string {
  return `deriva-globus-auth-utils login --host ${host}`;
}

export interface GlobusToken {
  scope: string;
  accessToken: string;
  /** Seconds since 1970; null when the store does not say. */
  expiresAt: number | null;
}

const tokenSchema = z.looseObject({
  scope: z.string(),
  access_token: z.string().nullable().optional(),
  expires_at_seconds: z.number().nullable().optional(),
});
const storeSchema = z.record(z.string(), z.unknown());
const scopesSchema = z.record(z.string(), z.unknown());

/** The tokens of a Globus token store; null when the file is absent or (as deriva-py says) empty. */
export async function readGlobusTokens(file: string): Promise<GlobusToken[] | null> {
  const text = await readOptional(file);
  if (text === null || Buffer.byteLength(text) < MIN_STORE_BYTES) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CatalogError('bad-credential', `${file} is not valid JSON.`);
  }
  const store = storeSchema.safeParse(json);
  if (!store.success)
    throw new CatalogError(
      'bad-credential',
      `${file} is not a Globus token store (a JSON object of tokens).`,
    );
  const tokens: GlobusToken[] = [];
  for (const entry of Object.values(store.data)) {
    const token = tokenSchema.safeParse(entry);
    if (!token.success || !token.data.access_token) continue;
    tokens.push({
      scope: token.data.scope,
      accessToken: token.data.access_token,
      expiresAt: token.data.expires_at_seconds ?? null,
    });
  }
  return tokens;
}

/** `oauth2_scopes` of `host` cached in deriva-py's config.json (host names compared case-insensitively). */
export async function cachedScopes(configFile: string, host: string): Promise<Record<string, string> | null> {
  const text = await readOptional(configFile);
  if (text === null) return null;
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    throw new CatalogError('bad-credential', `${configFile} is not valid JSON.`);
  }
  const all = scopesSchema.safeParse((config as { oauth2_scopes?: unknown } | null)?.oauth2_scopes);
  if (!all.success) return null;
  const key = Object.keys(all.data).find((name) => name.toLowerCase() === host.toLowerCase());
  return key === undefined ? null : stringsOf(all.data[key]);
}

/** What `/authn/discovery` says: the `oauth2_scopes` of a Globus deployment; null when none or unreachable. */
export async function discoverScopes(
  origin: string,
  fetchImpl: typeof globalThis.fetch = globalThis.fetch,
  signal?: AbortSignal,
): Promise<Record<string, string> | null> {
  try {
    const response = await fetchImpl(new URL('/authn/discovery', origin), {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: signal ?? AbortSignal.timeout(20_000),
    });
    if (!response.ok) return null;
    const json = (await response.json()) as { oauth2_scopes?: unknown } | null;
    return stringsOf(json?.oauth2_scopes);
  } catch {
    // deriva-py only warns when discovery fails, and goes on without a Globus token.
    return null;
  }
}

/** deriva-py's find_access_token_for_scope: the first token whose scope string equals `scope`. */
export function tokenForScope(tokens: readonly GlobusToken[], scope: string): GlobusToken | null {
  return tokens.find((token) => token.scope === scope) ?? null;
}

function stringsOf(value: unknown): Record<string, string> | null {
  const parsed = scopesSchema.safeParse(value);
  if (!parsed.success) return null;
  const entries = Object.entries(parsed.data).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string',
  );
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}

async function readOptional(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CatalogError('bad-credential', `${file} cannot be read (${(error as Error).message}).`, {
      cause: error,
    });
  }
}

/** The one sentence for a Globus token the server refuses (expired, revoked, or for another scope). */
export function globusRejected(host: string, details: { status?: number; path?: string } = {}): CatalogError {
  return new CatalogError(
    'auth-required',
    `${host} did not accept your Globus sign-in (the token from deriva-py's globus-credential.json); renew it with: ${globusRenewCommand(host)}`,
    details,
  );
}
