import type {
  CatalogConnection,
  DatasetListing,
  DatasetState,
  DatasetVersionInfo,
} from '../../../../shared/catalog.js';
import type { EventMap } from '../../../../shared/contract.js';
import { formatBytes } from '../../data/format.js';

/**
 * The catalog panel's and commit dialog's plain logic (no DOM, no store): connection states, version
 * picking, progress sentences. Kept apart so it is tested without a browser.
 */

type Progress = EventMap['progress'];

/** The same rule main's request schema applies to a catalog URL. */
const CATALOG_URL = /^https?:\/\/[^/]+\/ermrest\/catalog\/[A-Za-z0-9_-]+\/?$/;

export function isCatalogUrl(text: string): boolean {
  return text.length >= 8 && text.length <= 2000 && CATALOG_URL.test(text);
}

/** The catalog named by the page address (`?catalog=<catalog URL>`, as `npm run demo` prints), or null. */
export function catalogUrlFromSearch(search: string): string | null {
  const value = new URLSearchParams(search).get('catalog')?.trim();
  return value && isCatalogUrl(value) ? value : null;
}

/** The form of a catalog URL main keys its connections by: no trailing slash. */
export function normalizeCatalogUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** "127.0.0.1:8080 · catalog 1": how a connection is named on screen. */
export function connectionName(connection: Pick<CatalogConnection, 'origin' | 'catalog'>): string {
  const host = connection.origin.replace(/^https?:\/\//, '');
  return `${host} · catalog ${connection.catalog}`;
}

export type ConnectionTone = 'online' | 'offline' | 'sign-in' | 'none';

export interface ConnectionStatus {
  tone: ConnectionTone;
  /** Short: the header dot's label and the panel's status line. */
  text: string;
  /** A sentence for a tooltip or a line under the status. */
  detail: string;
}

/**
 * What the dot says. Main marks a connection offline when the catalog could not be reached
 * (network, timeout) and keeps it online with a problem when the catalog answered 401.
 */
export function connectionStatus(connection: CatalogConnection | null | undefined): ConnectionStatus {
  if (!connection)
    return {
      tone: 'none',
      text: 'No catalog',
      detail: 'Connect to a catalog in the library to commit labels.',
    };
  if (!connection.online)
    return {
      tone: 'offline',
      text: 'Offline',
      detail: connection.problem ?? 'The catalog has not been reached. Labels are kept until you reconnect.',
    };
  if (connection.problem) return { tone: 'sign-in', text: 'Sign in again', detail: connection.problem };
  if (connection.user)
    return {
      tone: 'online',
      text: `Online as ${connection.user}`,
      detail: `Signed in with ${credentialSourceText(connection.credentialSource)}.`,
    };
  return { tone: 'online', text: 'Online, not signed in', detail: 'Anonymous access: reading only.' };
}

export function credentialSourceText(source: CatalogConnection['credentialSource']): string {
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

/** How the user signs in. `file`: deriva-py's ~/.deriva/credential.json, read by main. */
export type SignInMethod = 'file' | 'token' | 'login';

export interface SignInForm {
  url: string;
  method: SignInMethod;
  token: string;
  username: string;
  password: string;
}

export type ConnectRequest = { url: string; token?: string; username?: string; password?: string };

/** The catalog:connect request of a filled form, or the sentence saying what is missing. */
export function connectRequest(form: SignInForm): { request: ConnectRequest } | { missing: string } {
  const url = form.url.trim();
  if (!url) return { missing: 'Type the address of a catalog, e.g. https://example.org/ermrest/catalog/1.' };
  if (!isCatalogUrl(url))
    return {
      missing: `"${url}" is not a catalog address; it looks like https://example.org/ermrest/catalog/1.`,
    };
  if (form.method === 'token') {
    const token = form.token.trim();
    return token
      ? { request: { url, token } }
      : { missing: 'Paste a token, or choose another way to sign in.' };
  }
  if (form.method === 'login') {
    const username = form.username.trim();
    if (!username) return { missing: 'Type your user name, or choose another way to sign in.' };
    return { request: { url, username, password: form.password } };
  }
  return { request: { url } };
}

/** A sentence for a connection that was reached but is not signed in after a connect. */
export function signInAdvice(connection: CatalogConnection, method: SignInMethod): string | null {
  if (!connection.problem) return null;
  if (connection.credentialSource === 'none')
    return `No deriva-py credential for ${new URL(connection.origin).hostname} was found, and this catalog asks you to sign in. Paste a token or use a user name and password.`;
  if (method === 'file')
    return `The credential in deriva-py's credential file was refused: ${connection.problem}`;
  return connection.problem;
}

// ---- datasets and versions ----

/** The current version: the last of the ascending list, or null when the dataset has none. */
export function currentVersion(listing: Pick<DatasetListing, 'versions'>): DatasetVersionInfo | null {
  return listing.versions[listing.versions.length - 1] ?? null;
}

/** The version the picker shows: the chosen one when it still exists, else the current one. */
export function pickVersion(
  listing: Pick<DatasetListing, 'versions'>,
  chosen: string | null | undefined,
): DatasetVersionInfo | null {
  return listing.versions.find((info) => info.version === chosen) ?? currentVersion(listing);
}

/**
 * What to show for the chosen version: the dataset as it was at that version's snapshot (its
 * description, types and member counts, as the bag of that version has them); the live catalog only
 * for a version without a snapshot, or when the listing did not say.
 */
export function stateAtVersion(
  listing: DatasetListing,
  version: DatasetVersionInfo | null,
): DatasetState & { asOf: 'snapshot' | 'live' } {
  if (version?.snapshot && version.atSnapshot) return { ...version.atSnapshot, asOf: 'snapshot' };
  if (version?.snapshot && version.atSnapshot === null)
    return { description: null, types: [], members: {}, children: [], asOf: 'snapshot' };
  return {
    description: listing.description,
    types: listing.types,
    members: listing.members,
    children: listing.children,
    asOf: 'live',
  };
}

/** The picker's option text, newest first in the list: "0.10.0 (current)". */
export function versionOptionText(
  info: DatasetVersionInfo,
  listing: Pick<DatasetListing, 'versions'>,
): string {
  return currentVersion(listing)?.version === info.version ? `${info.version} (current)` : info.version;
}

/** Versions newest first, as the picker lists them. */
export function versionsNewestFirst(listing: Pick<DatasetListing, 'versions'>): DatasetVersionInfo[] {
  return [...listing.versions].reverse();
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ERMrest's snaptime (Crockford base32 of microseconds since 1970, shifted one bit) as a Date; null if not one. */
export function snaptimeDate(snaptime: string): Date | null {
  const symbols = snaptime.replace(/-/g, '').toUpperCase();
  if (symbols === '' || symbols.length > 13) return null;
  let value = 0n;
  for (const symbol of symbols) {
    const index = CROCKFORD.indexOf(symbol);
    if (index < 0) return null;
    value = value * 32n + BigInt(index);
  }
  const milliseconds = Number(value >> 1n) / 1000;
  const date = new Date(milliseconds);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "2024-03-01 10:00 UTC" for a snaptime, or null. */
export function snaptimeText(snaptime: string): string | null {
  const date = snaptimeDate(snaptime);
  if (!date) return null;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What the chosen version will download: its snapshot, or the live catalog for an unreleased version. */
export function snapshotText(info: DatasetVersionInfo | null): string {
  if (!info) return 'No version: nothing to download yet.';
  if (!info.snapshot) return 'No snapshot yet: the live catalog';
  const when = snaptimeText(info.snapshot);
  return when ? `Snapshot ${info.snapshot} · ${when}` : `Snapshot ${info.snapshot}`;
}

/** "12 Image · 3 Subject", largest first; "no members" when empty. */
export function membersText(members: Record<string, number>): string {
  const entries = Object.entries(members)
    .filter(([, count]) => count > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return 'no direct members';
  return entries.map(([table, count]) => `${count.toLocaleString('en-US')} ${table}`).join(' · ');
}

// ---- download progress ----

export type DownloadStage = 'planning' | 'tables' | 'files';
export const DOWNLOAD_STAGES: { stage: DownloadStage; label: string }[] = [
  { stage: 'planning', label: 'Planning' },
  { stage: 'tables', label: 'Tables' },
  { stage: 'files', label: 'Files' },
];

export interface ProgressView {
  /** What is happening, one short sentence. */
  text: string;
  /** "3 / 12 tables", "1.2 MB / 4.0 MB"; null when nothing is counted yet. */
  count: string | null;
  /** 0..1, or null for an indeterminate bar. */
  fraction: number | null;
}

export function downloadStage(progress: Progress | undefined): DownloadStage {
  if (progress?.phase === 'tables') return 'tables';
  if (progress?.phase === 'assets') return 'files';
  return 'planning';
}

function fractionOf(done: number, total: number): number | null {
  return total > 0 ? Math.min(1, Math.max(0, done / total)) : null;
}

export function downloadProgressView(progress: Progress | undefined): ProgressView {
  switch (progress?.phase) {
    case 'rows':
      return { text: 'Finding the rows of the dataset and its nested datasets', count: null, fraction: null };
    case 'tables':
      return {
        text: 'Writing the tables',
        count: `${progress.done.toLocaleString('en-US')} / ${progress.total.toLocaleString('en-US')} tables`,
        fraction: fractionOf(progress.done, progress.total),
      };
    case 'assets':
      return progress.total > 0
        ? {
            // "12 reused, 3 fetched, 1.2 MB": copies already on disk are reused, not fetched again.
            text: progress.detail ? `Bringing the files: ${progress.detail}` : 'Fetching the files',
            count: `${formatBytes(progress.done)} / ${formatBytes(progress.total)}`,
            fraction: fractionOf(progress.done, progress.total),
          }
        : { text: 'Checking the files', count: null, fraction: null };
    default:
      return {
        text: 'Planning: resolving the version, its snapshot and the model',
        count: null,
        fraction: null,
      };
  }
}

// ---- commit progress ----

/** The commit's steps in order (main's journal states between planned and done). */
export const COMMIT_STEPS: { step: string; text: string }[] = [
  { step: 'workflow', text: 'Finding or creating the workflow' },
  { step: 'execution', text: 'Creating the execution' },
  { step: 'running', text: 'Marking the execution running' },
  { step: 'inputs', text: 'Linking the input dataset version' },
  { step: 'metadata', text: 'Uploading the configuration' },
  { step: 'features', text: 'Sending the feature values' },
  { step: 'finishing', text: 'Finishing the execution' },
];

export function commitProgressView(progress: Progress | undefined): ProgressView & { step: number } {
  const index = progress ? COMMIT_STEPS.findIndex((entry) => entry.step === progress.phase) : -1;
  if (!progress || index < 0)
    return { step: 0, text: 'Checking the drafts against the catalog', count: null, fraction: 0 };
  const within = progress.phase === 'features' ? (fractionOf(progress.done, progress.total) ?? 0) : 0;
  // The step starts with (0, 1) before the rows are counted: a count is shown once rows are sent.
  const count =
    progress.phase === 'features' && progress.done > 0 && progress.total > 0
      ? `${progress.done.toLocaleString('en-US')} / ${progress.total.toLocaleString('en-US')} rows`
      : null;
  return {
    step: index + 1,
    text: `Step ${index + 1} of ${COMMIT_STEPS.length}: ${COMMIT_STEPS[index]!.text}`,
    count,
    fraction: (index + within) / COMMIT_STEPS.length,
  };
}

/** Rows per table of a commit, the feature tables first, then by name. */
export function insertedRows(inserted: Record<string, string[]>): { table: string; rows: number }[] {
  const system = (table: string) => (table.startsWith('deriva-ml:') ? 1 : 0);
  return Object.entries(inserted)
    .map(([table, rids]) => ({ table, rows: rids.length }))
    .sort((a, b) => system(a.table) - system(b.table) || a.table.localeCompare(b.table));
}

/** What the commit dialog adds under an error, by kind; null when the sentence says it all. */
export function commitErrorAdvice(kind: string): string | null {
  switch (kind) {
    case 'auth-required':
      return 'Your drafts are kept; sign in and commit again.';
    case 'forbidden':
      return 'Your drafts are kept. Ask the catalog’s curator for write access, or sign in as another user.';
    case 'network':
    case 'timeout':
      return 'You seem to be offline. Your drafts are kept; commit again when the catalog can be reached.';
    case 'conflict':
      return 'Your drafts are kept. Committing again resumes where this commit stopped.';
    case 'schema-drift':
      return 'Nothing was sent. Change or clear those drafts, then commit again.';
    default:
      return null;
  }
}

/** "2 drafts", "1 draft". */
export function draftsText(count: number): string {
  return `${count.toLocaleString('en-US')} draft${count === 1 ? '' : 's'}`;
}
