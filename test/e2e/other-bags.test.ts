/**
 * A first-time user on a fresh workspace: the library invites them to the sample bag (the sample world
 * at 1.0.0); then the generated legacy Format A bag and the holey bag (files only in fetch.txt), opened
 * by typing their paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedBags } from '../support/bags.js';
import {
  e2eSkipReason,
  eventually,
  headerFact,
  openSession,
  saveScreenshot,
  settledVisibleTiles,
  suiteName,
  type Session,
} from './support.js';

describe.skipIf(e2eSkipReason() !== null)(
  suiteName('the library, the sample bag, Format A and holey bags'),
  () => {
    const bags = generatedBags();
    const { facts } = bags;
    const released = facts.images.filter((image) => image.release === '1.0.0');
    const releasedRids = new Set(released.map((image) => image.rid));
    const testingCount = released.filter((image) => image.split === 'Testing').length;
    const membersLine = (count: number) => new RegExp(`^${count} Image members?`);
    let session: Session;

    beforeAll(async () => {
      session = await openSession();
    });

    afterAll(async () => {
      await session?.close();
    });

    const page = () => session.page;
    const fact = (label: string) => headerFact(page(), label);
    const gridStatus = () => page().getByTestId('grid-status').textContent();

    async function backToLibrary(): Promise<void> {
      await page().getByRole('button', { name: '← Library' }).click();
      await page().getByTestId('library').waitFor();
    }

    async function openByPath(bagPath: string): Promise<void> {
      await page().getByTestId('path-input').fill(bagPath);
      await page().getByTestId('open-path').click();
      await page().getByTestId('bag-header').waitFor();
    }

    it('greets a first-time user with the sample bag and opens it: the sample world at 1.0.0', async () => {
      const library = page().getByTestId('library');
      await library.waitFor();
      expect(await page().getByTestId('recent-bag').count()).toBe(0);
      expect(await library.textContent()).toContain('New to Satchel? Start with the sample bag');
      await saveScreenshot(page(), 'library-first-time');

      await page().getByTestId('open-sample').click();
      // Building the sample (300 MNIST digits rendered to images) and importing it: the slowest step here.
      await page().getByTestId('bag-header').waitFor({ timeout: 45_000 });
      await eventually(() => page().getByTestId('bag-rid').textContent()).toBe(facts.rid);
      expect(await fact('Version')).toBe('1.0.0');
      expect(await fact('Snapshot')).toBe(facts.snaptimes['1.0.0']);
      expect(await fact('Format')).toBe('B');
      expect(await fact('Files')).toBe('materialized');
      await eventually(gridStatus).toMatch(membersLine(released.length));
      const tiles = await settledVisibleTiles(page());
      expect(tiles.length).toBeGreaterThan(0);
      for (const tile of tiles) {
        expect(tile.state, `tile ${tile.rid}`).toBe('loaded');
        expect(tile.naturalWidth, `tile ${tile.rid}`).toBeGreaterThan(0);
        // The same images, under the same names, as the generated bag.
        expect(releasedRids.has(tile.rid!), `tile ${tile.rid}`).toBe(true);
        expect(tile.filename, `tile ${tile.rid}`).toBe(
          released.find((image) => image.rid === tile.rid)!.filename,
        );
      }
      await saveScreenshot(page(), 'sample-bag');
    });

    it('lists the sample among recent bags and opens the legacy Format A bag by its path', async () => {
      await backToLibrary();
      await eventually(() => page().getByTestId('recent-bag').count()).toBe(1);
      await openByPath(bags.formatA);
      await eventually(() => page().getByTestId('bag-rid').textContent()).toBe(facts.rid);
      expect(await fact('Format')).toBe('A');
      await eventually(gridStatus).toMatch(membersLine(released.length));
      await page().getByTestId(`dataset-node-${facts.datasets.testing}`).click();
      await eventually(gridStatus).toMatch(membersLine(testingCount));
      const tiles = await settledVisibleTiles(page());
      for (const tile of tiles) {
        expect(tile.state, `tile ${tile.rid}`).toBe('loaded');
        expect(tile.naturalWidth, `tile ${tile.rid}`).toBeGreaterThan(0);
        expect(facts.images.find((image) => image.rid === tile.rid)?.split, `tile ${tile.rid}`).toBe(
          'Testing',
        );
      }
      await saveScreenshot(page(), 'legacy-bag');
    });

    it('shows the missing-file state for every tile of the holey bag, and the viewer says why', async () => {
      await backToLibrary();
      await eventually(() => page().getByTestId('recent-bag').count()).toBe(2);
      await openByPath(bags.holey);
      await eventually(() => page().getByTestId('bag-rid').textContent()).toBe(facts.rid);
      expect(await fact('Files')).toBe('not materialized');
      await eventually(gridStatus).toMatch(membersLine(released.length));
      const tiles = await settledVisibleTiles(page());
      expect(tiles.length).toBeGreaterThanOrEqual(10);
      for (const tile of tiles) expect(tile.state, `tile ${tile.rid}`).toBe('failed');
      const first = page().getByTestId(`tile-${tiles[0]!.rid}`);
      expect(await first.locator('.thumb-placeholder').textContent()).toBe(`${tiles[0]!.rid}: no thumbnail`);
      await saveScreenshot(page(), 'holey-bag');

      await first.click();
      await page().keyboard.press('Enter');
      const missing = page().getByTestId('missing-file');
      await missing.waitFor();
      // Where deriva-ml's Format B puts an asset: data/asset/<RID>/<table>/<file name>.
      const { rid, filename } = released.find((image) => image.rid === tiles[0]!.rid)!;
      expect(await missing.textContent()).toContain(
        `data/asset/${rid}/Image/${filename} is listed in fetch.txt but has not been fetched.`,
      );
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
