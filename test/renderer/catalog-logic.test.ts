import { describe, expect, it } from 'vitest';
import type { CatalogConnection, DatasetListing } from '../../shared/catalog.js';
import {
  catalogUrlFromSearch,
  commitErrorAdvice,
  commitProgressView,
  connectionName,
  connectionStatus,
  connectRequest,
  COMMIT_STEPS,
  currentVersion,
  downloadProgressView,
  downloadStage,
  draftsText,
  insertedRows,
  isCatalogUrl,
  membersText,
  normalizeCatalogUrl,
  pickVersion,
  signInAdvice,
  snaptimeDate,
  snapshotText,
  stateAtVersion,
  versionOptionText,
  versionsNewestFirst,
  type SignInForm,
} from '../../renderer/src/components/catalog/catalogLogic.js';
import { encodeSnaptime } from '../stand-in/base32.js';

const URL_1 = 'http://127.0.0.1:8080/ermrest/catalog/1';

const connection = (change: Partial<CatalogConnection> = {}): CatalogConnection => ({
  url: URL_1,
  origin: 'http://127.0.0.1:8080',
  catalog: '1',
  user: 'testadmin',
  online: true,
  credentialSource: 'login',
  problem: null,
  ...change,
});

const listing = (versions: string[], snapshots: (string | null)[] = []): DatasetListing => ({
  rid: 'D1',
  description: null,
  types: [],
  versions: versions.map((version, index) => ({
    version,
    snapshot: snapshots[index] ?? null,
    rid: `V${index}`,
  })),
  members: {},
  children: [],
});

const progress = (phase: string, done: number, total: number) => ({
  task: 'download' as const,
  phase,
  done,
  total,
});

describe('catalog addresses', () => {
  it('accepts what main accepts and reads ?catalog= from the page address', () => {
    expect(isCatalogUrl(URL_1)).toBe(true);
    expect(isCatalogUrl(`${URL_1}/`)).toBe(true);
    expect(isCatalogUrl('https://example.org/chaise/recordset/#1')).toBe(false);
    expect(catalogUrlFromSearch(`?token=abc&catalog=${encodeURIComponent(URL_1)}`)).toBe(URL_1);
    expect(catalogUrlFromSearch('?catalog=not-a-catalog')).toBeNull();
    expect(catalogUrlFromSearch('?token=abc')).toBeNull();
    expect(normalizeCatalogUrl(` ${URL_1}/ `)).toBe(URL_1);
    expect(connectionName(connection())).toBe('127.0.0.1:8080 · catalog 1');
  });
});

describe('connection status', () => {
  it('says online as whom, offline, or sign in again', () => {
    expect(connectionStatus(connection())).toMatchObject({ tone: 'online', text: 'Online as testadmin' });
    expect(connectionStatus(connection({ user: null, credentialSource: 'none' }))).toMatchObject({
      tone: 'online',
      text: 'Online, not signed in',
    });
    const offline = connection({ online: false, problem: 'The catalog at 127.0.0.1 could not be reached.' });
    expect(connectionStatus(offline)).toEqual({
      tone: 'offline',
      text: 'Offline',
      detail: 'The catalog at 127.0.0.1 could not be reached.',
    });
    const signIn = connection({ problem: 'The catalog asks you to sign in again; your drafts are kept.' });
    expect(connectionStatus(signIn)).toMatchObject({ tone: 'sign-in', text: 'Sign in again' });
    expect(connectionStatus(null).tone).toBe('none');
  });

  it('explains a sign-in that did not take', () => {
    const anonymous = connection({ user: null, credentialSource: 'none', problem: 'sign in again' });
    expect(signInAdvice(anonymous, 'file')).toContain('No deriva-py credential for 127.0.0.1 was found');
    expect(signInAdvice(connection({ credentialSource: 'credential-file', problem: 'x' }), 'file')).toContain(
      "deriva-py's credential file was refused",
    );
    expect(signInAdvice(connection(), 'login')).toBeNull();
  });
});

