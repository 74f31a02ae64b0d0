/**
 * The commit dialog says exactly what a commit sends, in Chromium against the stand-in serving the
 * sample world (`satchel serve` opens the world's bag): the preview's count per feature equals the
 * feature rows the stand-in then receives (read from its request log), first for new drafts, then for
 * relabels (changed, changed back to the committed value, undone) beside drafts left alone; committed
 * drafts carry a mark and a filter; an interrupted commit is named before and after it is finished.
 * Committing to a second catalog that does not hold the bag's dataset is explained as a mismatch and
 * nothing is sent; a token the catalog refuses leaves the working sign-in in place. axe-core checks the
 * commit view. Screens are kept as test-artifacts/screenshots/commit-preview-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, startServeProcess, type ServeProcess } from '../../bench/browser.js';
import { openBag } from '../../main/core/bag/index.js';
import { buildWorld } from '../../main/core/sample/index.js';
import type { ApiResult, Channel, OpenedBag, RequestOf, ResponseOf } from '../../shared/contract.js';
import { seedWorld, startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { seedCatalogFromBag } from '../support/catalog-seed.js';
import { catalogUrl, clientAs, featureBatches, imagesAt100, rowsOf } from '../support/commit-world.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { buildMiniBag } from '../support/mini-bag.js';
import { seriousViolations } from './axe.js';
import { e2eSkipReason, eventually, saveScreenshot, suiteName, UI_TIMEOUT_MS, VIEWPORT } from './support.js';

const bags = generatedBags();
const facts = bags.facts;
const domain = facts.schemas.domain;
const DIGIT = `${domain}:Execution_Image_Digit`;
const QUALITY = `${domain}:Execution_Image_Quality`;
const images = imagesAt100(facts);
/** A token the world's stand-in knows, for testuser; any other token is unknown to it. */
const GOOD_TOKEN = 'token-of-testuser';
/** The commit view: a modal dialog over the bag view, which has its own axe check. */
const COMMIT_VIEW = '[data-testid="commit-dialog"]';

/** Feature rows per table in the stand-in's request log from `start` on: what a commit sent. */
function sentRows(standIn: StandIn, start: number): Record<string, number> {
  const sent: Record<string, number> = {};
  for (const batch of featureBatches(standIn.requests.slice(start), domain))
    sent[batch.table] = (sent[batch.table] ?? 0) + batch.rids.length;
  return sent;
}

