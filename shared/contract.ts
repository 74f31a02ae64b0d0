import type { z } from 'zod';
import type { requestSchemas } from './requests.js';
import type {
  DatasetSummary,
  FacetCounts,
  FeatureDefinition,
  FeatureValue,
  InspectReport,
  Page,
  Row,
  TableInfo,
  VerifyReport,
} from './bag.js';
import type {
  CatalogConnection,
  CommitPreview,
  CommitSummary,
  CommitTargetCheck,
  DatasetListing,
  DownloadSummary,
  FetchSummary,
} from './catalog.js';
import type {
  AgreementReport,
  Draft,
  HistoryEntry,
  LabelChange,
  LabelFeature,
  LabelProgress,
} from './labels.js';
import type { RaterInfo, RaterKind } from './raters.js';
import type { FeatureFile, RegionAgreementReport, RegionChange } from './regions.js';

/**
 * The one door between the renderer and main. Every request is a `domain:verb` channel with a zod
 * schema (shared/requests.ts, validated in main before anything reaches the core) and a typed
 * response. Electron IPC and browser mode (HTTP on 127.0.0.1) are two transports of this same
 * contract. This file holds types and a few plain values only, so the renderer bundles no zod.
 */

export type Channel = keyof typeof requestSchemas;
export type RequestOf<C extends Channel> = z.infer<(typeof requestSchemas)[C]>;

export interface RecentBag {
  path: string;
  rid: string;
  version: string | null;
  openedAt: string;
  /** Where the bag came from, in words: "deriva-ml cache ~/.deriva-ml/host/1", "zip file", "sample bag", "folder". */
  source?: string;
}

export interface FoundBag {
  path: string;
  rid: string;
  /** The version deriva-ml's cache index records for it; null when the index does not say. */
  version: string | null;
  /** Where it was found, e.g. "~/.deriva-ml/host/1/cache". */
  source: string;
}

export interface LibraryState {
  recent: RecentBag[];
  derivaCache: FoundBag[];
  sample: { path: string | null; built: boolean };
}

/** Rows per page of members the app asks for; bag:open answers with the first page of its first view. */
export const MEMBERS_PAGE_ROWS = 200;

/** Folders (and bags) under a typed path, for the path field of browser mode. */
export interface PathCompletion {
  /** The folder listed, as typed (with `~`), or null when nothing was listed. */
  folder: string | null;
  entries: { name: string; path: string; kind: 'folder' | 'zip' }[];
  /** Why nothing was listed (outside the home folder without confirmation, not a folder). */
  refused: string | null;
  /** The typed folder is outside the user's home: listing it needs the user's confirmation. */
  outsideHome: boolean;
}

/** What the app shows, kept in the workspace so that a reload (or a restart) opens where the user was. */
export interface UiState {
  bag: {
    path: string;
    datasetRid: string | null;
    section: { kind: 'members'; elementType: string } | { kind: 'tables' };
    mode: 'browse' | 'label';
    feature: string | null;
  } | null;
}

/** The drafts of an open bag at a glance: per feature, and whether undo and redo would act. */
export interface LabelStatus {
  drafts: Record<string, number>;
  total: number;
  canUndo: boolean;
  canRedo: boolean;
}

export interface OpenedBag {
  bagId: string;
  path: string;
  /** The bag's summary, its datasets (as bag:datasets gives them) included. */
  report: InspectReport;
  /** Element types that are asset tables (shown as thumbnails). */
  assetElementTypes: string[];
  /** Every feature with its terms, as bag:features gives them. */
  features: FeatureDefinition[];
  /**
   * The first MEMBERS_PAGE_ROWS members of the view the app opens on (the bag's own dataset, its first
   * asset element type, nested datasets included), so the grid paints without asking; null without one.
   */
  firstPage: FirstMembersPage | null;
}

export interface FirstMembersPage {
  datasetRid: string;
  elementType: string;
  recurse: boolean;
  page: MembersPage;
}

/** A label badge on a grid tile: the newest value of one feature and whether executions disagree. */
export interface Badge {
  feature: string;
  value: string;
  executions: number;
  disagreement: boolean;
  /** Whether the shown (newest) value came from a person or a model, as bag:raters tells them apart. */
  from: RaterKind;
}

export interface MembersPage extends Page<Row> {
  badges: Record<string, Badge[]>;
}

export type AssetPreview = 'image' | 'text' | 'other';

export interface AssetInfo {
  table: string;
  rid: string;
  row: Row;
  preview: AssetPreview;
  /** Relative to the bag root; exists=false in a holey bag. */
  relative: string | null;
  exists: boolean;
  bytes: number | null;
  /** Whether the file's MD5 matches the row's MD5 column (null: not checked / no file). */
  checksumMatches: boolean | null;
  /** First 64 KiB of a text-like file, for the preview. */
  text: string | null;
  types: string[];
  /** Asset_Execution rows (role Input/Output) with their execution's description. */
  provenance: { execution: string; role: string | null; description: string | null }[];
  /** Every feature value of this asset from every execution. */
  features: (FeatureValue & { feature: string })[];
}

