import { ELECTRON_PROTOCOL } from '../../shared/contract.js';

/** The one origin Satchel's window runs in; every renderer file and asset is served under it. */
export const APP_HOST = 'app';
export const APP_ORIGIN = `${ELECTRON_PROTOCOL}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Whether a URL belongs to the app origin. Compared field by field: Node's URL reports the origin
 * of a non-special scheme such as satchel: as "null".
 */
export function isAppUrl(raw: string): boolean {
  const url = parseUrl(raw);
  return (
    url !== null &&
    url.protocol === `${ELECTRON_PROTOCOL}:` &&
    url.host === APP_HOST &&
    url.username === '' &&
    url.password === ''
  );
}

export function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}
