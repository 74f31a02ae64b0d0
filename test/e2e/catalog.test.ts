/**
 * Online round trip in browser mode against the stand-in Deriva server: the page is opened with
 * `&catalog=<url>` (as `npm run demo` prints it), auto-connects without a credential and asks to sign
 * in; the annotator signs in with a user name and password, sees the datasets, downloads D1 (the
 * stages and the bar), opens it, labels two images, and commits them from the bag header — first
 * hitting a 401 (the sign-in form appears in the dialog and the drafts are kept), then for real. The
 * rows are checked in the catalog. Each screen is kept as test-artifacts/screenshots/catalog-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import {
  CHROMIUM_PATH,
  chromiumAvailable,
  launchChromium,
  startServeProcess,
  type ServeProcess,
} from '../../bench/browser.js';
import { openBag } from '../../main/core/bag/index.js';
import { CatalogClient, eq } from '../../main/core/catalog/index.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { seedCatalogFromBag } from '../support/catalog-seed.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { buildMiniBag } from '../support/mini-bag.js';
import { eventually, saveScreenshot, UI_TIMEOUT_MS, VIEWPORT } from './support.js';

const skipReason = chromiumAvailable() ? null : `no Chromium at ${CHROMIUM_PATH}`;
const FEATURE = 'Image/Label';
const LABELED = ['I0', 'I2'];
const WORKFLOW = 'E2E annotation round';
const DESCRIPTION = 'Two birds labeled in the catalog e2e test';

/** `satchel serve` reads the deriva-py credential file and writes the deriva-ml cache under HOME: a scratch one. */
async function withHome<T>(home: string, start: () => Promise<T>): Promise<T> {
  const previous = process.env.HOME;
  process.env.HOME = home;
  try {
    return await start();
  } finally {
    if (previous === undefined) delete process.env.HOME;
    else process.env.HOME = previous;
  }
}

