import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  MEMBERS_PAGE_ROWS,
  type ApiResult,
  type AssetUrlKind,
  type Channel,
  type EventMap,
  type EventName,
  type FirstMembersPage,
  type LibraryState,
  type MembersPage,
  type OpenedBag,
  type RequestOf,
  type ResponseOf,
} from '../../../shared/contract.js';
import { requestSchemas } from '../../../shared/requests.js';
import {
  isBagImported,
  locateBag,
  openBag,
  type Bag,
  type MemberRequest,
  type OpenProgress,
} from '../bag/index.js';
import { isDatabaseDamage, type SatchelError } from '../common/index.js';
import { findDerivaCacheBags, findDerivaContext, RecentBags } from '../library/index.js';
import { buildSampleBag, isSampleBuilt, samplePath } from '../sample/index.js';
import { ThumbnailCache, type ThumbnailPriority } from '../thumbs/index.js';
import { verifyBag } from '../verify/index.js';
import {
  DEFAULT_BACKUP_POLICY,
  findDamage,
  latestBackup,
  openWorkspaceDb,
  workspaceDamaged,
  workspaceDbPath,
  type BackupPolicy,
  type WorkspaceDb,
} from '../workspace-db/index.js';
import { scheduleBackups } from './backups.js';
import { invalidRequest, RequestError, toApiError } from './errors.js';
import { LabelStore } from '../labels/index.js';
import { describeAsset } from './asset-info.js';
import { CatalogConnections, catalogHandlers } from './catalog.js';
import { fetchHandlers } from './fetch.js';
import { labelHandlers } from './labels.js';
import { regionHandlers } from './regions.js';
import { RegionContentStore, RegionStore } from '../regions/index.js';
import { isInside, servedContentType } from './files.js';
import { BagLookups } from './lookups.js';
import { startMaintenance } from './maintenance.js';
import { throttledProgress } from './progress.js';
import { describeRecentBags, pathsOfSameBag } from './recent-list.js';
import { completePath, resolveTypedPath } from './typed-paths.js';
import { UiStateFile } from './ui-state.js';

export type EmitEvent = <E extends EventName>(event: E, payload: EventMap[E]) => void;

export interface ApiOptions {
  /** The workspace folder: workspace.sqlite, bag databases, thumbnails, the sample bag. */
  workspace: string;
  /** Where `~/.deriva-ml` is looked for; the user's home by default. */
  homeDir?: string;
  /** deriva-ml working folders besides `~/.deriva-ml` whose caches the library lists. */
  derivaWorkingDirs?: string[];
  emit?: EmitEvent;
  /** How often the workspace database is backed up and how many backups are kept (tests shorten it). */
  backupPolicy?: BackupPolicy;
}

export interface AssetFile {
  path: string;
  contentType: string;
}

export interface Api {
  /** Validates `raw` against the channel's schema and runs it; never throws. */
  handle(channel: string, raw: unknown): Promise<ApiResult<Channel>>;
  /**
   * The file behind `/asset/…` or `/thumb/…`: only ever a file inside an opened bag's root or inside
   * the thumbnail cache; null for anything else (unknown bag or row, missing file, unsafe path).
   */
  /** A bag file or its thumbnail; `signal` aborts a thumbnail nobody waits for any more. */
  assetFile(
    kind: AssetUrlKind,
    bagId: string,
    table: string,
    rid: string,
    signal?: AbortSignal,
  ): Promise<AssetFile | null>;
  close(): Promise<void>;
}

interface OpenEntry {
  bagId: string;
  bag: Bag;
  lookups: BagLookups;
  realRoot: string;
  opened: OpenedBag;
}

