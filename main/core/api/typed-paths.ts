import fs from 'node:fs';
import path from 'node:path';
import type { PathCompletion } from '../../../shared/contract.js';
import { isInside } from './files.js';

const MAX_ENTRIES = 200;

/**
 * A path as a person types or pastes it: surrounding quotes dropped (a shell's or a file manager's
 * "Copy path"), `~` and `~/…` meaning the home folder, backslash-escaped spaces unescaped; then
 * absolute. The server's working folder is never what `~` means.
 */
export function resolveTypedPath(input: string, homeDir: string): string {
  let typed = input.trim();
  const quote = typed[0];
  if ((quote === '"' || quote === "'") && typed.length >= 2 && typed.endsWith(quote))
    typed = typed.slice(1, -1);
  if (path.sep === '/') typed = typed.replace(/\\ /g, ' ');
  if (typed === '~') return path.resolve(homeDir);
  if (typed.startsWith('~/') || typed.startsWith(`~${path.sep}`))
    return path.resolve(homeDir, typed.slice(2));
  return path.resolve(typed);
}

/** `~/…` for a path inside the home folder, the path itself otherwise. */
export function shownPath(absolute: string, homeDir: string): string {
  const home = path.resolve(homeDir);
  if (absolute === home) return '~';
  return isInside(home, absolute) ? `~${path.sep}${path.relative(home, absolute)}` : absolute;
}

function realOrNull(target: string): string | null {
  try {
    return fs.realpathSync(target);
  } catch {
    return null;
  }
}

/**
 * The folders and .zip files that continue a typed path, for the path field of browser mode. Only the
 * user's home is listed unless the user confirmed a folder outside it (`outsideHome`); links are
 * resolved before that check, so a link in the home folder does not lead out of it unasked.
 */
export function completePath(input: string, homeDir: string, outsideHome = false): PathCompletion {
  const typed = input.trim() === '' ? '~/' : input;
  const absolute = resolveTypedPath(typed, homeDir);
  const listsFolder = /[\\/]$/.test(typed.trim()) || typed.trim() === '~';
  const folder = listsFolder ? absolute : path.dirname(absolute);
  const prefix = listsFolder ? '' : path.basename(absolute);
  const none = (refused: string | null, outside = false): PathCompletion => ({
    folder: null,
    entries: [],
    refused,
    outsideHome: outside,
  });
  const real = realOrNull(folder);
  if (!real) return none(`${shownPath(folder, homeDir)} does not exist.`);
  const home = realOrNull(homeDir) ?? path.resolve(homeDir);
  const outside = real !== home && !isInside(home, real);
  if (outside && !outsideHome)
    return none(`${shownPath(folder, homeDir)} is outside your home folder: confirm to list it.`, true);
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(real, { withFileTypes: true });
  } catch {
    return none(`${shownPath(folder, homeDir)} cannot be read.`, outside);
  }
  const entries: PathCompletion['entries'] = [];
  for (const entry of names.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entries.length >= MAX_ENTRIES) break;
    if (!entry.name.startsWith(prefix)) continue;
    if (entry.name.startsWith('.') && !prefix.startsWith('.')) continue;
    const full = path.join(folder, entry.name);
    const kind = kindOf(entry, full);
    if (!kind) continue;
    const shown = shownPath(full, homeDir);
    entries.push({ name: entry.name, path: kind === 'folder' ? `${shown}${path.sep}` : shown, kind });
  }
  const shownFolder = shownPath(folder, homeDir);
  return {
    folder: shownFolder.endsWith(path.sep) ? shownFolder : `${shownFolder}${path.sep}`,
    entries,
    refused: null,
    outsideHome: outside,
  };
}

function kindOf(entry: fs.Dirent, full: string): 'folder' | 'zip' | null {
  let isDirectory = entry.isDirectory();
  let isFile = entry.isFile();
  if (entry.isSymbolicLink()) {
    try {
      const stat = fs.statSync(full);
      isDirectory = stat.isDirectory();
      isFile = stat.isFile();
    } catch {
      return null;
    }
  }
  if (isDirectory) return 'folder';
  return isFile && /\.zip$/i.test(entry.name) ? 'zip' : null;
}
