/**
 * Drawing regions in Chromium on the generated Format B bag, feature Image/Region (an asset-valued
 * feature: annotators A and B's labelme files): 3 boxes and 1 polygon drawn on one image by mouse and by
 * keyboard, terms assigned with the term keys, nudged, deleted, undone and redone, then the page
 * reloaded and the regions found again; the bag's files drawn per execution with a rater hidden; the
 * region agreement view of A and B; the regions of the previous image copied; every drawing committed
 * from the commit dialog to the stand-in serving the world, and the Hatrac objects and rows read back;
 * and, while browsing a copy of the bag whose region files of one image were replaced by a mask and a
 * report, both previewed. Screens are kept as test-artifacts/screenshots/regions-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import type { RegionPoint } from '../../shared/regions.js';
import type { StandIn } from '../stand-in/index.js';
import {
  assetRecord,
  assetUrl,
  featureRowsOf,
  md5Of,
  readHatracObject,
  REGION_FEATURE,
  REGION_FILE,
} from '../support/asset-commit.js';
import { generatedBags } from '../support/bags.js';
import { catalogUrl, clientAs, startWorldStandIn } from '../support/commit-world.js';
import { temporaryDirectory } from '../support/fixtures.js';
import {
  e2eSkipReason,
  eventually,
  openSession,
  saveScreenshot,
  startupBag,
  suiteName,
  type Session,
} from './support.js';

const FEATURE = 'Image/Region';

describe.skipIf(e2eSkipReason() !== null)(
  suiteName('drawing regions on the generated bag in Chromium'),
  () => {
    const bags = generatedBags();
    const { facts } = bags;
    const size = facts.design.imageSize;
    const members = facts.images.filter((image) => image.release === '1.0.0').length;
    const bothDrew = Object.keys(facts.regions.B);
    let session: Session;
    let standIn: StandIn;
    let bagId: string;
    /** The image drawn on: the first of the work queue "all". */
    let target: string;
    /** Every image with a drawing, for the commit. */
    const drawn = new Set<string>();
    /** The key of each term, as the region pane shows it. */
    const keyOf = new Map<string, string>();

    beforeAll(async () => {
      standIn = await startWorldStandIn();
      session = await openSession({ bag: bags.formatB });
    }, 120_000);
    afterAll(async () => {
      await session?.close();
      await standIn?.close();
    });

    const page = (): Page => session.page;
    const layer = () => page().getByTestId('region-layer');
    /** The image's own box on the screen, inside the layer (which covers the whole stage). */
    const imageBounds = () => page().getByTestId('region-image-bounds');
    const draftRegions = () => page().locator('[data-testid="draft-region"]');

    async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
      const reply = await page().request.post(`${session.server.origin}/api/${channel}`, { data: request });
      const result = (await reply.json()) as ApiResult<C>;
      if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
      return result.value;
    }

    const stored = async (rid = target) =>
      (await call('regions:draft', { bagId, feature: FEATURE, target: rid })).draft?.regions ?? [];

    /** Where an image pixel is on the screen now. */
    async function screenOf([x, y]: RegionPoint): Promise<{ x: number; y: number }> {
      const box = (await imageBounds().boundingBox())!;
      return { x: box.x + (x * box.width) / size, y: box.y + (y * box.height) / size };
    }

    async function cursor(): Promise<RegionPoint> {
      const mark = page().getByTestId('region-cursor');
      return [Number(await mark.getAttribute('data-x')), Number(await mark.getAttribute('data-y'))];
    }

    async function press(key: string, times = 1): Promise<void> {
      for (let count = 0; count < times; count++) await page().keyboard.press(key);
    }

    /** Points may differ from the intended ones by what a screen pixel is in image pixels. */
    function expectNear(actual: RegionPoint[], expected: RegionPoint[], tolerance: number): void {
      expect(actual).toHaveLength(expected.length);
      actual.forEach(([x, y], index) => {
        expect(Math.abs(x - expected[index]![0]), `x of point ${index + 1}`).toBeLessThanOrEqual(tolerance);
        expect(Math.abs(y - expected[index]![1]), `y of point ${index + 1}`).toBeLessThanOrEqual(tolerance);
      });
    }

    async function openLabelerOnRegions(): Promise<void> {
      await eventually(() => page().getByTestId('bag-rid').textContent()).toBe(facts.rid);
      // After a reload the bag reopens in the mode it was left in (label mode from the second time on).
      if ((await page().getByTestId('label-mode').getAttribute('aria-pressed')) !== 'true')
        await page().getByTestId('label-mode').click();
      await page().getByTestId('label-feature').selectOption(FEATURE);
      await page().getByTestId('queue-kind').selectOption('all');
      await page().locator(`[data-testid="queue-size"][data-kind="all"][data-count="${members}"]`).waitFor();
      await page().getByTestId('grid').focus();
      await page().keyboard.press('Enter');
      await page().getByTestId('region-pane').waitFor();
      await layer().waitFor();
    }

    it('opens the labeler on an asset-valued feature as a region editor', async () => {
      bagId = (await startupBag(session)).bagId;
      await openLabelerOnRegions();
      target = (await call('labels:queue', { bagId, feature: FEATURE, kind: 'all' })).targets[0]!;
      expect(await page().getByTestId('viewer-rid').textContent()).toBe(target);
      await page().getByTestId('region-list-empty').waitFor();
      for (const term of [...new Set(facts.images.map((image) => image.digit))]) {
        const key = await page().getByTestId(`region-term-${term}`).locator('kbd').textContent();
        if (key && key !== '·') keyOf.set(term, key.toLowerCase());
      }
      expect(keyOf.size).toBeGreaterThanOrEqual(4);
    });

    it('draws two boxes by mouse (a drag, then two clicks), a box by keyboard and a polygon by both', async () => {
      const perPixel = size / (await imageBounds().boundingBox())!.width;
      // Box 1: B, then a drag.
      await press('b');
      let at = await screenOf([10, 10]);
      await page().mouse.move(at.x, at.y);
      await page().mouse.down();
      at = await screenOf([40, 45]);
      await page().mouse.move(at.x, at.y, { steps: 5 });
      await page().mouse.up();
      await eventually(() => draftRegions().count()).toBe(1);
      // Box 2: the tool stays armed; two clicks.
      for (const point of [
        [60, 10],
        [100, 40],
      ] as RegionPoint[]) {
        const spot = await screenOf(point);
        await page().mouse.click(spot.x, spot.y);
      }
      await eventually(() => draftRegions().count()).toBe(2);
      // Box 3 by keyboard alone: Esc, B, arrows move the cursor (Shift: 10 pixels), Space places a corner.
      await press('Escape');
      await press('b');
      const start = await cursor();
      await press('Shift+ArrowLeft', 8);
      await press('Shift+ArrowDown', 2);
      await press(' ');
      await press('Shift+ArrowRight', 3);
      await press('Shift+ArrowDown', 3);
      expect(await cursor()).toEqual([start[0] - 50, start[1] + 50]);
      await press(' ');
      await eventually(() => draftRegions().count()).toBe(3);
      // Polygon: P, two vertices clicked, a third placed with the keyboard, Enter closes it.
      await press('p');
      for (const point of [
        [70, 60],
        [100, 60],
      ] as RegionPoint[]) {
        const spot = await screenOf(point);
        await page().mouse.click(spot.x, spot.y);
      }
      const third = await cursor();
      await press('Shift+ArrowDown', 3);
      await press(' ');
      await eventually(() => page().getByTestId('drawing-guide').getAttribute('data-placed')).toBe('3');
      await press('Enter');
      await eventually(() => draftRegions().count()).toBe(4);
      await press('Escape');
      await saveScreenshot(page(), 'regions-drawn');
      drawn.add(target);

      const regions = await eventually(async () => (await stored()).length)
        .toBe(4)
        .then(() => stored());
      expect(regions.map((region) => region.kind)).toEqual([
        'rectangle',
        'rectangle',
        'rectangle',
        'polygon',
      ]);
      expect(regions.map((region) => region.label)).toEqual([null, null, null, null]);
      const slack = perPixel + 0.01;
      expectNear(
        regions[0]!.points,
        [
          [10, 10],
          [40, 45],
        ],
        slack,
      );
      expectNear(
        regions[1]!.points,
        [
          [60, 10],
          [100, 40],
        ],
        slack,
      );
      const corner: RegionPoint = [start[0] - 80, start[1] + 20];
      expectNear(regions[2]!.points, [corner, [corner[0] + 30, corner[1] + 30]], 0.01);
      expectNear(
        regions[3]!.points,
        [
          [70, 60],
          [100, 60],
          [third[0], third[1] + 30],
        ],
        slack,
      );
    });

    it('assigns terms with Tab and the term keys', async () => {
      const terms = ['3', '5', '7', '1'].filter((term) => keyOf.has(term));
      expect(terms).toHaveLength(4);
      for (const term of terms) {
        await press('Tab');
        await press(keyOf.get(term)!);
      }
      await eventually(async () => (await stored()).map((region) => region.label)).toEqual(terms);
      expect(
        await draftRegions().evaluateAll((shapes) => shapes.map((shape) => shape.getAttribute('data-label'))),
      ).toEqual(terms);
      expect(await page().getByTestId('region-entry-3').getAttribute('aria-pressed')).toBe('true');
    });

    it('nudges, deletes, undoes and redoes every operation', async () => {
      const polygon = (await stored())[3]!.points;
      const shifted = polygon.map(([x, y]) => [x + 10, y] as RegionPoint);
      await press('Shift+ArrowRight');
      await eventually(async () => (await stored())[3]!.points).toEqual(shifted);
      await press('Control+z');
      await eventually(async () => (await stored())[3]!.points).toEqual(polygon);
      expect(await page().getByTestId('region-notice').textContent()).toContain('Undid the nudge.');
      await press('Control+Shift+z');
      await eventually(async () => (await stored())[3]!.points).toEqual(shifted);
      await press('Delete');
      await eventually(async () => (await stored()).length).toBe(3);
      await eventually(() => draftRegions().count()).toBe(3);
      await press('Control+z');
      await eventually(async () => (await stored()).length).toBe(4);
      await eventually(() => draftRegions().count()).toBe(4);
      // Two more undos take back the nudge and then the polygon's term; two redos bring both back.
      await press('Control+z');
      await press('Control+z');
      await eventually(async () => (await stored())[3]!).toEqual({
        kind: 'polygon',
        points: polygon,
        label: null,
      });
      await press('Control+Shift+z');
      await press('Control+Shift+z');
      await eventually(async () => (await stored())[3]!).toEqual({
        kind: 'polygon',
        points: shifted,
        label: '1',
      });
      await saveScreenshot(page(), 'regions-undo');
    });

    it('finds the regions again after a reload', async () => {
      const before = await stored();
      await page().reload();
      await openLabelerOnRegions();
      expect(await page().getByTestId('viewer-rid').textContent()).toBe(target);
      await eventually(() => draftRegions().count()).toBe(4);
      expect(
        await draftRegions().evaluateAll((shapes) => shapes.map((shape) => shape.getAttribute('data-kind'))),
      ).toEqual(['rectangle', 'rectangle', 'rectangle', 'polygon']);
      expect(
        await draftRegions().evaluateAll((shapes) => shapes.map((shape) => shape.getAttribute('data-label'))),
      ).toEqual(before.map((region) => region.label));
      expect(await page().getByTestId('regions-drawn').getAttribute('data-count')).toBe('1');
      expect(await stored()).toEqual(before);
      await saveScreenshot(page(), 'regions-reloaded');
      await press('Escape');
      await page().getByTestId('viewer').waitFor({ state: 'detached' });
    });

    it('compares A and B in the region agreement view and opens the image where they differ most', async () => {
      await page().getByTestId('agreement-toggle').click();
      await page().getByTestId('region-agreement-button').click();
      await page().getByTestId('region-agreement').waitFor();
      await page().getByTestId('region-rater-a').selectOption(facts.executions.A);
      await page().getByTestId('region-rater-b').selectOption(facts.executions.B);
      const report = await call('regions:agreement', {
        bagId,
        feature: FEATURE,
        pair: [facts.executions.A, facts.executions.B],
      });
      expect(report.images).toBe(bothDrew.length);
      const summary = page().getByTestId('region-summary');
      await eventually(() => summary.getAttribute('data-unmatched-a')).toBe(String(report.unmatchedA));
      expect(await summary.getAttribute('data-images')).toBe(String(bothDrew.length));
      expect(await summary.getAttribute('data-matched')).toBe(String(report.matched));
      expect(await summary.getAttribute('data-unmatched-b')).toBe(String(report.unmatchedB));
      expect(Number(await summary.getAttribute('data-mean-iou'))).toBeCloseTo(report.meanIoU!, 9);
      const rows = page().locator('[data-testid^="region-queue-"]');
      expect(await rows.count()).toBe(bothDrew.length);
      const worst = report.queue[0]!.target;
      expect(await rows.first().getAttribute('data-testid')).toBe(`region-queue-${worst}`);
      await saveScreenshot(page(), 'regions-agreement');

      await rows.first().click();
      await page().getByTestId('region-pane').waitFor();
      expect(await page().getByTestId('viewer-rid').textContent()).toBe(worst);
      // The bag's files of both annotators drawn over the image, one group per execution.
      const files = await call('regions:files', { bagId, table: 'digits:Image', rid: worst });
      const shapes = (execution: string) =>
        files.filter((file) => file.execution === execution).flatMap((file) => file.regions ?? []).length;
      const groupOf = (execution: string) =>
        page().locator(`[data-rater="${execution}"] [data-testid="bag-region"]`);
      await eventually(() => groupOf(facts.executions.A).count()).toBe(shapes(facts.executions.A));
      await eventually(() => groupOf(facts.executions.B).count()).toBe(shapes(facts.executions.B));
      await saveScreenshot(page(), 'regions-bag-overlays');
      await page().getByTestId(`show-rater-${facts.executions.A}`).uncheck();
      await eventually(() => groupOf(facts.executions.A).count()).toBe(0);
      expect(await groupOf(facts.executions.B).count()).toBe(shapes(facts.executions.B));
      await page().getByTestId(`show-rater-${facts.executions.A}`).check();
      await eventually(() => groupOf(facts.executions.A).count()).toBe(shapes(facts.executions.A));
    });

    it('copies the regions of the previous image', async () => {
      const report = await call('regions:agreement', {
        bagId,
        feature: FEATURE,
        pair: [facts.executions.A, facts.executions.B],
      });
      const [first, second] = report.queue.map((entry) => entry.target);
      expect(await page().getByTestId('viewer-rid').textContent()).toBe(first);
      // A point by keyboard on the first image.
      await press('o');
      const point = await cursor();
      await press(' ');
      await eventually(async () => (await stored(first)).length).toBe(1);
      drawn.add(first!);
      await press('Escape');
      await press('Escape');
      await press('ArrowRight');
      await eventually(() => page().getByTestId('viewer-rid').textContent()).toBe(second);
      await press('c');
      await eventually(async () => await stored(second)).toEqual([
        { kind: 'point', points: [point], label: null },
      ]);
      await eventually(() => draftRegions().count()).toBe(1);
      expect(await page().getByTestId('regions-drawn').getAttribute('data-count')).toBe('3');
      drawn.add(second!);
    });

    it('commits every drawing from the commit dialog: one Hatrac object, asset row, types, link and feature row per image', async () => {
      const url = catalogUrl(standIn);
      await call('catalog:connect', { url, username: 'testadmin', password: 'testadmin' });
      // The page reads main's connections when it starts: load it again to show the one just made.
      await page().reload();
      await eventually(() => page().getByTestId('bag-rid').textContent()).toBe(facts.rid);
      await page().getByTestId('commit-button').click();
      // The drawings are the Region feature's drafts: three images drawn, three rows to send.
      expect(drawn.size).toBe(3);
      await page().locator('[data-testid="commit-summary"][data-total="3"]').waitFor();
      expect(await page().getByTestId(`commit-feature-${FEATURE}`).textContent()).toContain('3');
      await page().getByTestId('commit-start').click();
      const result = page().getByTestId('commit-result');
      await result.waitFor();
      const executionRid = (await result.getAttribute('data-execution-rid'))!;
      expect(await page().getByTestId(`commit-rows-${REGION_FILE}`).textContent()).toContain('3');
      expect(await page().getByTestId(`commit-rows-${REGION_FEATURE}`).textContent()).toContain('3');
      await saveScreenshot(page(), 'regions-committed');

      const admin = clientAs(standIn, 'testadmin');
      const rows = await featureRowsOf(admin, REGION_FEATURE, executionRid, ['Region_File', 'Digit']);
      expect(Object.keys(rows).sort()).toEqual([...drawn].sort());
      for (const image of drawn) {
        const { draft } = await call('regions:draft', { bagId, feature: FEATURE, target: image });
        const sha256 = draft!.sha256!;
        const bytes = fs.readFileSync(
          path.join(session.workspace, 'regions', sha256.slice(0, 2), `${sha256}.json`),
        );
        const filename = `regions_${image}.json`;
        const url = assetUrl(REGION_FILE, bytes, filename);
        const object = await readHatracObject(standIn, url);
        expect([image, object.bytes.equals(bytes), object.versions.length]).toEqual([image, true, 1]);
        expect(object.contentMd5).toBe(Buffer.from(md5Of(bytes), 'hex').toString('base64'));
        // The file is the drawing: the regions stored, as labelme shapes.
        const shapes = (JSON.parse(bytes.toString('utf8')) as { shapes: { label: string | null }[] }).shapes;
        expect(shapes.map((shape) => shape.label || null)).toEqual(
          draft!.regions.map((region) => region.label),
        );
        const { row, types, links } = await assetRecord(admin, REGION_FILE, url);
        expect(row).toMatchObject({ URL: url, Filename: filename, Length: bytes.length, MD5: md5Of(bytes) });
        expect(types).toEqual(['Output_File', 'Region_File']);
        expect(links).toEqual([{ Execution: executionRid, Asset_Role: 'Output' }]);
        // The row's Digit is the term all its regions share: none of these drawings has one.
        expect(rows[image]).toEqual({ Region_File: row.RID, Digit: null });
      }
      await page().getByTestId('commit-close').click();
    });

    it('never threw in the page and showed no error banner', async () => {
      expect(session.pageErrors).toEqual([]);
      expect(await page().getByTestId('error-banner').count()).toBe(0);
      expect(await page().getByTestId('region-error').count()).toBe(0);
    });
  },
);

