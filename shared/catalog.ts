/** Catalog (online) types shared by main and the renderer. */

import type { RecordValues } from './labels.js';

export interface DatasetVersionInfo {
  version: string;
  /** The catalog snapshot of that version; null for a development row not yet released. */
  snapshot: string | null;
  /** The Dataset_Version row. */
  rid: string;
  /**
   * The dataset as it was at that snapshot (description, types, members, nested datasets), read at
   * the snapshot; null for a version without a snapshot, or when the dataset did not exist then.
   * Absent where only the versions were asked for, or when the catalog cannot read that snapshot.
   */
  atSnapshot?: DatasetState | null;
}

/** What a dataset listing shows about a dataset at one moment. */
export interface DatasetState {
  description: string | null;
  types: string[];
  /** Direct members per element type (table name), nested datasets not included. */
  members: Record<string, number>;
  /** Directly nested datasets. */
  children: string[];
}

/** A dataset as the live catalog has it now, with its versions (each as it was at its snapshot). */
export interface DatasetListing extends DatasetState {
  rid: string;
  /** Ascending PEP 440 order; the last is the current version. */
  versions: DatasetVersionInfo[];
}

/** credential-file: ~/.deriva/credential.json; globus: a token from deriva-py's Globus token store. */
export type CredentialSource = 'credential-file' | 'globus' | 'token' | 'login' | 'none';

/** A catalog Satchel talks to. Secrets never cross to the renderer: only where they came from. */
export interface CatalogConnection {
  url: string;
  origin: string;
  catalog: string;
  user: string | null;
  online: boolean;
  credentialSource: CredentialSource;
  /** Why the last call failed, when it did (e.g. "sign in again"). */
  problem: string | null;
}

/** "a pasted token", "deriva-py's credential file": how a connection signed in, in words. */
export function credentialSourceText(source: CredentialSource): string {
  switch (source) {
    case 'credential-file':
      return "deriva-py's credential file";
    case 'globus':
      return "deriva-py's Globus sign-in";
    case 'token':
      return 'a pasted token';
    case 'login':
      return 'a user name and password';
    case 'none':
      return 'no credential';
  }
}

export interface DownloadSummary {
  path: string;
  rid: string;
  version: string;
  snapshot: string;
  cached: boolean;
  materialized: boolean;
  files: number;
  /** Files found in other bags or the workspace store, files fetched, and the bytes fetched. */
  transfer: Transfer;
}

/** What fetching a holey bag's files did (bag:fetch). */
export interface FetchSummary {
  /** Entries of fetch.txt. */
  files: number;
  /** Files that were in the bag already. */
  skipped: number;
  transfer: Transfer;
  /** Every fetch.txt file is now in the bag. */
  materialized: boolean;
}

/** How a bag's asset files came to be on disk. */
export interface Transfer {
  reused: number;
  fetched: number;
  fetchedBytes: number;
}

/** "N reused, M fetched, X MB": the one way Satchel says how the files came, in the CLI and the app. */
export function transferText(transfer: Transfer): string {
  return `${transfer.reused.toLocaleString('en-US')} reused, ${transfer.fetched.toLocaleString('en-US')} fetched, ${(transfer.fetchedBytes / 1e6).toFixed(1)} MB`;
}

/** A label named in a commit's result: the feature's name and the target. */
export interface LabelRef {
  feature: string;
  target: string;
}

/** What a commit did with one an earlier run left unfinished. */
export type EarlierCommit =
  | {
      /** It never reached the catalog: closed, and its labels planned again from the current drafts. */
      outcome: 'replanned';
      error: string | null;
    }
  | {
      /** It had reached the catalog: finished as saved, except for what changed and was not yet sent. */
      outcome: 'resumed';
      executionRid: string;
      /** Labels not yet sent that changed since: sent with their current value. */
      updated: LabelRef[];
      /** Labels not yet sent whose draft was cleared since: left out. */
      dropped: LabelRef[];
      /** Labels that changed after their earlier value had reached the catalog: the current value follows. */
      alreadySent: LabelRef[];
    };

export interface CommitSummary {
  executionRid: string;
  workflowRid: string;
  inserted: Record<string, string[]>;
  chaiseUrl: string;
  alreadyCommitted: boolean;
  rows: number;
  earlier: EarlierCommit | null;
  /** Sentences for the person committing: what became of an earlier unfinished commit. */
  notes: string[];
}

/** Where a bag came from, as its own contents say (asset URLs, bag-info.txt, schema.json, its cache folder). */
export interface BagOrigin {
  /** Scheme, host and port of the catalog's server, e.g. "https://www.example.org"; null when the bag names none. */
  origin: string | null;
  /** The catalog id, when the bag says it. */
  catalog: string | null;
  /** Where each was read, e.g. "fetch.txt", "the URL column of digits:Image". */
  evidence: string[];
}

/** Whether a draft goes in the next commit to a catalog, or went in an earlier one and has not changed since. */
export type DraftCommitState = 'pending' | 'committed';

export interface CommitPreviewDraft {
  /** `Target/Feature`, as labels:features names it. */
  feature: string;
  target: string;
  values: RecordValues;
  state: DraftCommitState;
}

export interface CommitPreviewFeature {
  /** `Target/Feature`. */
  key: string;
  /** The feature table the rows go to, e.g. "digits:Execution_Image_Digit". */
  table: string;
  /** Feature rows the next commit sends: one per draft changed since the catalog last got it. */
  pending: number;
  /** Drafts already in the catalog, unchanged since. */
  committed: number;
}

/** What committing the bag's drafts to one catalog would send (catalog:commitPreview), read from the workspace alone. */
export interface CommitPreview {
  /** The catalog the states are counted for: the one asked about, else the one the bag was last committed to. */
  url: string | null;
  origin: BagOrigin;
  features: CommitPreviewFeature[];
  pending: number;
  committed: number;
  /** Drafts of the asked state and feature (at most `limit`), by feature and target. */
  drafts: CommitPreviewDraft[];
  /** How many drafts match the asked state and feature; `drafts` holds the first of them. */
  matching: number;
  /** An earlier commit to this catalog that stopped before it finished: the next commit finishes it first. */
  unfinished: { executionRid: string | null; error: string | null } | null;
}

/**
 * Whether a catalog is the bag's own (catalog:commitCheck): `same`, its address or its dataset; `mirror`,
 * another address holding the same dataset version; `mismatch`, another catalog.
 */
export interface CommitTargetCheck {
  verdict: 'same' | 'mirror' | 'mismatch';
  /** One sentence naming both catalogs; null when they are plainly the same. */
  message: string | null;
}
