export { RecentBags, MAX_RECENT_BAGS } from './recent.js';
export { findDerivaCacheBags, type DerivaCacheLocations } from './deriva-cache.js';
export {
  CACHE_INDEX_FILE,
  cacheIndexPath,
  folderSize,
  listCachedBags,
  recordCachedBag,
  type BagRecord,
  type CachedBagEntry,
} from './cache-index.js';
export {
  DERIVA_CONTEXT_FILE,
  contextWorkingDir,
  findDerivaContext,
  type DerivaContext,
} from './deriva-context.js';
