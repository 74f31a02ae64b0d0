/**
 * A first-time user on a fresh workspace: the library invites them to the sample bag; then the legacy
 * Format A bag and the holey bag (files only in fetch.txt) opened by typing their paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBags } from '../support/fixtures.js';
import {
  e2eSkipReason,
  eventually,
  openSession,
  saveScreenshot,
  settledVisibleTiles,
  suiteName,
  type Session,
} from './support.js';

describe.skipIf(e2eSkipReason() !== null)(
  suiteName('the library, the sample bag, Format A and holey bags'),
  () => {
    let session: Session;

    beforeAll(async () => {
      session = await openSession();
    });

    afterAll(async () => {
      await session?.close();
    });

    const page = () => session.page;
    const fact = (label: string) =>
      page()
        .getByTestId('bag-header')
        .locator('.fact', { has: page().getByText(label, { exact: true }) })
        .locator('dd')
        .textContent();

    async function backToLibrary(): Promise<void> {
      await page().getByRole('button', { name: '← Library' }).click();
      await page().getByTestId('library').waitFor();
    }

    async function openByPath(bagPath: string): Promise<void> {
      await page().getByTestId('path-input').fill(bagPath);
      await page().getByTestId('open-path').click();
      await page().getByTestId('bag-header').waitFor();
    }

    it('greets a first-time user with the sample bag and opens it', async () => {
      const library = page().getByTestId('library');
      await library.waitFor();
      expect(await page().getByTestId('recent-bag').count()).toBe(0);
      expect(await library.textContent()).toContain('New to Satchel? Start with the sample bag');
      await saveScreenshot(page(), 'library-first-time');

      await page().getByTestId('open-sample').click();
      // Building the sample (MNIST digits rendered to PNG) and importing it: the slowest step of the suite.
      await page().getByTestId('bag-header').waitFor({ timeout: 45_000 });
      await eventually(() => page().getByTestId('grid-status').textContent()).toMatch(
        /^[1-9][\d,]* \w+ members?/,
      );
      const tiles = await settledVisibleTiles(page());
      expect(tiles.length).toBeGreaterThan(0);
      expect(tiles.every((tile) => tile.state === 'loaded' && tile.naturalWidth > 0)).toBe(true);
      await saveScreenshot(page(), 'sample-bag');
    });

    it('lists the sample among recent bags and opens the legacy Format A bag by its path', async () => {
      await backToLibrary();
      await eventually(() => page().getByTestId('recent-bag').count()).toBe(1);
      await openByPath(fixtureBags.formatA);
      await eventually(() => page().getByTestId('bag-rid').textContent()).toBe('58A');
      expect(await fact('Format')).toBe('A');
      await eventually(() => page().getByTestId('grid-status').textContent()).toMatch(/^300 Image members/);
      await page().getByTestId('dataset-node-58E').click();
      await eventually(() => page().getByTestId('grid-status').textContent()).toMatch(/^100 Image members/);
      const tiles = await settledVisibleTiles(page());
      expect(tiles.every((tile) => tile.state === 'loaded' && tile.naturalWidth > 0)).toBe(true);
      await saveScreenshot(page(), 'legacy-bag');
    });

    it('shows the missing-file state for every tile of the holey bag, and the viewer says why', async () => {
      await backToLibrary();
      await eventually(() => page().getByTestId('recent-bag').count()).toBe(2);
      await openByPath(fixtureBags.holey);
      expect(await fact('Files')).toBe('not materialized');
      await eventually(() => page().getByTestId('grid-status').textContent()).toMatch(/^300 Image members/);
      const tiles = await settledVisibleTiles(page());
      expect(tiles.length).toBeGreaterThanOrEqual(10);
      for (const tile of tiles) expect(tile.state, `tile ${tile.rid}`).toBe('failed');
      const first = page().getByTestId(`tile-${tiles[0]!.rid}`);
      expect(await first.locator('.thumb-placeholder').textContent()).toBe(`${tiles[0]!.rid}: no thumbnail`);
      await saveScreenshot(page(), 'holey-bag');

      await first.click();
      await page().keyboard.press('Enter');
      await page().getByTestId('missing-file').waitFor();
      await saveScreenshot(page(), 'holey-viewer');
      await page().keyboard.press('Escape');
      await page().getByTestId('viewer').waitFor({ state: 'detached' });
    });

    it('never threw in the page and showed no error banner', async () => {
      expect(session.pageErrors).toEqual([]);
      expect(await page().getByTestId('error-banner').count()).toBe(0);
    });
  },
);