export interface ResponseMap {
  'library:state': LibraryState;
  'library:sample': { path: string };
  'library:forget': LibraryState;
  'library:complete': PathCompletion;
  'ui:state': UiState;
  'ui:save': UiState;
  'bag:open': OpenedBag;
  'bag:close': { closed: boolean };
  'bag:datasets': DatasetSummary[];
  'bag:members': MembersPage;
  'bag:facets': FacetCounts;
  'bag:rows': Page<Row>;
  'bag:table': TableInfo;
  'bag:row': Row | null;
  'bag:features': FeatureDefinition[];
  'bag:feature-values': FeatureValue[];
  'bag:verify': VerifyReport;
  'bag:raters': RaterInfo[];
  'bag:fetch': FetchSummary;
  'bag:fetch-cancel': { cancelled: boolean };
  'asset:info': AssetInfo;
  'asset:prefetch': { queued: number };
  'catalog:state': { connections: CatalogConnection[] };
  'catalog:connect': CatalogConnection;
  'catalog:disconnect': { connections: CatalogConnection[] };
  'catalog:datasets': DatasetListing[];
  'catalog:download': DownloadSummary;
  'catalog:cancel': { cancelled: boolean };
  'catalog:commit': CommitSummary;
  'catalog:commitCancel': { cancelled: boolean };
  'catalog:commitPreview': CommitPreview;
  'catalog:commitCheck': CommitTargetCheck;
  'labels:features': LabelFeature[];
  'labels:drafts': Draft[];
  'labels:status': LabelStatus;
  'labels:target-drafts': Draft[];
  'labels:set': LabelChange;
  'labels:clear': LabelChange;
  'labels:undo': LabelChange;
  'labels:redo': LabelChange;
  'labels:queue': { targets: string[]; progress: LabelProgress };
  'labels:agreement': AgreementReport;
  'labels:history': HistoryEntry[];
  'labels:export': { text: string; count: number };
  'labels:import': {
    imported: number;
    changed: number;
    rejects: { line: number; reason: string }[];
    change: LabelChange;
  };
  'regions:draft': RegionChange;
  'regions:save': RegionChange;
  'regions:undo': RegionChange;
  'regions:redo': RegionChange;
  'regions:files': FeatureFile[];
  'regions:agreement': RegionAgreementReport;
}

export type ResponseOf<C extends Channel> = ResponseMap[C];

/** Events main pushes to the renderer (progress of long work). */
export interface EventMap {
  progress: {
    task: 'open' | 'verify' | 'sample' | 'download' | 'commit' | 'fetch';
    phase: string;
    done: number;
    total: number;
    path?: string;
    /** A ready sentence about the work so far, e.g. "12 reused, 3 fetched, 1.2 MB". */
    detail?: string;
  };
  /** The native menu, a file opened from the OS or the command line asks the window to open a bag. */
  'open-bag': { path: string };
  /** Help › Keyboard Shortcuts. */
  'show-shortcuts': Record<string, never>;
}
export type EventName = keyof EventMap;

/** Errors cross the door as values with a sentence, never as stack traces. */
export interface ApiError {
  kind: string;
  message: string;
}

export type ApiResult<C extends Channel> =
  { ok: true; value: ResponseOf<C> } | { ok: false; error: ApiError };

/** URLs of asset files and thumbnails: `<base>/asset/<bagId>/<table>/<rid>`, `<base>/thumb/...`. */
export type AssetUrlKind = 'asset' | 'thumb';
export function assetPath(kind: AssetUrlKind, bag: string, table: string, assetRid: string): string {
  return `/${kind}/${bag}/${encodeURIComponent(table)}/${encodeURIComponent(assetRid)}`;
}

/** What the preload (Electron) or the HTTP client (browser mode) exposes to the renderer. */
export interface SatchelApi {
  call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ApiResult<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void;
  assetUrl(kind: AssetUrlKind, bag: string, table: string, assetRid: string): string;
  /** Electron only: the native open dialog; browser mode returns null (the renderer asks for a path). */
  chooseBag(): Promise<string | null>;
  /** Electron only: the file-system path of a dropped file (the preload's `webUtils.getPathForFile`). */
  pathForFile?(file: File): string;
  readonly transport: 'electron' | 'browser';
}

export const ELECTRON_PROTOCOL = 'satchel';
export const IPC_CALL = 'satchel:call';
export const IPC_EVENT = 'satchel:event';
export const IPC_CHOOSE = 'satchel:choose-bag';
