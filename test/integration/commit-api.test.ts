// The app's commit channels (catalog:commit, catalog:commitCancel) against the stand-in serving the
// sample world: the author is the catalog identity the connection signed in as, and a Cancel during
// the feature rows stops the commit, marks the execution Failed, and leaves it to finish next time.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { createApi, type Api } from '../../main/core/api/index.js';
import type { StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import {
  catalogUrl,
  clientAs,
  featureBatches,
  historyOf,
  imagesAt100,
  repeatedAcknowledged,
  rowsOf,
  startWorldStandIn,
} from '../support/commit-world.js';
import { temporaryDirectory } from '../support/fixtures.js';

const bags = generatedBags();
const facts = bags.facts;
const domain = facts.schemas.domain;
const DIGIT = `${domain}:Execution_Image_Digit`;
const QUALITY = `${domain}:Execution_Image_Quality`;
const images = imagesAt100(facts);
const scratch = temporaryDirectory('satchel-commit-api-');
let api: Api;
let standIn: StandIn;
let url: string;

async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = (await api.handle(channel, request)) as ApiResult<C>;
  if (!result.ok) throw new Error(`${result.error.kind}: ${result.error.message}`);
  return result.value;
}

beforeAll(async () => {
  standIn = await startWorldStandIn();
  url = catalogUrl(standIn);
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

describe('committing from the app', () => {
  it('a Cancel during the feature rows stops the commit and keeps it resumable; committing again leaves one of each row, by the signed-in identity', async () => {
    const admin = clientAs(standIn, 'testadmin');
    expect(
      await call('catalog:connect', { url, username: 'testadmin', password: 'testadmin' }),
    ).toMatchObject({
      user: 'testadmin',
    });
    const { bagId } = await call('bag:open', { path: bags.formatB });
    await call('labels:set', { bagId, feature: 'Image/Digit', targets: images, values: { Digit: '8' } });
    await call('labels:set', {
      bagId,
      feature: 'Image/Quality',
      targets: images,
      values: { Image_Quality: 'Good', Stroke_Width: 'Thin' },
    });
    expect(await call('catalog:commitCancel', { bagId, url })).toEqual({ cancelled: false });

    // The Digit rows are answered; the Quality rows reach the catalog, their answer held while the user cancels.
    const start = standIn.requests.length;
    const quality = standIn.hold({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${QUALITY}?`,
      at: 'answer',
    });
    const committing = api.handle('catalog:commit', { bagId, url });
    const held = await quality;
    expect(await call('catalog:commitCancel', { bagId, url })).toEqual({ cancelled: true });
    held.cut();
    const cancelled = await committing;
    expect(cancelled).toEqual({
      ok: false,
      error: {
        kind: 'cancelled',
        message: 'The commit was cancelled; nothing is lost, and committing again finishes it.',
      },
    });
    const [execution] = await rowsOf(admin, 'deriva-ml:Execution', [
      'Description',
      'Labels made offline with Satchel by testadmin',
    ]);
    expect(execution).toMatchObject({
      Status: 'Failed',
      Status_Detail: `Cancelled in Satchel after ${images.length} of ${images.length * 2} feature values were sent; committing again from Satchel sends the rest.`,
      RCB: 'testadmin',
    });
    expect(await call('catalog:commitCancel', { bagId, url })).toEqual({ cancelled: false });

    const committed = await call('catalog:commit', { bagId, url });
    expect(committed.executionRid).toBe(execution!.RID);
    expect([committed.inserted[DIGIT]?.length, committed.inserted[QUALITY]?.length]).toEqual([
      images.length,
      images.length,
    ]);
    const count = async (table: string) =>
      (await rowsOf(admin, table, ['Execution', committed.executionRid])).length;
    expect([await count(DIGIT), await count(QUALITY)]).toEqual([images.length, images.length]);
    // The Digit batch went once; the Quality batch went again only because its answer never came.
    expect(
      featureBatches(standIn.requests.slice(start), domain).map((batch) => [
        batch.table,
        batch.rids.length,
        batch.request.delivered,
      ]),
    ).toEqual([
      ['Execution_Image_Digit', images.length, true],
      ['Execution_Image_Quality', images.length, false],
      ['Execution_Image_Quality', images.length, true],
    ]);
    expect(repeatedAcknowledged(standIn.requests)).toEqual([]);
    expect(historyOf(standIn, 'deriva-ml:Execution', committed.executionRid, 'Status')).toEqual([
      'Created',
      'Running',
      'Stopped',
      'Pending_Upload',
      'Failed',
      'Pending_Upload',
      'Uploaded',
    ]);
    expect((await call('catalog:commit', { bagId, url })).alreadyCommitted).toBe(true);
  });
});
