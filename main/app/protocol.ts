import fs from 'node:fs';
import { Readable } from 'node:stream';
import { protocol } from 'electron';
import { ELECTRON_PROTOCOL } from '../../shared/contract.js';
import type { ApiHost } from '../core/api/host.js';
import {
  inertAssetContentType,
  rendererContentType,
  resolveRendererFile,
  routeAppUrl,
} from './protocol-routes.js';
import { ASSET_CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY } from './security.js';

/** Must run before app 'ready': makes satchel://app a secure, standard origin with fetch support. */
export function registerSatchelScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: ELECTRON_PROTOCOL,
      privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true },
    },
  ]);
}

export interface AppRequestSources {
  /** The built renderer (index.html + assets/). */
  rendererDir: string;
  /** The API host: the only authority on which bag files and thumbnails may be read. */
  assets: Pick<ApiHost, 'assetFile'>;
}

export function installSatchelProtocol(sources: AppRequestSources): void {
  protocol.handle(ELECTRON_PROTOCOL, (request) => serveAppRequest(request, sources));
}

/**
 * Answers one satchel:// request: renderer files from rendererDir, bag files and thumbnails only at
 * the path the API host returned, 403/404 for everything else. Never throws.
 */
export async function serveAppRequest(request: Request, sources: AppRequestSources): Promise<Response> {
  if (request.method !== 'GET') return textResponse(405, 'Method not allowed');
  const route = routeAppUrl(request.url);
  switch (route.kind) {
    case 'renderer': {
      const file = resolveRendererFile(sources.rendererDir, route.segments);
      if (!file) return textResponse(404, 'Not found');
      return fileResponse(file, {
        'Content-Type': rendererContentType(file),
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      });
    }
    case 'asset': {
      const file = await sources.assets
        .assetFile(route.assetKind, route.bagId, route.table, route.rid, request.signal)
        .catch((error: unknown) => {
          console.error('Satchel could not look up an asset file:', error);
          return null;
        });
      if (!file) return textResponse(404, 'Not found');
      return fileResponse(file.path, {
        'Content-Type': inertAssetContentType(file.contentType),
        'Content-Security-Policy': ASSET_CONTENT_SECURITY_POLICY,
      });
    }
    case 'forbidden':
      return textResponse(403, 'Forbidden');
    case 'not-found':
      return textResponse(404, 'Not found');
  }
}

/** Sync stat, like resolveRendererFile: asar support patches it, and a stat costs microseconds. */
function fileResponse(file: string, headers: Record<string, string>): Response {
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return textResponse(404, 'Not found');
    size = stat.size;
  } catch {
    return textResponse(404, 'Not found');
  }
  const body = Readable.toWeb(fs.createReadStream(file));
  return new Response(body, {
    status: 200,
    headers: { ...headers, 'Content-Length': String(size), 'X-Content-Type-Options': 'nosniff' },
  });
}

function textResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
