import type { RequestOf, ResponseMap, ResponseOf } from '../../../shared/contract.js';
import type { Bag } from '../bag/index.js';
import { defaultAuthor } from '../labels/index.js';
import { featureFiles, RegionSession, type RegionStore } from '../regions/index.js';

type RegionChannel = Extract<keyof ResponseMap, `regions:${string}`>;
type RegionHandlers = {
  [C in RegionChannel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C>;
};

/**
 * The regions:* channels: region drafts of the open bags' asset-valued features, the bag's own
 * feature files, and region agreement. Every action answers with the image's drawing as stored, so
 * the viewer shows exactly what a reload would.
 */
export function regionHandlers(
  store: RegionStore,
  requireBag: (bagId: string) => { bag: Bag },
): RegionHandlers {
  const sessions = new Map<string, RegionSession>();
  const author = defaultAuthor();

  const session = (bagId: string, feature: string): RegionSession => {
    const key = `${bagId}\u0000${feature}`;
    const { bag } = requireBag(bagId);
    let found = sessions.get(key);
    if (!found || found.bag !== bag) {
      found = new RegionSession(bag, store, feature);
      sessions.set(key, found);
    }
    return found;
  };

  return {
    'regions:draft': ({ bagId, feature, target }) => session(bagId, feature).show(target),
    'regions:save': ({ bagId, feature, target, image, regions, operation }) =>
      session(bagId, feature).save(target, regions, image, operation, author),
    'regions:undo': ({ bagId, feature }) => session(bagId, feature).undo(author),
    'regions:redo': ({ bagId, feature }) => session(bagId, feature).redo(author),
    'regions:files': ({ bagId, table, rid }) => featureFiles(requireBag(bagId).bag, table, rid),
    'regions:agreement': ({ bagId, feature, pair, threshold }) =>
      session(bagId, feature).agreement(pair ?? null, threshold),
  };
}
