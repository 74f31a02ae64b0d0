import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { createApi, type Api } from '../../main/core/api/index.js';
import { openBag } from '../../main/core/bag/index.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { seedCatalogFromBag } from '../support/catalog-seed.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { buildMiniBag } from '../support/mini-bag.js';

const scratch = temporaryDirectory();
let api: Api;
let standIn: StandIn;
let url: string;

async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = (await api.handle(channel, request)) as ApiResult<C>;
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
}

beforeAll(async () => {
  const source = await openBag(buildMiniBag(path.join(scratch.dir, 'source'), { images: 6 }), {
    workspace: path.join(scratch.dir, 'seed-ws'),
  });
  standIn = await startStandIn({ seed: (server) => void seedCatalogFromBag(server, source, '1') });
  source.close();
  url = `${standIn.origin}/ermrest/catalog/1`;
  api = createApi({
    workspace: path.join(scratch.dir, 'workspace'),
    homeDir: path.join(scratch.dir, 'home'),
  });
});
afterAll(async () => {
  await api.close();
  await standIn.close();
  scratch.cleanup();
});

describe('the catalog channels', () => {
  it('connects with a login and lists datasets; secrets never come back', async () => {
    const connection = await call('catalog:connect', { url, username: 'testadmin', password: 'testadmin' });
    expect(connection).toEqual({
      url,
      origin: standIn.origin,
      catalog: '1',
      user: 'testadmin',
      online: true,
      credentialSource: 'login',
      problem: null,
    });
    expect(JSON.stringify(await call('catalog:state', {}))).not.toContain('webauthn=');
    const datasets = await call('catalog:datasets', { url });
    expect(datasets.map((dataset) => dataset.rid).sort()).toEqual(['D1', 'D1-T']);
  });

  it('downloads a bag, labels it and commits the labels as an execution', async () => {
    const download = await call('catalog:download', { url, rid: 'D1', holey: true });
    expect(download).toMatchObject({ rid: 'D1', materialized: false });
    const opened = await call('bag:open', { path: download.path });
    expect(opened.report.datasets.find((dataset) => dataset.rid === 'D1-T')!.members.Image).toBe(3);
    await call('labels:set', {
      bagId: opened.bagId,
      feature: 'Image/Label',
      targets: ['I0', 'I3'],
      values: { Label: 'Bird' },
    });
    const committed = await call('catalog:commit', { bagId: opened.bagId, url });
    expect(committed.inserted['lab:Execution_Image_Label']).toHaveLength(2);
    expect((await call('catalog:commit', { bagId: opened.bagId, url })).alreadyCommitted).toBe(true);
  });

  it('a 401 keeps the drafts and asks to sign in again', async () => {
    const anonymous = await call('catalog:connect', { url: `${url}/` });
    expect(anonymous.credentialSource).toBe('none');
    const bag = buildMiniBag(path.join(scratch.dir, 'other'), { images: 4, rid: 'D1' });
    const opened = await call('bag:open', { path: bag });
    await call('labels:set', {
      bagId: opened.bagId,
      feature: 'Image/Label',
      targets: ['I1'],
      values: { Label: 'Cat' },
    });
    const result = await api.handle('catalog:commit', { bagId: opened.bagId, url });
    expect(result.ok === false && result.error.kind).toBe('auth-required');
    const state = await call('catalog:state', {});
    expect(state.connections[0]!.problem).toBe(
      'The catalog asks you to sign in again; your drafts are kept.',
    );
    expect(await call('labels:drafts', { bagId: opened.bagId, feature: 'Image/Label' })).toHaveLength(1);
  });

  it('refuses a URL that is not a catalog and a connection it does not have', async () => {
    expect((await api.handle('catalog:connect', { url: 'ftp://example.org/x' })).ok).toBe(false);
    const result = await api.handle('catalog:datasets', { url: 'https://example.org/ermrest/catalog/9' });
    expect(result.ok === false && result.error.kind).toBe('not-found');
  });
});
