import { CatalogError } from './errors.js';
import { quote } from './quote.js';

/** A catalog address: `https://host/ermrest/catalog/1`, optionally pinned to a snapshot with `@SNAP`. */
export interface CatalogUrl {
  /** `https://host[:port]`, no trailing slash. */
  origin: string;
  /** The host name without the port, as credential.json and the deriva-ml cache name it. */
  hostname: string;
  /** `host:port` when a port was given, else the host name. */
  host: string;
  /** The catalog id (or alias), without any snapshot. */
  catalog: string;
  snapshot: string | null;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const CATALOG_PATH = /^\/ermrest\/catalog\/([A-Za-z0-9_-]+)(?:@([0-9A-Za-z-]+))?\/?$/;

/**
 * Parses a catalog URL. Plain http is accepted only for loopback addresses: credentials and labels
 * must never cross a network unencrypted.
 */
export function parseCatalogUrl(text: string): CatalogUrl {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new CatalogError(
      'bad-url',
      `"${trimmed}" is not a URL; give one like https://host/ermrest/catalog/1.`,
    );
  }
  const origin = checkOrigin(url, trimmed);
  if (url.search || url.hash) {
    throw new CatalogError(
      'bad-url',
      `"${trimmed}" has a query or fragment; give the catalog URL alone, like ${origin}/ermrest/catalog/1.`,
    );
  }
  const match = CATALOG_PATH.exec(url.pathname);
  if (!match) {
    throw new CatalogError(
      'bad-url',
      `"${trimmed}" is not a catalog URL; give one like ${origin}/ermrest/catalog/1 (optionally …/1@SNAPSHOT).`,
    );
  }
  return { origin, hostname: url.hostname, host: url.host, catalog: match[1]!, snapshot: match[2] ?? null };
}

/** Checks the scheme, loopback rule and absence of embedded credentials; returns the origin. */
export function checkOrigin(url: URL, shown: string = url.href): string {
  if (url.username || url.password) {
    throw new CatalogError(
      'bad-url',
      `"${shown}" carries a user name or password; sign in with a credential instead.`,
    );
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    throw new CatalogError(
      'bad-url',
      `Satchel talks to ${url.hostname} only over https; plain http is allowed only for 127.0.0.1, localhost and [::1].`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CatalogError(
      'bad-url',
      `"${shown}" uses ${url.protocol.replace(/:$/, '')}, but a Deriva server is reached over https.`,
    );
  }
  return url.origin;
}

/** `/ermrest/catalog/N` or `/ermrest/catalog/N@SNAP`. */
export function catalogPath(url: Pick<CatalogUrl, 'catalog' | 'snapshot'>): string {
  return `/ermrest/catalog/${quote(url.catalog)}${url.snapshot ? `@${quote(url.snapshot)}` : ''}`;
}

export function formatCatalogUrl(url: CatalogUrl): string {
  return `${url.origin}${catalogPath(url)}`;
}
