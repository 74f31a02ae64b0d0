import fs from 'node:fs';
import path from 'node:path';
import { rendererContentType } from '../core/common/content-types.js';

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
      contentType: rendererContentType(real),
    };
  } catch {
    return null;
  }
}
