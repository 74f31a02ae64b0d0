import os from 'node:os';
import type { CredentialSource } from '../../../shared/catalog.js';
import { login } from './authn.js';
import {
  credentialFor,
  defaultCredentialFile,
  type Credential,
  type StoredCredential,
} from './credential.js';
import { CatalogError } from './errors.js';
import {
  GLOBUS_SCOPE_TAG,
  cachedScopes,
  defaultDerivaConfigFile,
  defaultGlobusCredentialFile,
  discoverScopes,
  globusRejected,
  globusRenewCommand,
  readGlobusTokens,
  tokenForScope,
} from './globus.js';
import { HatracClient } from './hatrac.js';
import { HttpClient, type HttpOptions } from './http.js';
import type { CatalogClient } from './ermrest.js';
import { checkOrigin, type CatalogUrl } from './url.js';

/** Where deriva-py keeps what a user signed in with; each defaults to its file under `<homeDir>/.deriva`. */
export interface SignInFiles {
  homeDir?: string;
  /** credential.json (cookies, bearer tokens, user names). */
  credentialFile?: string;
  /** globus-credential.json (`deriva-globus-auth-utils login`). */
  globusFile?: string;
  /** config.json (cached `oauth2_scopes` per host). */
  configFile?: string;
}

export interface StoredSignIn {
  credential: StoredCredential | null;
  source: Extract<CredentialSource, 'credential-file' | 'globus' | 'none'>;
}

/**
 * The credential deriva-py's `get_credential` would use for the catalog's host: the host's entry of
 * credential.json, overridden by a bearer token from the Globus token store when the store holds one
 * for the host's `deriva-all` scope. A Globus token past its expiry is passed over for the
 * credential.json entry, as deriva-py does; without one it is an error naming the renewal command.
 */
export async function storedSignIn(
  url: Pick<CatalogUrl, 'origin' | 'host' | 'hostname'>,
  files: SignInFiles = {},
  options: { fetch?: typeof globalThis.fetch; signal?: AbortSignal; now?: number } = {},
): Promise<StoredSignIn> {
  const home = files.homeDir ?? os.homedir();
  const credentialFile = files.credentialFile ?? defaultCredentialFile(home);
  const fromFile =
    (url.host !== url.hostname ? await credentialFor(url.host, credentialFile) : null) ??
    (await credentialFor(url.hostname, credentialFile));
  const globusFile = files.globusFile ?? defaultGlobusCredentialFile(home);
  const tokens = await readGlobusTokens(globusFile);
  if (tokens && tokens.length > 0) {
    const scopes =
      (await cachedScopes(files.configFile ?? defaultDerivaConfigFile(home), url.hostname)) ??
      (await discoverScopes(url.origin, options.fetch, options.signal));
    const scope = scopes?.[GLOBUS_SCOPE_TAG];
    const token = scope === undefined ? null : tokenForScope(tokens, scope);
    if (token) {
      const now = (options.now ?? Date.now()) / 1000;
      if (token.expiresAt === null || token.expiresAt > now) {
        return {
          credential: { kind: 'bearer', value: token.accessToken, globusHost: url.hostname },
          source: 'globus',
        };
      }
      if (!fromFile) {
        const when = new Date(token.expiresAt * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
        throw new CatalogError(
          'auth-required',
          `Your Globus sign-in for ${url.hostname} expired at ${when}; renew it with: ${globusRenewCommand(url.hostname)}`,
        );
      }
    }
  }
  return { credential: fromFile, source: fromFile ? 'credential-file' : 'none' };
}

/** A stored credential made usable: a user name and password entry signs in for a session cookie. */
export async function presentable(
  origin: string,
  stored: StoredCredential | null,
  options: Omit<HttpOptions, 'credential'> & { signal?: AbortSignal } = {},
): Promise<Credential | null> {
  if (stored?.kind === 'password') return login(origin, stored.username, stored.password, options);
  return stored;
}

/**
 * A Globus token the server does not accept leaves requests anonymous, which on a publicly readable
 * catalog looks like an empty catalog rather than an error. One look at the login session tells.
 */
export async function confirmGlobusSignIn(client: CatalogClient, signal?: AbortSignal): Promise<void> {
  const host = client.http.credential?.globusHost;
  if (!host) return;
  if ((await client.session({ signal })) === null) throw globusRejected(host);
}

/**
 * A Hatrac client for the host of a bag's file URL (fetch.txt), with the given credential (e.g. the
 * app's connection to that host), else the one deriva-py would use for the host.
 */
export async function hatracForFile(
  url: string,
  files: SignInFiles,
  connected: Credential | null = null,
): Promise<HatracClient> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CatalogError('bad-url', `fetch.txt names "${url}", which is not a URL.`);
  }
  const origin = checkOrigin(parsed);
  const credential =
    connected ??
    (await presentable(
      origin,
      (await storedSignIn({ origin, host: parsed.host, hostname: parsed.hostname }, files)).credential,
    ));
  return new HatracClient(new HttpClient(origin, { credential }));
}