describe.skipIf(skipReason !== null)(
  skipReason ? `catalog round trip in Chromium (skipped: ${skipReason})` : 'catalog round trip in Chromium',
  () => {
    const scratch = temporaryDirectory('satchel-e2e-catalog-');
    let standIn: StandIn | undefined;
    let server: ServeProcess | undefined;
    let browser: Browser | undefined;
    let page: Page;
    let catalogUrl: string;
    let downloadedPath: string;
    let executionRid: string;
    const pageErrors: string[] = [];

    beforeAll(async () => {
      const source = await openBag(buildMiniBag(path.join(scratch.dir, 'source'), { images: 12 }), {
        workspace: path.join(scratch.dir, 'seed-workspace'),
      });
      try {
        standIn = await startStandIn({ seed: (stand) => void seedCatalogFromBag(stand, source, '1') });
      } finally {
        source.close();
      }
      catalogUrl = `${standIn.origin}/ermrest/catalog/1`;
      const home = path.join(scratch.dir, 'home');
      fs.mkdirSync(home, { recursive: true });
      server = await withHome(home, () =>
        startServeProcess({ workspace: path.join(scratch.dir, 'workspace') }),
      );
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: VIEWPORT });
      context.setDefaultTimeout(UI_TIMEOUT_MS);
      page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      await page.goto(`${server.url}&catalog=${encodeURIComponent(catalogUrl)}`);
      // `satchel serve` answers the token URL with a redirect to a bare `/` (main/serve/server.ts), which
      // drops `catalog=`; the session cookie is set by then, so the page is opened again with it.
      if (new URL(page.url()).searchParams.get('catalog') !== catalogUrl)
        await page.goto(`${server.origin}/?catalog=${encodeURIComponent(catalogUrl)}`);
    });

    afterAll(async () => {
      await browser?.close().catch(() => undefined);
      await server?.stop();
      await standIn?.close();
      scratch.cleanup();
    });

    /** A call through the page's own signed-in origin, as the renderer makes it. */
    async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
      const result = await page.evaluate(
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
      );
      const typed = result as ApiResult<C>;
      if (!typed.ok) throw new Error(`${channel}: ${typed.error.message}`);
      return typed.value;
    }

    const text = (testId: string) => page.getByTestId(testId).textContent();
    /** Lets a progress bar's width transition (120 ms) finish, so the screenshot shows where it is. */
    const settleBars = () => page.waitForTimeout(300);

    it('connects to the catalog named in the page address and asks to sign in', async () => {
      const panel = page.getByTestId('catalog-panel');
      await panel.waitFor();
      await eventually(() => text('catalog-status')).toBe('Sign in again');
      expect(await page.getByTestId('catalog-url').inputValue()).toBe(catalogUrl);
      expect(await page.getByTestId('catalog-sign-in-needed').textContent()).toContain('sign in');
      await page.getByTestId('catalog-auth-login').check();
      await page.getByTestId('catalog-username').fill('testadmin');
      await saveScreenshot(page, 'catalog-sign-in');
    });

    it('signs in with a user name and password and lists the datasets', async () => {
      // A wrong password: main's sentence under the form, and still "Sign in again".
      await page.getByTestId('catalog-password').fill('not-the-password');
      await page.getByTestId('catalog-connect').click();
      await page.getByTestId('connect-error').waitFor();
      expect(await text('connect-error')).toContain('did not accept the user name or password for testadmin');
      expect(await text('catalog-status')).toBe('Sign in again');
      await page.getByTestId('catalog-password').fill('testadmin');
      await page.getByTestId('catalog-connect').click();
      await eventually(() => text('catalog-status')).toBe('Online as testadmin');
      const d1 = page.getByTestId('catalog-dataset-D1');
      await d1.waitFor();
      await page.getByTestId('catalog-dataset-D1-T').waitFor();
      expect(await d1.textContent()).toContain('Complete');
      expect(await d1.textContent()).toContain('6 Image');
      // The picker defaults to the current (highest) version; 0.9.0 has a snapshot of its own.
      const picker = page.getByTestId('version-D1');
      expect(await picker.inputValue()).toBe('0.10.0');
      expect(await text('snapshot-D1')).toBe('No snapshot yet: the live catalog');
      await picker.selectOption('0.9.0');
      expect(await text('snapshot-D1')).toMatch(/^Snapshot 2T0-0000-0000 · \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      await picker.selectOption('0.10.0');
      await page.mouse.move(0, 0);
      await saveScreenshot(page, 'catalog-datasets');
    });

    it('cancels a download while its files arrive', async () => {
      standIn!.failNext({ method: 'GET', pathPrefix: '/hatrac/', delayMs: 5000 });
      await page.getByTestId('download-D1-T').click();
      await page.locator('[data-testid="download-progress"][data-stage="files"]').waitFor();
      await page.getByTestId('download-cancel').click();
      await page.getByTestId('download-cancelled').waitFor();
      expect(await page.getByTestId('download-D1').isEnabled()).toBe(true);
      await page.getByTestId('download-cancelled').getByRole('button', { name: 'Dismiss' }).click();
    });

    it('downloads D1 through its stages, then opens it', async () => {
      // Hold the first file for a moment so the files stage is on screen.
      standIn!.failNext({ method: 'GET', pathPrefix: '/hatrac/', delayMs: 1500 });
      await page.getByTestId('download-D1').click();
      const progress = page.getByTestId('download-progress');
      await page.locator('[data-testid="download-progress"][data-stage="files"]').waitFor();
      expect(await progress.getByRole('progressbar').getAttribute('aria-label')).toBe(
        'Downloading D1 v0.10.0',
      );
      expect(await page.getByTestId('download-D1').isDisabled()).toBe(true);
      await page.getByTestId('download-cancel').waitFor();
      await settleBars();
      await saveScreenshot(page, 'catalog-download-progress');
      await page.getByTestId('download-done').waitFor();
      expect(await text('download-done')).toContain('12 files');
      downloadedPath = (await text('download-path'))!;
      expect(fs.existsSync(path.join(downloadedPath, 'bagit.txt'))).toBe(true);
      expect(downloadedPath.startsWith(path.join(scratch.dir, 'home'))).toBe(true);
      await saveScreenshot(page, 'catalog-downloaded');
      await page.getByTestId('download-open').click();
      await eventually(() => text('bag-rid')).toBe('D1');
      await eventually(() => page.getByTestId('header-catalog-status').getAttribute('data-tone')).toBe(
        'online',
      );
    });

    it('commits two labels from the bag header, signing in again after a 401', async () => {
      const { bagId } = await call('bag:open', { path: downloadedPath });
      await call('labels:set', { bagId, feature: FEATURE, targets: LABELED, values: { Label: 'Bird' } });

      await page.getByTestId('commit-button').click();
      const dialog = page.getByTestId('commit-dialog');
      await dialog.waitFor();
      await page.locator('[data-testid="commit-summary"][data-total="2"]').waitFor();
      expect(await page.getByTestId(`commit-feature-${FEATURE}`).textContent()).toContain('2');
      expect(await text('commit-catalog')).toBe(catalogUrl);
      await page.getByTestId('commit-workflow').fill(WORKFLOW);
      await page.getByTestId('commit-description').fill(DESCRIPTION);
      await saveScreenshot(page, 'catalog-commit-dialog');

      // The session expired: the catalog answers 401. Nothing is lost; the dialog asks to sign in.
      await page.route(
        '**/api/catalog:commit',
        (route) =>
          route.fulfill({
            json: {
              ok: false,
              error: {
                kind: 'auth-required',
                message: `The catalog at ${standIn!.origin} asks you to sign in (401) for POST /ermrest/catalog/1/entity/deriva-ml:Workflow.`,
              },
            },
          }),
        { times: 1 },
      );
      await page.getByTestId('commit-start').click();
      await page.getByTestId('commit-sign-in').waitFor();
      expect(await text('commit-drafts-kept')).toBe('Your drafts are kept; sign in and commit again.');
      expect(await text('commit-sign-in-reason')).toContain('asks you to sign in (401)');
      expect(await page.getByTestId('commit-start').isDisabled()).toBe(true);
      expect((await call('labels:drafts', { bagId, feature: FEATURE })).map((draft) => draft.target)).toEqual(
        LABELED,
      );
      const signIn = page.getByTestId('commit-sign-in');
      await signIn.getByTestId('catalog-username').fill('testadmin');
      await signIn.getByTestId('catalog-password').fill('testadmin');
      await saveScreenshot(page, 'catalog-commit-sign-in');
      await signIn.getByTestId('catalog-connect').click();
      await page.getByTestId('commit-sign-in').waitFor({ state: 'detached' });
      await page.unroute('**/api/catalog:commit');

      // Hold the feature rows for a moment so the steps are on screen.
      standIn!.failNext({ method: 'POST', pathPrefix: '/ermrest/catalog/1/entity/lab', delayMs: 1500 });
      await page.getByTestId('commit-start').click();
      // Step 8 of 9: the feature values (after the execution is marked Stopped, then Pending_Upload).
      await page.locator('[data-testid="commit-progress"][data-step="8"]').waitFor();
      await settleBars();
      await saveScreenshot(page, 'catalog-commit-progress');
      const result = page.getByTestId('commit-result');
      await result.waitFor();
      executionRid = (await result.getAttribute('data-execution-rid'))!;
      expect(executionRid).toMatch(/^[A-Z0-9-]+$/);
      expect(await text('commit-execution-rid')).toBe(executionRid);
      expect(await result.getAttribute('data-already-committed')).toBe('false');
      expect(await page.getByTestId('commit-rows-lab:Execution_Image_Label').textContent()).toContain('2');
      const link = page.getByTestId('commit-chaise-link');
      expect(await link.getAttribute('href')).toBe(
        `${standIn!.origin}/chaise/record/#1/deriva-ml:Execution/RID=${executionRid}`,
      );
      expect(await link.getAttribute('target')).toBe('_blank');
      expect(await link.getAttribute('rel')).toBe('noreferrer');
      await saveScreenshot(page, 'catalog-commit-result');
    });

    it('put the rows in the catalog, under the named workflow and description', async () => {
      const client = new CatalogClient(catalogUrl, {
        credential: { kind: 'cookie', value: standIn!.login('testadmin') },
      });
      const rows = await client.entities({
        table: { schema: 'lab', table: 'Execution_Image_Label' },
        path: [eq('Execution', executionRid)],
      });
      expect(rows.map((row) => [row.Image, row.Label]).sort()).toEqual([
        ['I0', 'Bird'],
        ['I2', 'Bird'],
      ]);
      const [execution] = await client.entities({
        table: { schema: 'deriva-ml', table: 'Execution' },
        path: [eq('RID', executionRid)],
      });
      expect(execution).toMatchObject({ Description: DESCRIPTION, Status: 'Completed' });
      const [workflow] = await client.entities({
        table: { schema: 'deriva-ml', table: 'Workflow' },
        path: [eq('RID', String(execution!.Workflow))],
      });
      expect(workflow!.Name).toBe(WORKFLOW);
    });

    it('has nothing to send for drafts already committed, and marks them so', async () => {
      await page.getByTestId('commit-close').click();
      await page.getByTestId('commit-dialog').waitFor({ state: 'detached' });
      await page.getByTestId('commit-button').click();
      await page.locator('[data-testid="commit-summary"][data-total="0"][data-committed="2"]').waitFor();
      const start = page.getByTestId('commit-start');
      expect(await start.isDisabled()).toBe(true);
      expect(await start.getAttribute('title')).toBe(
        'Nothing to send: every draft is in this catalog already.',
      );
      expect(await text('commit-drafts-empty')).toBe('Nothing pending: all 2 drafts are in this catalog.');
      await saveScreenshot(page, 'catalog-commit-already');
      await page.getByTestId('commit-dialog').getByRole('button', { name: 'Close', exact: true }).click();
      // Main, asked anyway, sends nothing and names the execution that has them.
      const { bagId } = await call('bag:open', { path: downloadedPath });
      const again = await call('catalog:commit', { bagId, url: catalogUrl });
      expect(again).toMatchObject({ alreadyCommitted: true, executionRid });
    });

    it('shows the catalog offline when it cannot be reached, and online again after a retry', async () => {
      await page.getByRole('button', { name: '← Library' }).click();
      await page.getByTestId('catalog-panel').waitFor();
      // Every attempt (the client retries network failures with backoff) has its connection cut.
      standIn!.failNext({ pathPrefix: '/ermrest/catalog/1', dropConnection: true, times: 50 });
      await page.getByTestId('catalog-refresh').click();
      await expect.poll(() => text('catalog-status'), { timeout: 30_000 }).toBe('Offline');
      await page.getByTestId('catalog-offline').waitFor();
      await page.mouse.move(0, 0);
      await saveScreenshot(page, 'catalog-offline');
      standIn!.clearFailures();
      await page.getByTestId('catalog-offline').getByRole('button', { name: 'Try again' }).click();
      await eventually(() => text('catalog-status')).toBe('Online as testadmin');
      await page.getByTestId('catalog-dataset-D1').waitFor();
      expect(pageErrors).toEqual([]);
    });
  },
);