describe.skipIf(e2eSkipReason() !== null)(suiteName('commit preview, origin and sign-in in Chromium'), () => {
  const scratch = temporaryDirectory('satchel-e2e-commit-preview-');
  let world: StandIn;
  let other: StandIn;
  let server: ServeProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let url: string;
  let otherUrl: string;
  let bag: OpenedBag;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const built = await buildWorld();
    world = await startStandIn({
      seed: (standIn) => seedWorld(standIn, { world: built }).then(() => undefined),
      tokens: { [GOOD_TOKEN]: 'testuser' },
    });
    url = catalogUrl(world);
    // Another catalog: a deriva-ml catalog of its own, holding another dataset.
    const mini = await openBag(buildMiniBag(path.join(scratch.dir, 'mini'), { images: 4 }), {
      workspace: path.join(scratch.dir, 'mini-workspace'),
    });
    try {
      other = await startStandIn({ seed: (standIn) => void seedCatalogFromBag(standIn, mini, '1') });
    } finally {
      mini.close();
    }
    otherUrl = catalogUrl(other);
    const home = path.join(scratch.dir, 'home');
    fs.mkdirSync(home, { recursive: true });
    server = await startServeProcess({ workspace: path.join(scratch.dir, 'workspace'), bag: bags.formatB });
    browser = await launchChromium();
    // axe-core is injected as a script, which the app's CSP refuses; the CSP has tests of its own.
    const context = await browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    const reply = await page.request.get(`${server.origin}/api/startup`);
    bag = ((await reply.json()) as { bag: OpenedBag }).bag;
    await call('catalog:connect', { url, username: 'testadmin', password: 'testadmin' });
    // The page reads main's connections when it starts: load it again to show the one just made.
    await page.reload();
    await page.getByTestId('commit-button').waitFor();
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await world?.close();
    await other?.close();
    scratch.cleanup();
  });

  /** A call through the page's own signed-in origin, as the renderer makes it. */
  async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    const result = (await callResult(channel, request)) as ApiResult<C>;
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
    return result.value;
  }

  function callResult<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ApiResult<C>> {
    return page.evaluate(
      async ({ channel, request }) => {
        const response = await fetch(`/api/${channel}`, {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request),
        });
        return (await response.json()) as ApiResult<C>;
      },
      { channel, request },
    );
  }

  const label = (feature: string, targets: string[], values: Record<string, string>) =>
    call('labels:set', { bagId: bag.bagId, feature, targets, values });
  const text = (testId: string) => page.getByTestId(testId).textContent();
  const featureRow = (key: string) => page.getByTestId(`commit-feature-${key}`);
  const counts = async (key: string) => {
    const row = featureRow(key);
    return [Number(await row.getAttribute('data-pending')), Number(await row.getAttribute('data-committed'))];
  };
  /** The drafts list as shown: [feature, target, state] per row. */
  const listed = () =>
    page
      .getByTestId('commit-drafts')
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [
          row.getAttribute('data-feature'),
          row.dataset.testid,
          row.getAttribute('data-state'),
        ]),
      );

  /** Clicks a filter of the drafts list (its radio is hidden behind the label, as in every segmented control). */
  const chooseFilter = (filter: 'pending' | 'committed' | 'all') =>
    page.getByTestId(`commit-drafts-filter-${filter}`).locator('..').click();

  async function openDialog(pending: number): Promise<void> {
    await page.getByTestId('commit-button').click();
    await page.getByTestId('commit-dialog').waitFor();
    await page.locator(`[data-testid="commit-summary"][data-total="${pending}"]`).waitFor();
  }

  async function closeDialog(): Promise<void> {
    await page.getByTestId('commit-close').click();
    await page.getByTestId('commit-dialog').waitFor({ state: 'detached' });
  }

  it('counts exactly the rows the catalog then receives, by feature, and marks them committed after', async () => {
    await label('Image/Digit', images.slice(0, 12), { Digit: '3' });
    await label('Image/Quality', images.slice(0, 5), { Image_Quality: 'Good', Stroke_Width: 'Bold' });
    await openDialog(17);
    expect(await counts('Image/Digit')).toEqual([12, 0]);
    expect(await counts('Image/Quality')).toEqual([5, 0]);
    expect(await text('commit-summary-sentence')).toBe(
      '17 feature rows in all, one per pending draft, into a new execution.',
    );
    // Where the bag came from, read from the bag, and why this other address is the bag's catalog.
    expect(await text('commit-origin')).toBe(
      'This bag came from www.example.org (fetch.txt). It does not say which catalog there.',
    );
    const host = new URL(world.origin).host;
    await page.getByTestId('commit-mirror').waitFor();
    expect(await text('commit-mirror')).toBe(
      `${host} catalog 1 holds the same dataset ${facts.rid} at version 1.0.0 as www.example.org, where the bag came from, so the labels can go there.`,
    );
    const pendingRows = await listed();
    expect(pendingRows).toHaveLength(17);
    expect(pendingRows.every(([, , state]) => state === 'pending')).toBe(true);
    expect(await page.getByTestId('commit-start').getAttribute('title')).toBe(
      `Commit 17 feature rows to ${url}`,
    );
    await saveScreenshot(page, 'commit-preview-before');
    expect(await seriousViolations(page, COMMIT_VIEW)).toEqual([]);

    const start = world.requests.length;
    await page.getByTestId('commit-start').click();
    const result = page.getByTestId('commit-result');
    await result.waitFor();
    const executionRid = (await result.getAttribute('data-execution-rid'))!;
    expect(sentRows(world, start)).toEqual({ Execution_Image_Digit: 12, Execution_Image_Quality: 5 });
    const admin = clientAs(world, 'testadmin');
    expect([
      (await rowsOf(admin, DIGIT, ['Execution', executionRid])).length,
      (await rowsOf(admin, QUALITY, ['Execution', executionRid])).length,
    ]).toEqual([12, 5]);
    expect(await result.getAttribute('data-earlier')).toBe('none');

    // After the commit every draft is shown with its mark, and the pending filter says nothing is left.
    await eventually(async () => (await listed()).filter(([, , state]) => state === 'committed').length).toBe(
      17,
    );
    expect(await page.getByTestId('commit-drafts-filter-committed').isChecked()).toBe(false);
    expect(await page.getByTestId('commit-drafts-filter-all').isChecked()).toBe(true);
    await saveScreenshot(page, 'commit-preview-committed');
    expect(await seriousViolations(page, COMMIT_VIEW)).toEqual([]);
    await chooseFilter('pending');
    await page.getByTestId('commit-drafts-empty').waitFor();
    expect(await text('commit-drafts-empty')).toBe('Nothing pending: all 17 drafts are in this catalog.');
    await closeDialog();
  }, 120_000);

  it('counts relabels, back to an earlier value included, and never a draft left alone', async () => {
    await label('Image/Digit', images.slice(0, 3), { Digit: '4' });
    await label('Image/Digit', images.slice(3, 5), { Digit: '5' });
    await label('Image/Digit', images.slice(3, 5), { Digit: '3' });
    await label('Image/Quality', images.slice(0, 1), { Image_Quality: 'Good', Stroke_Width: 'Thin' });
    await call('labels:undo', { bagId: bag.bagId, feature: 'Image/Quality' });
    // Three changed, two changed back to the committed 3, one changed and undone: six rows.
    await openDialog(6);
    expect(await counts('Image/Digit')).toEqual([5, 7]);
    expect(await counts('Image/Quality')).toEqual([1, 4]);
    expect(await text('commit-summary-sentence')).toBe(
      '6 feature rows in all, one per pending draft, into a new execution. 11 drafts committed to this catalog before and unchanged since are not sent again; a draft changed since, even back to an earlier value, is.',
    );
    expect((await listed()).sort()).toEqual(
      [
        ...images.slice(0, 5).map((rid) => ['Image/Digit', `commit-draft-${rid}`, 'pending']),
        ['Image/Quality', `commit-draft-${images[0]}`, 'pending'],
      ].sort(),
    );
    await chooseFilter('committed');
    await eventually(async () => (await listed()).length).toBe(11);
    expect((await listed()).every(([, , state]) => state === 'committed')).toBe(true);
    await saveScreenshot(page, 'commit-preview-relabels');

    const start = world.requests.length;
    await page.getByTestId('commit-start').click();
    await page.getByTestId('commit-result').waitFor();
    expect(sentRows(world, start)).toEqual({ Execution_Image_Digit: 5, Execution_Image_Quality: 1 });
    expect(await page.getByTestId('commit-result').textContent()).toContain('6 feature rows sent');
    await closeDialog();
  }, 120_000);

  it('names an interrupted commit before finishing it, and what became of it after', async () => {
    const later = images.slice(20, 30);
    await label('Image/Digit', later, { Digit: '7' });
    await openDialog(10);
    // The rows never reach the catalog: the request is stopped before the server acts, then cut.
    const held = world.hold({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${DIGIT}?`,
      at: 'request',
    });
    await page.getByTestId('commit-start').click();
    const request = await held;
    await page.getByTestId('commit-cancel').click();
    request.cut();
    await page.getByTestId('commit-error').waitFor();
    await label('Image/Digit', later.slice(0, 1), { Digit: '8' });
    // The dialog reads the journal again: the interrupted commit, and still ten rows to send.
    await page.getByTestId('commit-dialog').getByRole('button', { name: 'Close', exact: true }).click();
    await page.getByTestId('commit-dialog').waitFor({ state: 'detached' });
    await openDialog(10);
    await page.getByTestId('commit-unfinished').waitFor();
    const [execution] = await rowsOf(clientAs(world, 'testadmin'), 'deriva-ml:Execution', [
      'Status',
      'Failed',
    ]);
    expect(await text('commit-unfinished')).toBe(
      `An earlier commit to this catalog stopped before it finished (execution ${execution!.RID}); committing finishes it first, with the drafts as they are now.`,
    );
    expect(await text('commit-summary-sentence')).toBe(
      `10 feature rows in all, one per pending draft, into execution ${execution!.RID}, whose interrupted commit is finished first. 17 drafts committed to this catalog before and unchanged since are not sent again; a draft changed since, even back to an earlier value, is.`,
    );
    await saveScreenshot(page, 'commit-preview-unfinished');

    const start = world.requests.length;
    await page.getByTestId('commit-start').click();
    const result = page.getByTestId('commit-result');
    await result.waitFor();
    expect(sentRows(world, start)).toEqual({ Execution_Image_Digit: 10 });
    expect(await result.getAttribute('data-earlier')).toBe('resumed');
    expect(await result.getAttribute('data-execution-rid')).toBe(execution!.RID);
    const notes = page.getByTestId('commit-notes');
    expect(await notes.locator('.commit-notes-title').textContent()).toBe(
      `An interrupted commit (execution ${execution!.RID}) was finished: 1 sent with a newer value, 0 left out as cleared, 0 already in the catalog.`,
    );
    expect(await notes.locator('li').allTextContents()).toEqual([
      `Finished the interrupted commit of Execution ${execution!.RID} as it was saved.`,
      `1 label(s) changed before they were sent went with their current value: ${later[0]} (Digit).`,
    ]);
    const [sent] = await rowsOf(
      clientAs(world, 'testadmin'),
      DIGIT,
      ['Image', later[0]!],
      ['Execution', execution!.RID as string],
    );
    expect(sent!.Digit).toBe('8');
    await saveScreenshot(page, 'commit-preview-notes');
    await closeDialog();
  }, 120_000);

  it('explains another catalog as a mismatch naming both, sends nothing, and offers the bag’s own', async () => {
    await label('Image/Digit', images.slice(40, 42), { Digit: '1' });
    await call('catalog:connect', { url: otherUrl, username: 'testadmin', password: 'testadmin' });
    await page.reload();
    await openDialog(2);
    await page.getByTestId('commit-catalog').selectOption(otherUrl);
    const mismatch = page.getByTestId('commit-mismatch');
    await mismatch.waitFor();
    const sentence = `This bag is dataset ${facts.rid} at version 1.0.0 from www.example.org, but ${new URL(other.origin).host} catalog 1 has no dataset ${facts.rid}: it is not the catalog the bag came from.`;
    expect(await mismatch.locator('.catalog-error-message').textContent()).toBe(sentence);
    const advice = await mismatch.locator('.catalog-error-advice').textContent();
    expect(advice).toBe('Your drafts are kept. Choose the catalog this bag came from, then commit again.');
    expect(await mismatch.textContent()).not.toMatch(/changed since|clear|drift/i);
    expect(await text('commit-summary-sentence')).toBe(
      'Nothing is sent to this catalog: it is not the one the bag came from.',
    );
    expect(await page.getByTestId('commit-start').isDisabled()).toBe(true);
    expect(await page.getByTestId('commit-start').getAttribute('title')).toBe(
      'This catalog is not the one the bag came from.',
    );
    await saveScreenshot(page, 'commit-preview-mismatch');
    expect(await seriousViolations(page, COMMIT_VIEW)).toEqual([]);

    // The address of the bag's own server is offered, to be completed with the catalog's number.
    await page.getByTestId('commit-connect-origin').click();
    expect(await page.getByTestId('commit-dialog').getByTestId('catalog-url').inputValue()).toBe(
      'https://www.example.org/ermrest/catalog/',
    );
    await page.getByTestId('commit-origin-hint').waitFor();
    await saveScreenshot(page, 'commit-preview-origin-address');
    await page.getByTestId('connect-form').getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByTestId('commit-mismatch').waitFor();

    // Main refuses it too, before any write, and the drafts stay.
    const start = other.requests.length;
    const refused = await callResult('catalog:commit', { bagId: bag.bagId, url: otherUrl });
    expect(refused).toEqual({
      ok: false,
      error: { kind: 'catalog-mismatch', message: `${sentence.replace(/\.$/, '')}, so nothing was sent.` },
    });
    expect(other.requests.slice(start).filter((request) => request.method !== 'GET')).toEqual([]);
    expect(
      (
        await call('labels:drafts', {
          bagId: bag.bagId,
          feature: 'Image/Digit',
          targets: images.slice(40, 42),
        })
      ).length,
    ).toBe(2);
    await page.locator('.commit-footer').getByRole('button', { name: 'Cancel', exact: true }).click();
    await page.getByTestId('commit-dialog').waitFor({ state: 'detached' });
  }, 120_000);

  it('keeps the working sign-in when a new token is refused, and names the token', async () => {
    await page.getByRole('button', { name: '← Library' }).click();
    await page.getByTestId('catalog-panel').waitFor();
    await page.getByTestId('catalog-choice').selectOption(url);
    await eventually(() => text('catalog-status')).toBe('Online as testadmin');
    await page.getByTestId(`catalog-dataset-${facts.datasets.complete}`).waitFor();

    await page.getByTestId('catalog-change-sign-in-open').click();
    const form = page.getByTestId('catalog-change-sign-in');
    expect(await form.getByTestId('catalog-auth-token').isChecked()).toBe(true);
    await form.getByTestId('catalog-token').fill('not-a-token-this-catalog-knows');
    await form.getByTestId('catalog-connect').click();
    await form.getByTestId('connect-error').waitFor();
    const host = new URL(world.origin).host;
    expect(await form.getByTestId('connect-error').textContent()).toBe(
      `${host} did not accept the new token, so you are still signed in as testadmin (with a user name and password).`,
    );
    expect(await text('catalog-status')).toBe('Online as testadmin');
    await page.mouse.move(0, 0);
    await saveScreenshot(page, 'commit-preview-token-refused');
    const state = await call('catalog:state', {});
    expect(state.connections.find((connection) => connection.url === url)).toMatchObject({
      user: 'testadmin',
      credentialSource: 'login',
      problem: null,
      online: true,
    });
    // The kept session still works: the catalog lists its datasets to it.
    expect((await call('catalog:datasets', { url })).map((dataset) => dataset.rid)).toContain(
      facts.datasets.complete,
    );

    // A token the catalog knows does sign in, as that user.
    await form.getByTestId('catalog-token').fill(`Bearer ${GOOD_TOKEN}`);
    await form.getByTestId('catalog-connect').click();
    await eventually(() => text('catalog-status')).toBe('Online as testuser');
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
