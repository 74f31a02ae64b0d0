export { RecentBags, MAX_RECENT_BAGS } from './recent.js';
export { findDerivaCacheBags } from './deriva-cache.js';