describe.skipIf(e2eSkipReason() !== null)(
  suiteName('other files of an asset-valued feature in the viewer'),
  () => {
    const bags = generatedBags();
    const { facts } = bags;
    const scratch = temporaryDirectory('satchel-e2e-feature-files-');
    const report = 'Cells counted: 3\nStain: even\n';
    let session: Session;
    let image: string;
    let position: number;

    /** A copy of the bag in which A's region file of `image` is a mask PNG and B's a text report. */
    async function bagWithMaskAndReport(): Promise<string> {
      const root = path.join(scratch.dir, path.basename(bags.formatB));
      fs.cpSync(bags.formatB, root, { recursive: true });
      const csv = path.join(root, 'data', 'digits', 'Region_File.csv');
      const replaced: [string, string, Buffer][] = [
        [facts.regions.A[image]!, `mask_${image}.png`, await maskPng()],
        [facts.regions.B[image]!, `report_${image}.txt`, Buffer.from(report)],
      ];
      let lines = fs.readFileSync(csv, 'utf8').split('\n');
      for (const [rid, name, bytes] of replaced) {
        lines = lines.map((line) =>
          line.includes(rid) ? line.replaceAll(`regions_${image}.json`, name) : line,
        );
        const dir = path.join(root, 'data', 'asset', rid, 'Region_File');
        fs.rmSync(path.join(dir, `regions_${image}.json`));
        fs.writeFileSync(path.join(dir, name), bytes);
      }
      fs.writeFileSync(csv, lines.join('\n'));
      return root;
    }

    function maskPng(): Promise<Buffer> {
      const size = facts.design.imageSize;
      const pixels = Buffer.alloc(size * size);
      for (let y = 30; y < 80; y++) pixels.fill(255, y * size + 30, y * size + 80);
      return sharp(pixels, { raw: { width: size, height: size, channels: 1 } })
        .png()
        .toBuffer();
    }

    beforeAll(async () => {
      const order = facts.images.filter((entry) => entry.release === '1.0.0').map((entry) => entry.rid);
      session = await openSession({ bag: bags.formatB });
      // The grid's order, as the app asks for it, and the first image both annotators drew in it.
      const opened = await startupBag(session);
      const reply = await session.page.request.post(`${session.server.origin}/api/bag:members`, {
        data: {
          bagId: opened.bagId,
          datasetRid: facts.rid,
          elementType: 'Image',
          recurse: true,
          limit: 1000,
        },
      });
      const members = (await reply.json()) as ApiResult<'bag:members'>;
      if (!members.ok) throw new Error(members.error.message);
      const rids = members.value.rows.map((row) => String(row.RID));
      expect([...rids].sort()).toEqual([...order].sort());
      position = rids.findIndex((rid) => rid in facts.regions.B);
      image = rids[position]!;
      await session.close();
      session = await openSession({ bag: await bagWithMaskAndReport() });
    });
    afterAll(async () => {
      await session?.close();
      scratch.cleanup();
    });

    it('previews a mask image and a text report beside the image, and draws no regions for them', async () => {
      const page = session.page;
      await eventually(() => page.getByTestId('bag-rid').textContent()).toBe(facts.rid);
      // The grid takes Enter once its members are there.
      await page.locator('[data-testid^="tile-"]').first().waitFor();
      await page.getByTestId('grid').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('viewer').waitFor();
      for (let step = 0; step < position; step++) await page.keyboard.press('ArrowRight');
      await eventually(() => page.getByTestId('viewer-rid').textContent()).toBe(image);
      const mask = page.getByTestId(`feature-file-${facts.regions.A[image]}`);
      const text = page.getByTestId(`feature-file-${facts.regions.B[image]}`);
      await mask.waitFor();
      expect(await mask.getAttribute('data-kind')).toBe('image');
      expect(await text.getAttribute('data-kind')).toBe('text');
      expect(await page.getByTestId('bag-region').count()).toBe(0);
      await mask.getByTestId('preview-file').click();
      const preview = mask.getByTestId('file-image-preview');
      await eventually(() =>
        preview.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      ).toBe(facts.design.imageSize);
      await text.getByTestId('preview-file').click();
      await eventually(() => text.getByTestId('text-preview').textContent()).toContain('Cells counted: 3');
      await saveScreenshot(page, 'regions-feature-files');
      expect(session.pageErrors).toEqual([]);
    });
  },
);
