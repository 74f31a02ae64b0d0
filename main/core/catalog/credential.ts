import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CatalogError } from './errors.js';

/**
 * What the client presents to the server: the webauthn session cookie (`webauthn=<key>`) or an
 * OAuth/Credenza bearer token. Secrets live only in memory here; storing them is the caller's job.
 */
export interface Credential {
  kind: 'cookie' | 'bearer';
  /** For a cookie, the whole `name=value` pair; for a bearer token, the token alone. */
  value: string;
  /** Set for a token from deriva-py's Globus token store: the host it was chosen for (to say how to renew it). */
  globusHost?: string;
}

/** A credential.json entry that holds a user name and password (deriva-py logs in with them). */
export interface PasswordEntry {
  kind: 'password';
  username: string;
  password: string;
}

export type StoredCredential = Credential | PasswordEntry;

export const DEFAULT_COOKIE_NAME = 'webauthn';

export function defaultCredentialFile(homeDir: string = os.homedir()): string {
  return path.join(homeDir, '.deriva', 'credential.json');
}

const entrySchema = z.looseObject({
  cookie: z.string().optional(),
  'bearer-token': z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
});
const fileSchema = z.record(z.string(), z.unknown());

/**
 * The credential deriva-py would use for `host` from `~/.deriva/credential.json` (a JSON object
 * keyed by host name; exact key first, then lower case). A bearer token wins over a cookie, as in
 * deriva-py. Returns null when the file or the host entry is absent.
 */
export async function credentialFor(
  host: string,
  file: string = defaultCredentialFile(),
): Promise<StoredCredential | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CatalogError('bad-credential', `${file} cannot be read (${(error as Error).message}).`, {
      cause: error,
    });
  }
  return parseCredentialFile(text, host, file);
}

/** The pure part of credentialFor: picks and checks the entry for `host` in the file's text. */
export function parseCredentialFile(text: string, host: string, where: string): StoredCredential | null {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CatalogError('bad-credential', `${where} is not valid JSON.`);
  }
  const file = fileSchema.safeParse(json);
  if (!file.success)
    throw new CatalogError('bad-credential', `${where} is not a JSON object keyed by host name.`);
  const raw = file.data[host] ?? file.data[host.toLowerCase()];
  if (raw === undefined) return null;
  const entry = entrySchema.safeParse(raw);
  if (!entry.success)
    throw new CatalogError(
      'bad-credential',
      `${where} has an entry for ${host} that is not an object of strings.`,
    );
  const bearer = entry.data['bearer-token'];
  if (bearer) return { kind: 'bearer', value: bearer };
  if (entry.data.cookie) return cookieCredential(entry.data.cookie);
  if (entry.data.username && entry.data.password !== undefined) {
    return { kind: 'password', username: entry.data.username, password: entry.data.password };
  }
  throw new CatalogError(
    'bad-credential',
    `${where} has an entry for ${host} with neither a cookie, a bearer-token nor a username and password.`,
  );
}

/**
 * A credential from text the user pasted: `Bearer <token>`, a cookie pair `name=value`, or a bare
 * session key, which is taken as the value of the `webauthn` cookie.
 */
export function pastedCredential(text: string): Credential {
  const trimmed = text.trim();
  if (trimmed === '') throw new CatalogError('bad-credential', 'The pasted credential is empty.');
  const bearer = /^bearer\s+(\S+)$/i.exec(trimmed);
  if (bearer) return { kind: 'bearer', value: bearer[1]! };
  if (/\s/.test(trimmed))
    throw new CatalogError(
      'bad-credential',
      'The pasted credential contains spaces; paste the session key or "Bearer <token>" alone.',
    );
  return cookieCredential(trimmed.includes('=') ? trimmed : `${DEFAULT_COOKIE_NAME}=${trimmed}`);
}

function cookieCredential(pair: string): Credential {
  const cleaned = pair.trim().replace(/;.*$/, '');
  if (!/^[^=\s;]+=[^\s;]+$/.test(cleaned)) {
    throw new CatalogError('bad-credential', 'A cookie credential must look like "webauthn=<session key>".');
  }
  return { kind: 'cookie', value: cleaned };
}

/** The request headers that present a credential (deriva-protocol.md §2.3). */
export function credentialHeaders(credential: Credential | null | undefined): Record<string, string> {
  if (!credential) return {};
  return credential.kind === 'bearer'
    ? { authorization: `Bearer ${credential.value}` }
    : { cookie: credential.value };
}
