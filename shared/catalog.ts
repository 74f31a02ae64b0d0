/** Catalog (online) types shared by main and the renderer. */

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

export interface CommitSummary {
  executionRid: string;
  workflowRid: string;
  inserted: Record<string, string[]>;
  chaiseUrl: string;
  alreadyCommitted: boolean;
  rows: number;
}
