/**
 * A researcher's walk through the generated Format B bag (the sample world at 1.0.0) in browser mode:
 * the bag named on `satchel serve BAG` opens by itself; datasets, the thumbnail grid down to its last
 * member, the viewer, the table browser with foreign-key navigation, Verify and the shortcut overlay,
 * each kept as a screenshot. Every expected value comes from the world's facts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomElement, DomImage } from '../../bench/page-dom.js';
import type { MembersPage } from '../../shared/contract.js';
import { generatedBags } from '../support/bags.js';
import {
  e2eSkipReason,
  eventually,
  headerFact,
  openSession,
  saveScreenshot,
  SCREENSHOT_DIR,
  settledVisibleTiles,
  startupBag,
  suiteName,
  visibleTiles,
  type Session,
} from './support.js';

/** The README picture: small enough for the repository (≤ 300 KB). */
const README_WIDTH = 1100;

describe.skipIf(e2eSkipReason() !== null)(
  suiteName('browsing the generated Format B bag in Chromium'),
  () => {
    const bags = generatedBags();
    const { facts } = bags;
    const { complete, training, testing } = facts.datasets;
    const imageTable = `${facts.schemas.domain}:Image`;
    const subjectTable = `${facts.schemas.domain}:Subject`;
    const released = facts.images.filter((image) => image.release === '1.0.0');
    const inSplit = (split: string) => released.filter((image) => image.split === split).length;
    const membersLine = (count: number) => new RegExp(`^${count} Image members?`);
    let session: Session;
    let bagId: string;

    beforeAll(async () => {
      session = await openSession({ bag: bags.formatB });
    });

    afterAll(async () => {
      await session?.close();
    });

    const page = () => session.page;
    const gridStatus = () => page().getByTestId('grid-status');
    const fact = (label: string) => headerFact(page(), label);

    it('opens the bag given on the command line', async () => {
      await eventually(() => page().getByTestId('bag-rid').textContent()).toBe(facts.rid);
      expect(await fact('Format')).toBe('B');
      expect(await fact('Files')).toBe('materialized');
      expect(await fact('Version')).toBe('1.0.0');
      expect(await fact('Snapshot')).toBe(facts.snaptimes['1.0.0']);
      const opened = await startupBag(session);
      bagId = opened.bagId;
      expect(opened.report.rid).toBe(facts.rid);
      // The Complete dataset, nested datasets included, with real thumbnails on screen.
      await eventually(() => gridStatus().textContent()).toMatch(membersLine(released.length));
      const tiles = await settledVisibleTiles(page());
      expect(tiles.length).toBeGreaterThanOrEqual(10);
      for (const tile of tiles) {
        expect(tile.state, `tile ${tile.rid}`).toBe('loaded');
        expect(tile.naturalWidth, `tile ${tile.rid}`).toBeGreaterThan(0);
      }
      await saveScreenshot(page(), 'bag-grid');
      await writeReadmePicture(page(), bags.formatB);
    });

    it('collapses and expands the dataset tree and shows member counts', async () => {
      const tree = page().getByTestId('dataset-tree');
      const completeNode = page().getByTestId(`dataset-node-${complete}`);
      const trainingNode = page().getByTestId(`dataset-node-${training}`);
      const testingNode = page().getByTestId(`dataset-node-${testing}`);
      await completeNode.locator('.twisty').click();
      await trainingNode.waitFor({ state: 'detached' });
      expect(await completeNode.getAttribute('aria-expanded')).toBe('false');
      await completeNode.locator('.twisty').click();
      await trainingNode.waitFor();
      expect(await completeNode.getAttribute('aria-expanded')).toBe('true');
      expect(await trainingNode.textContent()).toContain(`Image ${inSplit('Training')}`);
      expect(await testingNode.textContent()).toContain(`Image ${inSplit('Testing')}`);
      expect(await completeNode.textContent()).toContain('no direct members');
      expect(await tree.getByRole('treeitem').count()).toBe(3);
    });

    it('selects Training, then Complete with and without nested datasets', async () => {
      await page().getByTestId(`dataset-node-${training}`).click();
      await eventually(() => gridStatus().textContent()).toMatch(membersLine(inSplit('Training')));
      expect(await page().getByTestId(`dataset-node-${training}`).getAttribute('aria-selected')).toBe('true');
      await settledVisibleTiles(page());
      await saveScreenshot(page(), 'bag-training');

      await page().getByTestId(`dataset-node-${complete}`).click();
      await eventually(() => gridStatus().textContent()).toMatch(membersLine(released.length));
      const recurse = page().getByTestId('recurse-toggle');
      expect(await recurse.isChecked()).toBe(true);
      await recurse.uncheck();
      await page().getByTestId('grid-empty').waitFor();
      await eventually(() => gridStatus().textContent()).toMatch(membersLine(0));
      await recurse.check();
      await eventually(() => gridStatus().textContent()).toMatch(membersLine(released.length));
    });

    it('reaches every member by scrolling, each under its own file name, down to the last thumbnail', async () => {
      const grid = page().getByTestId('grid');
      const expected = Object.fromEntries(released.map((image) => [image.rid, image.filename]));
      const seen: Record<string, string | null> = {};
      for (let step = 0; step < 200; step++) {
        // Rows render synchronously on scroll; the members page they need may still be on its way.
        await eventually(() => grid.locator('.tile.pending').count()).toBe(0);
        for (const tile of await visibleTiles(page())) if (tile.rid) seen[tile.rid] = tile.filename;
        // Half a viewport per step, and two frames for react-window to draw the rows it scrolled to,
        // so a slow frame under load can never skip a row between two readings.
        const atEnd = await grid.evaluate(
          (element: DomElement) =>
            new Promise<boolean>((resolve) => {
              const end = element.scrollTop + element.clientHeight >= element.scrollHeight - 1;
              element.scrollTop += Math.max(1, Math.floor(element.clientHeight / 2));
              const view = element.ownerDocument.defaultView;
              if (!view) return resolve(end);
              view.requestAnimationFrame(() => view.requestAnimationFrame(() => resolve(end)));
            }),
        );
        if (atEnd) break;
      }
      // Every member once, and the tricky names (spaces, %, quotes, commas, non-ASCII) exactly as written.
      expect(seen).toEqual(expected);

      const lastIndex = released.length - 1;
      const lastRid = await memberAt(lastIndex);
      const lastTile = page().getByTestId(`tile-${lastRid}`);
      expect(await lastTile.getAttribute('id')).toBe(`tile-at-${lastIndex}`);
      await lastTile.locator('img[data-loaded="true"]').waitFor();
      expect(await lastTile.locator('img').evaluate((img: DomImage) => img.naturalWidth)).toBeGreaterThan(0);
      await settledVisibleTiles(page());
      await saveScreenshot(page(), 'grid-end');
    });

    it('serves each tile a WebP thumbnail, never larger than the original', async () => {
      const lastRid = await memberAt(released.length - 1);
      const src = await page()
        .getByTestId(`tile-${lastRid}`)
        .locator('img')
        .evaluate((img: DomImage) => img.src);
      expect(src).toBe(
        `${session.server.origin}/thumb/${bagId}/${encodeURIComponent(imageTable)}/${encodeURIComponent(lastRid)}`,
      );
      const reply = await page().request.get(src);
      expect(reply.status()).toBe(200);
      expect(reply.headers()['content-type']).toBe('image/webp');
      const { format, width, height } = await sharp(await reply.body()).metadata();
      expect(format).toBe('webp');
      // The world's digits are square and smaller than the 256-pixel thumbnail box: kept at their size.
      expect([width, height]).toEqual([facts.design.imageSize, facts.design.imageSize]);
    });

    it('opens a member in the viewer with Enter, zooms with + and 1, closes with Esc', async () => {
      const grid = page().getByTestId('grid');
      await grid.evaluate((element: DomElement) => (element.scrollTop = 0));
      const firstRid = await memberAt(0);
      const tile = page().getByTestId(`tile-${firstRid}`);
      await tile.click();
      expect(await tile.getAttribute('aria-selected')).toBe('true');
      await page().keyboard.press('Enter');

      const viewer = page().getByTestId('viewer');
      await viewer.waitFor();
      expect(await page().getByTestId('viewer-rid').textContent()).toBe(firstRid);
      await page().locator('[data-testid="viewer-image"][data-original="true"]').waitFor();
      const image = page().getByTestId('viewer-image');
      expect(await image.evaluate((img: DomImage) => img.naturalWidth)).toBe(facts.design.imageSize);
      // The Digit labels of this image, one row per execution that gave one.
      const digitRows = page()
        .getByTestId('feature-values')
        .locator('.feature-group', { has: page().getByRole('heading', { name: 'Digit', exact: true }) })
        .locator('tbody tr');
      await digitRows.first().waitFor();
      const shown = await digitRows.evaluateAll((rows: DomElement[]) =>
        rows.map((row) => [...row.querySelectorAll('td')].slice(0, 2).map((cell) => cell.textContent)),
      );
      const { A, B, model } = facts.digit;
      // Executions are named as people read them (from their descriptions), their RIDs in the titles.
      const labels: [string, string | undefined][] = [
        ['annotator A', A[firstRid]],
        ['annotator B', B[firstRid]],
        ['model', model[firstRid]?.digit],
      ];
      expect(shown.sort()).toEqual(labels.filter(([, digit]) => digit !== undefined).sort());
      const zoom = page().getByTestId('zoom-level');
      await eventually(() => zoom.textContent()).toMatch(/^\d+%$/);
      const fitted = (await zoom.textContent())!;
      // A small digit fitted to the stage is shown larger than its pixels, so 1 (actual size) changes it.
      expect(Number.parseInt(fitted, 10)).toBeGreaterThan(100);
      await saveScreenshot(page(), 'viewer');

      await page().keyboard.press('+');
      await eventually(() => zoom.textContent()).not.toBe(fitted);
      await page().keyboard.press('1');
      await eventually(() => zoom.textContent()).toBe('100%');
      await saveScreenshot(page(), 'viewer-actual-size');
      await page().keyboard.press('0');
      await eventually(() => zoom.textContent()).toBe(fitted);

      await page().keyboard.press('Escape');
      await viewer.waitFor({ state: 'detached' });
      expect(await tile.getAttribute('aria-selected')).toBe('true');
    });

    it('browses the image table in the table view and follows the Subject foreign key', async () => {
      await page().getByTestId('tab-tables').click();
      await page().getByTestId('table-picker').waitFor();
      await page().getByTestId(`table-${imageTable}`).click();
      const status = page().getByTestId('table-status');
      const title = page().locator('.table-title h2');
      await eventually(() => title.textContent()).toBe(imageTable);
      await eventually(() => status.textContent()).toBe(`${facts.tables['1.0.0'][imageTable]} rows`);
      const firstRid = await memberAt(0);
      const firstRow = page().getByTestId(`row-${firstRid}`);
      await firstRow.waitFor();
      await saveScreenshot(page(), 'table-image');

      const subject = facts.images.find((image) => image.rid === firstRid)!.subject;
      const subjectLink = firstRow.locator('[data-testid="fk-link"][title^="Show Subject "]');
      expect(await subjectLink.textContent()).toBe(subject);
      await subjectLink.click();
      await eventually(() => title.textContent()).toBe(subjectTable);
      await page().getByTestId(`row-${subject}`).waitFor();
      await eventually(() => status.textContent()).toBe('1 row');
      expect(await page().getByTestId('table-filter').textContent()).toContain(`RID = ${subject}`);
      await saveScreenshot(page(), 'table-subject');

      await page().getByTestId('table-back').click();
      await eventually(() => title.textContent()).toBe(imageTable);
      await eventually(() => status.textContent()).toBe(`${facts.tables['1.0.0'][imageTable]} rows`);
    });

    it('verifies the bag and reports it intact', async () => {
      await page().getByTestId('verify-button').click();
      const report = page().getByTestId('verify-report');
      await report.waitFor();
      expect(await report.getAttribute('data-ok')).toBe('true');
      expect(await report.textContent()).toContain('The bag is intact.');
      await saveScreenshot(page(), 'verify-ok');
    });

    it('toggles the shortcut overlay with ?', async () => {
      const overlay = page().getByTestId('shortcut-overlay');
      await page().keyboard.press('?');
      await overlay.waitFor();
      expect(await overlay.textContent()).toContain('Keyboard shortcuts');
      await saveScreenshot(page(), 'shortcuts');
      await page().keyboard.press('?');
      await overlay.waitFor({ state: 'detached' });
    });

    it('never threw in the page and showed no error banner', async () => {
      expect(session.pageErrors).toEqual([]);
      expect(await page().getByTestId('error-banner').count()).toBe(0);
    });

    /** The RID of the member at `index` of the Complete dataset (nested included), as the API lists them. */
    async function memberAt(index: number): Promise<string> {
      const reply = await page().request.post(`${session.server.origin}/api/bag:members`, {
        data: { bagId, datasetRid: complete, elementType: 'Image', recurse: true, offset: index, limit: 1 },
      });
      const result = (await reply.json()) as { ok: true; value: MembersPage };
      const rid = result.value.rows[0]?.RID;
      if (typeof rid !== 'string') throw new Error(`no member at ${index}`);
      return rid;
    }
  },
);

/**
 * The README picture: the grid of digits with its label badges, the dataset tree and the header. The
 * bag's folder is left out of it: it would name the machine the picture was taken on.
 */
async function writeReadmePicture(page: Page, bagFolder: string): Promise<void> {
  const folderPath = '[data-testid="bag-header"] .path';
  // The header's path line is the only place on screen that names the folder.
  const naming = await page
    .getByText(bagFolder)
    .evaluateAll(
      (elements: DomElement[], selector: string) => elements.map((element) => element.matches(selector)),
      folderPath,
    );
  expect(naming).toEqual([true]);
  const screenshot = await page.screenshot({ style: `${folderPath} { visibility: hidden; }` });
  const target = path.join(SCREENSHOT_DIR, 'readme.png');
  await sharp(screenshot)
    .resize({ width: README_WIDTH })
    .png({ palette: true, quality: 90, compressionLevel: 9, effort: 10 })
    .toFile(target);
  expect(fs.statSync(target).size).toBeLessThanOrEqual(300 * 1024);
}
