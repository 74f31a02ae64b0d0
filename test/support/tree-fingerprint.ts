import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Everything about one file or folder that a write, a chmod, a touch, a rename or a replacement would
 * change: its bytes (sha256), size, mode, owner, link count, inode, and modification and change times
 * in nanoseconds. Access times are left out: reading sets them.
 */
export interface EntryFingerprint {
  path: string;
  type: 'file' | 'folder' | 'symlink' | 'other';
  mode: string;
  owner: string;
  size: string;
  links: string;
  inode: string;
  mtimeNs: string;
  ctimeNs: string;
  sha256?: string;
  linkTarget?: string;
}

/**
 * The fingerprint of `root` (a folder, itself included as ".", or a single file) and of everything
 * below it, sorted by path. Tests compare two of them to prove nothing was written; running as root,
 * a read-only folder would prove nothing.
 */
export function fingerprintTree(root: string): EntryFingerprint[] {
  const entries: EntryFingerprint[] = [];
  const visit = (absolute: string, relative: string) => {
    const stat = fs.lstatSync(absolute, { bigint: true });
    const type = stat.isFile()
      ? 'file'
      : stat.isDirectory()
        ? 'folder'
        : stat.isSymbolicLink()
          ? 'symlink'
          : 'other';
    entries.push({
      path: relative,
      type,
      mode: stat.mode.toString(8),
      owner: `${stat.uid}:${stat.gid}`,
      size: String(stat.size),
      links: String(stat.nlink),
      inode: String(stat.ino),
      mtimeNs: String(stat.mtimeNs),
      ctimeNs: String(stat.ctimeNs),
      ...(type === 'file'
        ? { sha256: crypto.createHash('sha256').update(fs.readFileSync(absolute)).digest('hex') }
        : {}),
      ...(type === 'symlink' ? { linkTarget: fs.readlinkSync(absolute) } : {}),
    });
    if (type === 'folder')
      for (const name of fs.readdirSync(absolute).sort())
        visit(path.join(absolute, name), relative === '.' ? name : `${relative}/${name}`);
  };
  visit(root, '.');
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
