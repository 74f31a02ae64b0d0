/**
 * A researcher's walk through the real BCCD Format B bag in browser mode: the bag named on
 * `satchel serve BAG` opens by itself; datasets, the thumbnail grid, the viewer, the table browser with
 * foreign-key navigation, Verify and the shortcut overlay, each kept as a screenshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomElement, DomImage } from '../../bench/page-dom.js';
import type { MembersPage, OpenedBag } from '../../shared/contract.js';
import { expectedFacts, fixtureBags } from '../support/fixtures.js';
import {
  e2eSkipReason,
  eventually,
  openSession,
  saveScreenshot,
  SCREENSHOT_DIR,
  settledVisibleTiles,
  suiteName,
  visibleTiles,
  type Session,
} from './support.js';

const IMAGE_TABLE = 'hematology:Image';
/** The README picture: small enough for the repository (≤ 300 KB). */
const README_WIDTH = 1100;

describe.skipIf(e2eSkipReason() !== null)(suiteName('browsing the BCCD Format B bag in Chromium'), () => {
  let session: Session;
  let bagId: string;

  beforeAll(async () => {
    session = await openSession({ bag: fixtureBags.formatB });
  });

  afterAll(async () => {
    await session?.close();
  });

  const page = () => session.page;
  const gridStatus = () => page().getByTestId('grid-status');

  it('opens the bag given on the command line', async () => {
    await eventually(() => page().getByTestId('bag-rid').textContent()).toBe('58A');
    expect(await fact('Format')).toBe('B');
    expect(await fact('Files')).toBe('materialized');
    const startup = (await (await page().request.get(`${session.server.origin}/api/startup`)).json()) as {
      bag: OpenedBag;
    };
    bagId = startup.bag.bagId;
    expect(startup.bag.report.rid).toBe('58A');
    // The Complete dataset, nested datasets included, with real thumbnails on screen.
    await eventually(() => gridStatus().textContent()).toMatch(/^300 Image members/);
    const tiles = await settledVisibleTiles(page());
    expect(tiles.length).toBeGreaterThanOrEqual(10);
    for (const tile of tiles) {
      expect(tile.state, `tile ${tile.rid}`).toBe('loaded');
      expect(tile.naturalWidth, `tile ${tile.rid}`).toBeGreaterThan(0);
    }
    const file = await saveScreenshot(page(), 'bag-grid');
    await writeReadmePicture(file);
  });

  it('collapses and expands the dataset tree and shows member counts', async () => {
    const tree = page().getByTestId('dataset-tree');
    const complete = page().getByTestId('dataset-node-58A');
    const training = page().getByTestId('dataset-node-58C');
    const testing = page().getByTestId('dataset-node-58E');
    await complete.locator('.twisty').click();
    await training.waitFor({ state: 'detached' });
    expect(await complete.getAttribute('aria-expanded')).toBe('false');
    await complete.locator('.twisty').click();
    await training.waitFor();
    expect(await complete.getAttribute('aria-expanded')).toBe('true');
    expect(await training.textContent()).toContain('Image 200');
    expect(await testing.textContent()).toContain('Image 100');
    expect(await complete.textContent()).toContain('no direct members');
    expect(await tree.getByRole('treeitem').count()).toBe(3);
  });

  it('selects Training, then Complete with and without nested datasets', async () => {
    await page().getByTestId('dataset-node-58C').click();
    await eventually(() => gridStatus().textContent()).toMatch(/^200 Image members/);
    expect(await page().getByTestId('dataset-node-58C').getAttribute('aria-selected')).toBe('true');
    await settledVisibleTiles(page());
    await saveScreenshot(page(), 'bag-training');

    await page().getByTestId('dataset-node-58A').click();
    await eventually(() => gridStatus().textContent()).toMatch(/^300 Image members/);
    const recurse = page().getByTestId('recurse-toggle');
    expect(await recurse.isChecked()).toBe(true);
    await recurse.uncheck();
    await page().getByTestId('grid-empty').waitFor();
    await eventually(() => gridStatus().textContent()).toMatch(/^0 Image members/);
    await recurse.check();
    await eventually(() => gridStatus().textContent()).toMatch(/^300 Image members/);
  });

  it('reaches all 300 members by scrolling, down to the last one with its thumbnail', async () => {
    const grid = page().getByTestId('grid');
    const expected = new Set(Object.values(expectedFacts().bccd.image_rid_by_filename));
    expect(expected.size).toBe(300);
    const seen = new Set<string>();
    for (let step = 0; step < 200; step++) {
      // Rows render synchronously on scroll; the members page they need may still be on its way.
      await eventually(() => grid.locator('.tile.pending').count()).toBe(0);
      for (const tile of await visibleTiles(page())) if (tile.rid) seen.add(tile.rid);
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
    expect([...seen].sort()).toEqual([...expected].sort());

    const lastRid = await memberAt(299);
    const lastTile = page().getByTestId(`tile-${lastRid}`);
    expect(await lastTile.getAttribute('id')).toBe('tile-at-299');
    await lastTile.locator('img[data-loaded="true"]').waitFor();
    expect(await lastTile.locator('img').evaluate((img: DomImage) => img.naturalWidth)).toBeGreaterThan(0);
    await settledVisibleTiles(page());
    await saveScreenshot(page(), 'grid-end');
  });

  it('serves each tile a WebP thumbnail of at most 256 pixels', async () => {
    const lastRid = await memberAt(299);
    const src = await page()
      .getByTestId(`tile-${lastRid}`)
      .locator('img')
      .evaluate((img: DomImage) => img.src);
    expect(src).toBe(
      `${session.server.origin}/thumb/${bagId}/${encodeURIComponent(IMAGE_TABLE)}/${encodeURIComponent(lastRid)}`,
    );
    const reply = await page().request.get(src);
    expect(reply.status()).toBe(200);
    expect(reply.headers()['content-type']).toBe('image/webp');
    const { format, width = 0, height = 0 } = await sharp(await reply.body()).metadata();
    expect(format).toBe('webp');
    // The fixture's photos are 640×480: the long side shrinks to exactly 256.
    expect(Math.max(width, height)).toBe(256);
    expect(Math.min(width, height)).toBeGreaterThan(0);
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
    expect(await image.evaluate((img: DomImage) => img.naturalWidth)).toBe(640);
    await page().getByTestId('feature-values').waitFor();
    const zoom = page().getByTestId('zoom-level');
    await eventually(() => zoom.textContent()).toMatch(/^\d+%$/);
    const fitted = await zoom.textContent();
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

  it('browses hematology:Image in the table view and follows the Subject foreign key', async () => {
    await page().getByTestId('tab-tables').click();
    await page().getByTestId('table-picker').waitFor();
    await page().getByTestId(`table-${IMAGE_TABLE}`).click();
    const status = page().getByTestId('table-status');
    const title = page().locator('.table-title h2');
    await eventually(() => title.textContent()).toBe(IMAGE_TABLE);
    await eventually(() => status.textContent()).toBe('300 rows');
    const firstRid = await memberAt(0);
    await page().getByTestId(`row-${firstRid}`).waitFor();
    await saveScreenshot(page(), 'table-image');

    const subjectLink = page().locator('[data-testid="fk-link"][title^="Show Subject "]').first();
    const subject = (await subjectLink.textContent())!;
    expect(subject).toMatch(/^[0-9A-Z-]+$/);
    await subjectLink.click();
    await eventually(() => title.textContent()).toBe('hematology:Subject');
    await page().getByTestId(`row-${subject}`).waitFor();
    await eventually(() => status.textContent()).toBe('1 row');
    expect(await page().getByTestId('table-filter').textContent()).toContain(`RID = ${subject}`);
    await saveScreenshot(page(), 'table-subject');

    await page().getByTestId('table-back').click();
    await eventually(() => title.textContent()).toBe(IMAGE_TABLE);
    await eventually(() => status.textContent()).toBe('300 rows');
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

  function fact(label: string): Promise<string | null> {
    return page()
      .getByTestId('bag-header')
      .locator('.fact', { has: page().getByText(label, { exact: true }) })
      .locator('dd')
      .textContent();
  }

  /** The RID of the member at `index` of 58A (nested included), as the API lists them. */
  async function memberAt(index: number): Promise<string> {
    const reply = await page().request.post(`${session.server.origin}/api/bag:members`, {
      data: { bagId, datasetRid: '58A', elementType: 'Image', recurse: true, offset: index, limit: 1 },
    });
    const result = (await reply.json()) as { ok: true; value: MembersPage };
    const rid = result.value.rows[0]?.RID;
    if (typeof rid !== 'string') throw new Error(`no member at ${index}`);
    return rid;
  }
});

/** The README picture, made from the bag screenshot: the grid of real BCCD photos, tree and header. */
async function writeReadmePicture(screenshot: string): Promise<void> {
  const target = path.join(SCREENSHOT_DIR, 'readme.png');
  await sharp(screenshot)
    .resize({ width: README_WIDTH })
    .png({ palette: true, quality: 90, compressionLevel: 9, effort: 10 })
    .toFile(target);
  expect(fs.statSync(target).size).toBeLessThanOrEqual(300 * 1024);
}