type Handlers = { [C in Channel]: (request: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C> };

/** Channels that read or write the workspace database: refused once it is found damaged. */
const WORKSPACE_CHANNELS = /^(labels|catalog|library):/;

/** A page of members with the label badges of the page's targets. */
function membersPage(bag: Bag, lookups: BagLookups, datasetRid: string, request: MemberRequest): MembersPage {
  const page = bag.members(datasetRid, request);
  const rids = page.rows.map((row) => String(row.RID));
  return { ...page, badges: lookups.badges(bag.elementType(request.elementType).table, rids) };
}

/**
 * The first page of the view the renderer opens a bag on (session.ts firstView): the bag's own
 * dataset, its first asset element type (else its first element type), nested datasets included.
 */
function firstMembersPage(
  bag: Bag,
  lookups: BagLookups,
  assetElementTypes: string[],
): FirstMembersPage | null {
  const names = bag.model.elementTypes.map((type) => type.table.name).filter((name) => name !== 'Dataset');
  const elementType = names.find((name) => assetElementTypes.includes(name)) ?? names[0];
  if (!elementType) return null;
  const request = { elementType, recurse: true, offset: 0, limit: MEMBERS_PAGE_ROWS };
  const page = membersPage(bag, lookups, bag.rid, request);
  return { datasetRid: bag.rid, elementType, recurse: true, page };
}

/** The bag's id in URLs and requests: the first 16 hex digits of sha256 of its real root path. */
export function bagIdOf(realRoot: string): string {
  return crypto.createHash('sha256').update(realRoot).digest('hex').slice(0, 16);
}

/** The whole contract of shared/contract.ts over the core: one instance per workspace. */
export function createApi(options: ApiOptions): Api {
  const workspace = path.resolve(options.workspace);
  fs.mkdirSync(workspace, { recursive: true });
  const homeDir = options.homeDir ?? os.homedir();
  // The working folder of deriva-ml's .deriva-context.json (of the folder Satchel started in) counts too.
  const contextDir = findDerivaContext()?.workingDir;
  const derivaWorkingDirs = [...(options.derivaWorkingDirs ?? []), ...(contextDir ? [contextDir] : [])];
  const emit: EmitEvent = options.emit ?? (() => {});
  // The label history is checked with the first backup, in the maintenance worker, not here.
  const db: WorkspaceDb = openWorkspaceDb(workspace, { check: 'drafts', backups: 'none' });
  const maintenance = startMaintenance(workspace);
  /** Set once the workspace database is found damaged: nothing is written to it any more. */
  let damage: SatchelError | null = null;
  const markDamaged = (problem: string): SatchelError => {
    damage ??= workspaceDamaged(workspaceDbPath(workspace), problem, latestBackup(workspace));
    return damage;
  };
  const backups = scheduleBackups({
    workspace,
    db,
    policy: options.backupPolicy ?? DEFAULT_BACKUP_POLICY,
    run: (policy) => maintenance.backup(policy),
    onDamage: markDamaged,
  });
  const recent = new RecentBags(db);
  const uiState = new UiStateFile(workspace);
  const thumbs = new ThumbnailCache(workspace);
  const labels = new LabelStore(db);
  const regions = new RegionStore(db, new RegionContentStore(workspace));
  const bags = new Map<string, OpenEntry>();
  const connections = new CatalogConnections();
  const opening = new Map<string, Promise<OpenedBag>>();

  const requireBag = (bagId: string): OpenEntry => {
    const entry = bags.get(bagId);
    if (!entry) throw new RequestError('unknown-bag', `No open bag has the id ${bagId}; open the bag again.`);
    return entry;
  };

  const libraryState = (): LibraryState => ({
    recent: describeRecentBags(recent.list(), { homeDir, samplePath: samplePath(workspace) }),
    derivaCache: findDerivaCacheBags(homeDir, { workingDirs: derivaWorkingDirs }),
    sample: isSampleBuilt(workspace)
      ? { path: samplePath(workspace), built: true }
      : { path: null, built: false },
  });

  const open = async (requested: string): Promise<OpenedBag> => {
    const sendProgress = throttledProgress((progress) => emit('progress', progress));
    const onProgress = ({ phase, done, total }: OpenProgress) =>
      sendProgress({ task: 'open', phase, done, total, path: requested });
    // Extraction and import run in the maintenance worker; what is left here only opens the result.
    // A bag imported before needs neither, nor the worker's start-up.
    if (!isBagImported(requested, { workspace })) await maintenance.prepareBag(requested, onProgress);
    const root = await locateBag(requested, { workspace, onProgress });
    const realRoot = fs.realpathSync(root);
    const bagId = bagIdOf(realRoot);
    const remember = (bag: { rid: string }, version: string | null) => {
      if (!damage) recent.record({ path: requested, rid: bag.rid, version });
    };
    const alreadyOpen = () => {
      const entry = bags.get(bagId);
      if (!entry) return null;
      remember(entry.bag, entry.opened.report.version);
      return { ...entry.opened, path: requested };
    };
    const existing = alreadyOpen();
    if (existing) return existing;
    const bag = await openBag(root, { workspace, onProgress });
    const raced = alreadyOpen();
    if (raced) {
      bag.close();
      return raced;
    }
    const report = bag.inspect();
    const lookups = new BagLookups(bag);
    const assetElementTypes = bag.model.elementTypes
      .filter((type) => type.table.kind === 'asset')
      .map((type) => type.table.name);
    const opened: OpenedBag = {
      bagId,
      path: requested,
      report,
      assetElementTypes,
      features: bag.featureDefinitions(),
      firstPage: firstMembersPage(bag, lookups, assetElementTypes),
    };
    bags.set(bagId, { bagId, bag, lookups, realRoot, opened });
    remember(bag, report.version);
    return opened;
  };

  /** The real path of an asset row's file, proven to be inside the bag; null when absent or unsafe. */
  const assetPathOf = async (entry: OpenEntry, tableName: string, rid: string): Promise<string | null> => {
    try {
      const table = entry.bag.requireTable(tableName);
      if (table.kind !== 'asset') return null;
      const file = entry.bag.assetFile(table.qualified, rid);
      if (!file?.exists) return null;
      const real = await fs.promises.realpath(file.path);
      const stat = await fs.promises.stat(real);
      return stat.isFile() && isInside(entry.realRoot, real) ? real : null;
    } catch {
      return null;
    }
  };

  const thumbnailOf = async (
    entry: OpenEntry,
    table: string,
    rid: string,
    priority: ThumbnailPriority,
    signal?: AbortSignal,
  ) => {
    const source = await assetPathOf(entry, table, rid);
    return source ? thumbs.get(source, { priority, signal }) : null;
  };

  const handlers: Handlers = {
    ...labelHandlers(labels, requireBag, regions),
    ...regionHandlers(regions, requireBag),
    ...catalogHandlers({ connections, db, store: labels, homeDir, workspace, requireBag, emit }),
    ...fetchHandlers({
      workspace,
      homeDir,
      requireBag,
      emit,
      connectedCredential: (origin) => connections.credentialFor(origin),
    }),
    'library:state': () => libraryState(),
    'library:sample': async () => {
      const sendProgress = throttledProgress((progress) => emit('progress', progress));
      const built = await buildSampleBag(workspace, {
        onProgress: ({ phase, done, total }) =>
          sendProgress({ task: 'sample', phase, done, total, path: samplePath(workspace) }),
      });
      return { path: built };
    },
    'library:forget': ({ path: forgotten }) => {
      for (const same of pathsOfSameBag(recent.list(), forgotten)) recent.forget(same);
      return libraryState();
    },
    'library:complete': ({ path: typed, outsideHome }) => completePath(typed, homeDir, outsideHome),
    'ui:state': () => uiState.read(),
    'ui:save': ({ state }) => uiState.save(state),
    'bag:open': ({ path: input }) => {
      const key = resolveTypedPath(input, homeDir);
      const pending = opening.get(key);
      if (pending) return pending;
      const promise = open(key).finally(() => opening.delete(key));
      opening.set(key, promise);
      return promise;
    },
    'bag:close': ({ bagId }) => {
      const entry = bags.get(bagId);
      if (!entry) return { closed: false };
      bags.delete(bagId);
      entry.lookups.close();
      entry.bag.close();
      return { closed: true };
    },
    'bag:datasets': ({ bagId }) => requireBag(bagId).bag.datasets(),
    'bag:members': ({ bagId, datasetRid, elementType, recurse, offset, limit, sort, filters, where }) => {
      const { bag, lookups } = requireBag(bagId);
      return membersPage(bag, lookups, datasetRid, {
        elementType,
        recurse,
        offset,
        limit,
        sort,
        filters,
        where,
      });
    },
    'bag:facets': ({ bagId, datasetRid, elementType, recurse, where, column }) =>
      requireBag(bagId).bag.memberFacets(datasetRid, { elementType, recurse, where, column }),
    'bag:rows': ({ bagId, table, offset, limit, sort, filters }) =>
      requireBag(bagId).bag.rows(table, { offset, limit, sort, filters }),
    'bag:table': ({ bagId, table }) => requireBag(bagId).bag.tableInfo(table),
    'bag:row': ({ bagId, table, rid }) => requireBag(bagId).bag.row(table, rid),
    'bag:features': ({ bagId }) => requireBag(bagId).bag.featureDefinitions(),
    'bag:raters': ({ bagId }) => requireBag(bagId).lookups.raters(),
    'bag:feature-values': ({ bagId, target, feature, selector, datasetRid }) => {
      const { bag } = requireBag(bagId);
      return bag.featureValues(target, feature, selector, datasetRid ?? bag.rid);
    },
    'bag:verify': async ({ bagId }) => {
      const { bag } = requireBag(bagId);
      const sendProgress = throttledProgress((progress) => emit('progress', progress));
      return verifyBag(bag.root, {
        onProgress: (done, total) =>
          sendProgress({ task: 'verify', phase: 'checksums', done, total, path: bag.root }),
      });
    },
    'asset:info': ({ bagId, table, rid }) => {
      const { bag, lookups } = requireBag(bagId);
      return describeAsset(bag, lookups, table, rid);
    },
    'asset:prefetch': async ({ bagId, table, rids }) => {
      const entry = requireBag(bagId);
      let queued = 0;
      for (const rid of rids) {
        const source = await assetPathOf(entry, table, rid);
        if (!source) continue;
        queued++;
        void thumbs.get(source, { priority: 'prefetch' });
      }
      return { queued };
    },
  };

  return {
    async handle(channel, raw) {
      try {
        if (!Object.hasOwn(requestSchemas, channel)) {
          const shown = channel.length > 60 ? `${channel.slice(0, 60)}…` : channel;
          throw new RequestError('bad-request', `"${shown}" is not a channel of the Satchel API.`);
        }
        const known = channel as Channel;
        if (damage && WORKSPACE_CHANNELS.test(known)) throw damage;
        const parsed = requestSchemas[known].safeParse(raw ?? {});
        if (!parsed.success) throw invalidRequest(known, parsed.error);
        const handler = handlers[known] as (request: unknown) => Promise<unknown> | unknown;
        const value = await handler(parsed.data);
        return { ok: true, value } as ApiResult<Channel>;
      } catch (error) {
        // SQLite met a damaged page: if it is the workspace's, stop writing to it and say so.
        const problem = isDatabaseDamage(error) && !damage ? findDamage(db, 'all') : null;
        const apiError = toApiError(problem ? markDamaged(problem) : error, channel);
        if (apiError.kind === 'internal') console.error(`satchel: ${channel} failed:`, error);
        return { ok: false, error: apiError };
      }
    },

    async assetFile(kind, bagId, table, rid, signal) {
      const entry = bags.get(bagId);
      if (!entry) return null;
      if (kind === 'asset') {
        const file = await assetPathOf(entry, table, rid);
        return file ? { path: file, contentType: await servedContentType(file) } : null;
      }
      const thumbnail = await thumbnailOf(entry, table, rid, 'visible', signal);
      if (!thumbnail?.ok) return null;
      const real = await fs.promises.realpath(thumbnail.path).catch(() => null);
      const cacheRoot = await fs.promises.realpath(thumbs.directory).catch(() => null);
      return real && cacheRoot && isInside(cacheRoot, real)
        ? { path: real, contentType: thumbnail.contentType }
        : null;
    },

    async close() {
      await backups.stop();
      await maintenance.close();
      await thumbs.close();
      for (const entry of bags.values()) {
        entry.lookups.close();
        entry.bag.close();
      }
      bags.clear();
      if (db.open) db.close();
    },
  };
}
