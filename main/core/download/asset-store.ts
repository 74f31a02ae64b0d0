import fs from 'node:fs';
import path from 'node:path';

const STORE_FOLDER = path.join('assets', 'md5');
const PRUNE_MARK = '.pruned';
const PRUNE_EVERY_MS = 24 * 60 * 60 * 1000;

/**
 * The workspace's content-addressed store of asset files: `<workspace>/assets/md5/<ab>/<md5>`, each a
 * hard link to a file Satchel placed in some bag. Linking costs no space, and the link count is the
 * reference count: an entry whose bag files are all gone (link count 1) is removed by the daily prune.
 * Where hard links are impossible (another file system), the store simply stays empty.
 */
export class AssetStore {
  readonly root: string;

  constructor(workspace: string) {
    this.root = path.join(workspace, STORE_FOLDER);
  }

  pathOf(md5: string): string {
    return path.join(this.root, md5.slice(0, 2), md5);
  }

  /** The stored file of this checksum and length, when there is one (its bytes still to be checked). */
  find(md5: string, length: number | null): string | null {
    const file = this.pathOf(md5);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    return stat?.isFile() && (length === null || stat.size === length) ? file : null;
  }

  /** Links a file whose MD5 was just checked into the store; any failure leaves the store as it was. */
  keep(file: string, md5: string): void {
    const target = this.pathOf(md5);
    if (fs.existsSync(target)) return;
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.linkSync(file, target);
    } catch {
      // EXDEV (the workspace is on another file system), EEXIST (another process won), EPERM: no entry.
    }
  }

  /** Removes entries no bag refers to any more, at most once a day. */
  prune(now: number = Date.now()): void {
    const mark = path.join(this.root, PRUNE_MARK);
    const last = fs.statSync(mark, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (now - last < PRUNE_EVERY_MS) return;
    let shards: string[];
    try {
      shards = fs.readdirSync(this.root);
    } catch {
      return;
    }
    for (const shard of shards) {
      const folder = path.join(this.root, shard);
      let names: string[];
      try {
        names = fs.readdirSync(folder);
      } catch {
        continue;
      }
      for (const name of names) {
        const file = path.join(folder, name);
        const stat = fs.lstatSync(file, { throwIfNoEntry: false });
        if (stat?.isFile() && stat.nlink <= 1) fs.rmSync(file, { force: true });
      }
    }
    fs.writeFileSync(mark, '');
  }
}
