import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { safeRelativePath } from '../common/index.js';
import type { AssetStore } from './asset-store.js';

/**
 * Asset files already on this computer that can stand in for a fetch.txt entry: the files of other
 * bags (found through their manifest-md5.txt) and the workspace's store, looked up by MD5 and length.
 * A candidate counts only after its bytes are read and their MD5 matches.
 */
export class LocalCopies {
  private byMd5: Map<string, string[]> | null = null;

  constructor(
    private readonly bagDirs: readonly string[],
    private readonly store: AssetStore | null,
  ) {}

  static none(): LocalCopies {
    return new LocalCopies([], null);
  }

  /** A file with exactly these bytes, or null. */
  async find(md5: string, length: number | null): Promise<string | null> {
    const fromStore = this.store?.find(md5, length);
    if (fromStore && (await md5Of(fromStore)) === md5) return fromStore;
    for (const candidate of this.index().get(md5) ?? []) {
      // A link is never taken: it could lead anywhere, and a hard link to it would copy the link.
      const stat = fs.lstatSync(candidate, { throwIfNoEntry: false });
      if (!stat?.isFile() || (length !== null && stat.size !== length)) continue;
      if ((await md5Of(candidate)) === md5) return candidate;
    }
    return null;
  }

  private index(): Map<string, string[]> {
    if (this.byMd5) return this.byMd5;
    const index = new Map<string, string[]>();
    for (const bagDir of this.bagDirs) {
      for (const [relative, md5] of readMd5Manifest(bagDir)) {
        if (!relative.startsWith('data/asset/') || !isPlain(relative)) continue;
        const file = path.join(bagDir, ...relative.split('/'));
        const list = index.get(md5);
        if (list) list.push(file);
        else index.set(md5, [file]);
      }
    }
    this.byMd5 = index;
    return index;
  }
}

/**
 * Places a checked copy at `target`: a hard link when the file system allows, else a copy (a
 * copy-on-write clone where it can), written beside the target and renamed into place.
 */
export async function placeCopy(source: string, target: string): Promise<void> {
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const temporary = `${target}.${crypto.randomBytes(4).toString('hex')}.reuse`;
  try {
    try {
      await fsp.link(source, temporary);
    } catch {
      await fsp.copyFile(source, temporary, fs.constants.COPYFILE_FICLONE);
    }
    await fsp.rename(temporary, target);
  } finally {
    await fsp.rm(temporary, { force: true });
  }
}

function isPlain(relative: string): boolean {
  try {
    return safeRelativePath(relative, 'A manifest path') === relative;
  } catch {
    return false;
  }
}

export async function md5Of(file: string): Promise<string> {
  const hash = crypto.createHash('md5');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** manifest-md5.txt as path → lower-case hex (BagIt's %25/%0D/%0A path escapes undone). */
export function readMd5Manifest(bagDir: string): Map<string, string> {
  const entries = new Map<string, string>();
  let text: string;
  try {
    text = fs.readFileSync(path.join(bagDir, 'manifest-md5.txt'), 'utf8');
  } catch {
    return entries;
  }
  for (const line of text.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]{32})\s+(.+)$/.exec(line);
    if (!match) continue;
    const relative = match[2]!.replace(/%(0A|0D|25)/gi, (escape) =>
      String.fromCharCode(parseInt(escape.slice(1), 16)),
    );
    entries.set(relative, match[1]!.toLowerCase());
  }
  return entries;
}
