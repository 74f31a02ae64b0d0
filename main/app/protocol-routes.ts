import fs from 'node:fs';
import path from 'node:path';
import type { AssetUrlKind } from '../../shared/contract.js';
import { isAppUrl, parseUrl } from './origin.js';

/** What a satchel:// URL asks for, decided without touching Electron. */
export type AppRoute =
  | { kind: 'renderer'; segments: string[] }
  | { kind: 'asset'; assetKind: AssetUrlKind; bagId: string; table: string; rid: string }
  | { kind: 'forbidden' }
  | { kind: 'not-found' };

const NOT_FOUND: AppRoute = { kind: 'not-found' };
const FORBIDDEN: AppRoute = { kind: 'forbidden' };

export function routeAppUrl(raw: string): AppRoute {
  if (!isAppUrl(raw)) return NOT_FOUND;
  const segments = decodeSegments(parseUrl(raw)!.pathname);
  if (!segments) return FORBIDDEN;
  const [first, ...rest] = segments;
  if (first === 'asset' || first === 'thumb') {
    const [bagId, table, rid] = rest;
    if (rest.length !== 3 || !bagId || !table || !rid) return NOT_FOUND;
    return { kind: 'asset', assetKind: first, bagId, table, rid };
  }
  return { kind: 'renderer', segments: segments.length === 0 ? ['index.html'] : segments };
}

/**
 * Splits a URL path and percent-decodes each segment. The URL parser already resolved literal and
 * %2e%2e dot segments; what is left to catch is a segment that only becomes `..` (or hides one
 * behind an encoded slash) once decoded, a NUL byte, or malformed escapes.
 */
function decodeSegments(pathname: string): string[] | null {
  const segments: string[] = [];
  for (const encoded of pathname.split('/')) {
    if (encoded === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return null;
    }
    if (segment.includes('\0') || segment.split(/[/\\]/).some((part) => part === '..' || part === '.'))
      return null;
    segments.push(segment);
  }
  return segments;
}

/**
 * The real path of a renderer file, or null when it does not exist, is not a regular file, or —
 * following symlinks — lies outside the renderer folder. Sync calls on purpose: Electron patches
 * them for files inside app.asar, and renderer files are few.
 */
export function resolveRendererFile(rendererDir: string, segments: string[]): string | null {
  try {
    const root = fs.realpathSync(rendererDir);
    const candidate = path.join(root, ...segments);
    if (!isInside(root, candidate)) return null;
    const real = fs.realpathSync(candidate);
    if (!isInside(root, real) || !fs.statSync(real).isFile()) return null;
    return real;
  } catch {
    return null;
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return (
    relative !== '' &&
    relative !== '..' &&
    !relative.startsWith(`..${path.sep}`) &&
    !path.isAbsolute(relative)
  );
}

export { rendererContentType } from '../core/common/content-types.js';

/**
 * Bag files are untrusted: only inert types keep their content type, so an asset can never run as
 * a script or a page in the app origin (nosniff then blocks it as a script).
 */
export function inertAssetContentType(contentType: string): string {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const inert = /^(image\/[a-z0-9.+-]+|text\/plain|text\/csv|application\/pdf|application\/json)$/.test(type);
  return inert ? contentType : 'application/octet-stream';
}