describe('the sign-in form', () => {
  const form = (change: Partial<SignInForm>): SignInForm => ({
    url: URL_1,
    method: 'file',
    token: '',
    username: '',
    password: '',
    ...change,
  });

  it('builds the connect request of each way to sign in, never with an empty secret field', () => {
    expect(connectRequest(form({}))).toEqual({ request: { url: URL_1 } });
    expect(connectRequest(form({ method: 'token', token: ' abc ' }))).toEqual({
      request: { url: URL_1, token: 'abc' },
    });
    expect(connectRequest(form({ method: 'login', username: 'testadmin', password: 'pw' }))).toEqual({
      request: { url: URL_1, username: 'testadmin', password: 'pw' },
    });
  });

  it('says what is missing', () => {
    expect(connectRequest(form({ url: '' }))).toHaveProperty('missing');
    expect(connectRequest(form({ url: 'example.org' }))).toEqual({
      missing: '"example.org" is not a catalog address; it looks like https://example.org/ermrest/catalog/1.',
    });
    expect(connectRequest(form({ method: 'token' }))).toEqual({
      missing: 'Paste a token, or choose another way to sign in.',
    });
    expect(connectRequest(form({ method: 'login' }))).toHaveProperty('missing');
  });
});

describe('version picking', () => {
  const dataset = listing(['0.9.0', '0.10.0', '1.0.0'], ['2T0-0000-0000', null, encodeSnaptime(0)]);

  it('defaults to the current (last) version and keeps a chosen one while it exists', () => {
    expect(currentVersion(dataset)?.version).toBe('1.0.0');
    expect(pickVersion(dataset, null)?.version).toBe('1.0.0');
    expect(pickVersion(dataset, '0.9.0')?.version).toBe('0.9.0');
    expect(pickVersion(dataset, '7.0.0')?.version).toBe('1.0.0');
    expect(pickVersion(listing([]), null)).toBeNull();
  });

  it('lists versions newest first and marks the current one', () => {
    expect(versionsNewestFirst(dataset).map((info) => versionOptionText(info, dataset))).toEqual([
      '1.0.0 (current)',
      '0.10.0',
      '0.9.0',
    ]);
  });

  it('shows the snapshot a version downloads, with its time', () => {
    const when = Date.UTC(2026, 0, 5, 9, 10, 0);
    const snaptime = encodeSnaptime(BigInt(when) * 1000n);
    expect(snaptimeDate(snaptime)?.getTime()).toBe(when);
    expect(snapshotText({ version: '1', snapshot: snaptime, rid: 'V' })).toBe(
      `Snapshot ${snaptime} · 2026-01-05 09:10 UTC`,
    );
    expect(snapshotText({ version: '1', snapshot: null, rid: 'V' })).toBe(
      'No snapshot yet: the live catalog',
    );
    expect(snapshotText(null)).toBe('No version: nothing to download yet.');
    expect(snaptimeDate('not base32!')).toBeNull();
  });

  it('counts members, largest first', () => {
    expect(membersText({ Image: 12, Subject: 3, Empty: 0 })).toBe('12 Image · 3 Subject');
    expect(membersText({})).toBe('no direct members');
  });
});

describe('download progress', () => {
  it('names the stage and counts tables, then bytes', () => {
    expect(downloadStage(undefined)).toBe('planning');
    expect(downloadStage(progress('rows', 0, 5))).toBe('planning');
    expect(downloadStage(progress('tables', 2, 5))).toBe('tables');
    expect(downloadStage(progress('assets', 0, 100))).toBe('files');
    expect(downloadProgressView(progress('plan', 0, 1))).toMatchObject({ fraction: null, count: null });
    expect(downloadProgressView(progress('tables', 3, 12))).toEqual({
      text: 'Writing the tables',
      count: '3 / 12 tables',
      fraction: 0.25,
    });
    expect(downloadProgressView(progress('assets', 1_200_000, 4_000_000))).toEqual({
      text: 'Fetching the files',
      count: '1.2 MB / 4.0 MB',
      fraction: 0.3,
    });
    expect(downloadProgressView(progress('assets', 0, 0)).fraction).toBeNull();
    expect(
      downloadProgressView({
        ...progress('assets', 3_000_000, 4_000_000),
        detail: '351 reused, 9 fetched, 0.2 MB',
      }).text,
    ).toBe('Bringing the files: 351 reused, 9 fetched, 0.2 MB');
  });
});

