export {
  listDatasets,
  chooseVersion,
  type DatasetListing,
  type DatasetState,
  type DatasetVersionInfo,
} from './datasets.js';
export { estimateBag, type BagEstimate } from './estimate.js';
export { downloadBag, type DownloadOptions, type DownloadProgress, type DownloadedBag } from './download.js';
export {
  materializeBag,
  type MaterializeOptions,
  type MaterializeProgress,
  type MaterializeResult,
} from './materialize.js';
export { planBag, type BagPlan } from './plan.js';
export { derivaMlCacheRoot, cacheChecksum, type BagSpec, type DerivaMlFolders } from './cache.js';
export { reuseSources, type ReuseOptions } from './reuse.js';
export { AssetStore } from './asset-store.js';
export { LocalCopies } from './local-copies.js';
