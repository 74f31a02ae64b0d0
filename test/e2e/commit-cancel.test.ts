/**
 * The commit dialog's Cancel in Chromium, against the stand-in serving the sample world: `satchel
 * serve` opens the world's bag, 600 drafts are committed, the user cancels while the second feature's
 * rows are on their way, the dialog says nothing is lost, and "Commit again" finishes the same
 * execution with one of each row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import type { StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import {
  catalogUrl,
  clientAs,
  historyOf,
  imagesAt100,
  rowsOf,
  startWorldStandIn,
} from '../support/commit-world.js';
import {
  e2eSkipReason,
  openSession,
  saveScreenshot,
  startupBag,
  suiteName,
  UI_TIMEOUT_MS,
  type Session,
} from './support.js';

const bags = generatedBags();
const domain = bags.facts.schemas.domain;
const DIGIT = `${domain}:Execution_Image_Digit`;
const QUALITY = `${domain}:Execution_Image_Quality`;
const images = imagesAt100(bags.facts);

describe.skipIf(e2eSkipReason() !== null)(suiteName('cancelling a commit in Chromium'), () => {
  let standIn: StandIn;
  let session: Session;
  let url: string;

  beforeAll(async () => {
    standIn = await startWorldStandIn();
    url = catalogUrl(standIn);
    session = await openSession({ bag: bags.formatB });
  }, 120_000);
  afterAll(async () => {
    await session?.close();
    await standIn?.close();
  });

  async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    const result = (await session.page.evaluate(
      async ({ channel, request }) => {
        const response = await fetch(`/api/${channel}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request),
        });
        return (await response.json()) as unknown;
      },
      { channel, request },
    )) as ApiResult<C>;
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
    return result.value;
  }

  it('stops the commit on Cancel, keeps it resumable, and finishes it on "Commit again"', async () => {
    const { page } = session;
    await call('catalog:connect', { url, username: 'testadmin', password: 'testadmin' });
    const { bagId } = await startupBag(session);
    await call('labels:set', { bagId, feature: 'Image/Digit', targets: images, values: { Digit: '2' } });
    await call('labels:set', {
      bagId,
      feature: 'Image/Quality',
      targets: images,
      values: { Image_Quality: 'Good', Stroke_Width: 'Bold' },
    });
    // The page reads main's connections when it starts: load it again to show the one just made.
    await page.reload();
    await page.getByTestId('commit-button').click();
    await page.locator(`[data-testid="commit-summary"][data-total="${images.length * 2}"]`).waitFor();

    const held = standIn.hold({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${QUALITY}?`,
      at: 'answer',
    });
    await page.getByTestId('commit-start').click();
    const request = await held;
    const cancel = page.getByTestId('commit-cancel');
    expect(await cancel.textContent()).toBe('Cancel commit');
    await saveScreenshot(page, 'commit-cancel-running');
    await cancel.click();
    request.cut();
    const error = page.getByTestId('commit-error');
    await error.waitFor({ timeout: UI_TIMEOUT_MS });
    expect(await error.textContent()).toContain(
      'The commit was cancelled; nothing is lost, and committing again finishes it.',
    );
    expect(await page.getByTestId('commit-start').textContent()).toBe('Commit again');
    await saveScreenshot(page, 'commit-cancelled');

    const admin = clientAs(standIn, 'testadmin');
    const [cancelled] = await rowsOf(admin, 'deriva-ml:Execution', [
      'Description',
      'Labels made offline with Satchel by testadmin',
    ]);
    expect(cancelled).toMatchObject({ Status: 'Failed' });

    await page.getByTestId('commit-start').click();
    const result = page.getByTestId('commit-result');
    await result.waitFor({ timeout: UI_TIMEOUT_MS });
    const executionRid = await result.getAttribute('data-execution-rid');
    expect(executionRid).toBe(cancelled!.RID);
    expect([
      (await rowsOf(admin, DIGIT, ['Execution', executionRid!])).length,
      (await rowsOf(admin, QUALITY, ['Execution', executionRid!])).length,
    ]).toEqual([images.length, images.length]);
    expect(historyOf(standIn, 'deriva-ml:Execution', executionRid!, 'Status')).toEqual([
      'Created',
      'Running',
      'Stopped',
      'Pending_Upload',
      'Failed',
      'Pending_Upload',
      'Uploaded',
    ]);
    expect(session.pageErrors).toEqual([]);
  }, 120_000);
});
