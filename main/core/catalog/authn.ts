import { CatalogError } from './errors.js';
import { DEFAULT_COOKIE_NAME, type Credential } from './credential.js';
import { HttpClient, type HttpOptions } from './http.js';
import { parseJson, preauthSchema, sessionSchema, type Session } from './shapes.js';
import { checkOrigin } from './url.js';

/**
 * Signs in with a user name and password through webauthn's database provider: `GET /authn/preauth`
 * says how, `POST /authn/session` (form-encoded) answers with the session cookie. Deployments that
 * sign in through a browser (Globus, OAuth) are refused with a sentence saying so.
 */
export async function login(
  origin: string,
  username: string,
  password: string,
  options: Omit<HttpOptions, 'credential'> & { signal?: AbortSignal } = {},
): Promise<Credential> {
  const base = checkOrigin(new URL(origin));
  const http = new HttpClient(base, { ...options, credential: null });
  const preauth = parseJson(
    await http.request({
      method: 'GET',
      path: '/authn/preauth',
      headers: { accept: 'application/json' },
      signal: options.signal,
    }),
    preauthSchema,
    'GET',
    'a webauthn pre-authentication document',
  );
  if (!preauth.login_form) {
    const how = preauth.authentication_type ? ` (${preauth.authentication_type})` : '';
    throw new CatalogError(
      'bad-credential',
      `${new URL(base).host} signs in through a browser${how}, not with a password; paste a session cookie or bearer token instead.`,
    );
  }
  const form = new URLSearchParams({ username, password }).toString();
  const response = await http.request({
    method: 'POST',
    path: preauth.login_form.action,
    headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    body: () => form,
    signal: options.signal,
    allow: [401],
  });
  if (response.status === 401) {
    throw new CatalogError(
      'auth-required',
      `${new URL(base).host} did not accept the user name or password for ${username}.`,
      {
        status: 401,
        path: response.path,
      },
    );
  }
  const cookie = sessionCookie(response.headers.getSetCookie());
  if (!cookie)
    throw new CatalogError(
      'bad-response',
      `Signing in at ${response.path} succeeded but the server set no session cookie.`,
      { path: response.path },
    );
  return { kind: 'cookie', value: cookie };
}

/** The login session the client's credential belongs to, or null when there is none (404). */
export async function getSession(
  http: HttpClient,
  options: { signal?: AbortSignal } = {},
): Promise<Session | null> {
  const response = await http.request({
    method: 'GET',
    path: '/authn/session',
    headers: { accept: 'application/json' },
    signal: options.signal,
    allow: [404],
  });
  if (response.status === 404) return null;
  return parseJson(response, sessionSchema, 'GET', 'a webauthn session document');
}

/**
 * The name the catalog knows the signed-in client by: webauthn's `client.display_name`, else its
 * `client.id` (e.g. "testadmin", or a Globus identity URL); null without a login session.
 */
export async function signedInAs(
  http: HttpClient,
  options: { signal?: AbortSignal } = {},
): Promise<string | null> {
  const session = await getSession(http, options);
  return session ? session.client.display_name || session.client.id : null;
}

/** Ends the login session; a session that is already gone is not an error. */
export async function logout(http: HttpClient, options: { signal?: AbortSignal } = {}): Promise<void> {
  await http.request({
    method: 'DELETE',
    path: '/authn/session',
    headers: { accept: 'application/json' },
    signal: options.signal,
    allow: [404],
  });
}

/** The `webauthn=<key>` pair among Set-Cookie headers (or the first non-empty cookie otherwise). */
function sessionCookie(setCookies: string[]): string | null {
  const pairs = setCookies
    .map((header) => header.split(';')[0]!.trim())
    .filter((pair) => /^[^=\s]+=\S+$/.test(pair));
  return pairs.find((pair) => pair.startsWith(`${DEFAULT_COOKIE_NAME}=`)) ?? pairs[0] ?? null;
}
