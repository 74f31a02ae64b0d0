import os from 'node:os';
import path from 'node:path';
import { findDerivaCacheBags } from '../library/index.js';
import { AssetStore } from './asset-store.js';
import { LocalCopies } from './local-copies.js';

export interface ReuseOptions {
  /** Where `~/.deriva-ml` is; the user's home by default. */
  homeDir?: string;
  /** deriva-ml caches beyond `~/.deriva-ml` (e.g. the one the bag is being downloaded into). */
  cacheDirs?: readonly string[];
  /** The workspace whose content-addressed store is consulted and filled; none: no store. */
  workspace?: string;
}

/**
 * Where the bytes of a bag's fetch.txt entries may already be on disk: every other bag in the
 * deriva-ml caches (`~/.deriva-ml` and `cacheDirs`), and the workspace's store.
 */
export function reuseSources(
  bagDir: string,
  options: ReuseOptions = {},
): { copies: LocalCopies; store: AssetStore | null } {
  const self = path.resolve(bagDir);
  const bagDirs = findDerivaCacheBags(options.homeDir ?? os.homedir(), { cacheDirs: options.cacheDirs })
    .map((found) => found.path)
    .filter((candidate) => path.resolve(candidate) !== self);
  const store = options.workspace ? new AssetStore(options.workspace) : null;
  store?.prune();
  return { copies: new LocalCopies(bagDirs, store), store };
}
