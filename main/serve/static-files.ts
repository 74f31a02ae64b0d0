import fs from 'node:fs';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * The renderer file for a URL path, or null: `/` is index.html; `..`, NUL, backslashes, dot files
 * and anything whose real path (links followed) leaves the renderer folder are refused.
 */
export async function resolveStaticFile(
  rendererDir: string,
  urlPath: string,
): Promise<{ file: string; contentType: string } | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const segments = relative.split('/');
  if (
    relative.includes('\0') ||
    relative.includes('\\') ||
    segments.some((segment) => segment === '..' || segment.startsWith('.'))
  ) {
    return null;
  }
  try {
    const root = await fs.promises.realpath(rendererDir);
    const real = await fs.promises.realpath(path.join(root, ...segments));
    const inside = path.relative(root, real);
    if (inside === '' || inside.split(path.sep)[0] === '..' || path.isAbsolute(inside)) return null;
    if (!(await fs.promises.stat(real)).isFile()) return null;
    return {
      file: real,
      contentType: CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream',
    };
  } catch {
    return null;
  }
}