describe('commit progress and result', () => {
  it('walks the steps, the feature rows filling their step', () => {
    expect(commitProgressView(undefined)).toMatchObject({ step: 0, fraction: 0 });
    const workflow = commitProgressView({ task: 'commit', phase: 'workflow', done: 0, total: 1 });
    expect(workflow).toMatchObject({ step: 1, text: 'Step 1 of 7: Finding or creating the workflow' });
    const features = commitProgressView({ task: 'commit', phase: 'features', done: 250, total: 500 });
    expect(features.step).toBe(6);
    expect(features.count).toBe('250 / 500 rows');
    // Five of seven steps done and half of the sixth: (5 + 250/500) / 7.
    expect(COMMIT_STEPS).toHaveLength(7);
    expect(features.fraction).toBe(5.5 / 7);
    // The step's opening event (0 of 1) is not a row count.
    expect(commitProgressView({ task: 'commit', phase: 'features', done: 0, total: 1 }).count).toBeNull();
  });

  it('lists rows per table, feature tables first', () => {
    expect(
      insertedRows({
        'deriva-ml:Execution': ['E'],
        'lab:Execution_Image_Label': ['A', 'B'],
        'deriva-ml:Dataset_Execution': ['X'],
      }),
    ).toEqual([
      { table: 'lab:Execution_Image_Label', rows: 2 },
      { table: 'deriva-ml:Dataset_Execution', rows: 1 },
      { table: 'deriva-ml:Execution', rows: 1 },
    ]);
  });

  it('tells what happens to the drafts after each kind of failure', () => {
    expect(commitErrorAdvice('auth-required')).toBe('Your drafts are kept; sign in and commit again.');
    expect(commitErrorAdvice('network')).toBe(
      'You seem to be offline. Your drafts are kept; commit again when the catalog can be reached.',
    );
    expect(commitErrorAdvice('timeout')).toBe(commitErrorAdvice('network'));
    expect(commitErrorAdvice('schema-drift')).toBe(
      'Nothing was sent. Change or clear those drafts, then commit again.',
    );
    expect(commitErrorAdvice('nothing-to-commit')).toBeNull();
    expect(draftsText(1)).toBe('1 draft');
    expect(draftsText(1200)).toBe('1,200 drafts');
  });
});

describe('a version shown as it was', () => {
  const training: DatasetListing = {
    rid: '1-A004',
    description: 'Training images (today)',
    types: ['Training'],
    members: { Image: 210 },
    children: [],
    versions: [
      {
        version: '1.0.0',
        snapshot: '2TA-0000-0000',
        rid: 'V0',
        atSnapshot: {
          description: 'Training images',
          types: ['Training'],
          members: { Image: 200 },
          children: [],
        },
      },
      { version: '1.1.0', snapshot: '2TA-0000-0002', rid: 'V1', atSnapshot: null },
      { version: '1.1.0.post1.dev1', snapshot: null, rid: 'V2', atSnapshot: null },
    ],
  };

  it('shows the counts, description and types read at the version snapshot', () => {
    const state = stateAtVersion(training, pickVersion(training, '1.0.0'));
    expect(state).toEqual({
      description: 'Training images',
      types: ['Training'],
      members: { Image: 200 },
      children: [],
      asOf: 'snapshot',
    });
    expect(membersText(state.members)).toBe('200 Image');
  });

  it('shows nothing for a snapshot before the dataset existed, and the live catalog for a dev version', () => {
    expect(stateAtVersion(training, pickVersion(training, '1.1.0'))).toMatchObject({
      members: {},
      types: [],
      asOf: 'snapshot',
    });
    expect(stateAtVersion(training, pickVersion(training, '1.1.0.post1.dev1'))).toMatchObject({
      members: { Image: 210 },
      description: 'Training images (today)',
      asOf: 'live',
    });
  });
});
