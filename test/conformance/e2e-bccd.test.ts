/**
 * The real BCCD bag from a real ERMrest server, in Chromium: what only its bytes can show. Its 640×480
 * photographs are shrunk to 256-pixel WebP thumbnails and shown whole in the viewer, and its annotators
 * agree and disagree as expected.json records. Everything else the browser does is proven on the
 * generated bags in test/e2e.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomImage } from '../../bench/page-dom.js';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { expectedFacts, fixtureBags, hasFixtures } from '../support/fixtures.js';
import {
  e2eSkipReason,
  eventually,
  openSession,
  saveScreenshot,
  settledVisibleTiles,
  startupBag,
  suiteName,
  type Session,
} from '../e2e/support.js';

const IMAGE_TABLE = 'hematology:Image';
const FEATURE = 'Image/Cell_Type';

describe.skipIf(!hasFixtures || e2eSkipReason() !== null)(suiteName('the real BCCD bag in Chromium'), () => {
  const facts = hasFixtures ? expectedFacts().bccd : undefined;
  let session: Session;
  let bagId: string;

  beforeAll(async () => {
    session = await openSession({ bag: fixtureBags.formatB });
    bagId = (await startupBag(session)).bagId;
  });

  afterAll(async () => {
    await session?.close();
  });

  const page = () => session.page;

  async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    const reply = await page().request.post(`${session.server.origin}/api/${channel}`, { data: request });
    const result = (await reply.json()) as ApiResult<C>;
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
    return result.value;
  }

  it('shrinks the 640×480 photographs to 256×192 WebP thumbnails and shows them whole', async () => {
    await eventually(() => page().getByTestId('bag-rid').textContent()).toBe(facts!.datasets.Complete);
    const [tile] = await settledVisibleTiles(page());
    expect(tile?.state).toBe('loaded');
    const reply = await page().request.get(
      `${session.server.origin}/thumb/${bagId}/${encodeURIComponent(IMAGE_TABLE)}/${tile!.rid}`,
    );
    expect(reply.headers()['content-type']).toBe('image/webp');
    const { width, height } = await sharp(await reply.body()).metadata();
    expect([width, height]).toEqual([256, 192]);

    await page().getByTestId(`tile-${tile!.rid}`).dblclick();
    await page().locator('[data-testid="viewer-image"][data-original="true"]').waitFor();
    expect(
      await page()
        .getByTestId('viewer-image')
        .evaluate((img: DomImage) => img.naturalWidth),
    ).toBe(640);
    await saveScreenshot(page(), 'conformance-bccd-viewer');
    await page().keyboard.press('Escape');
    await page().getByTestId('viewer').waitFor({ state: 'detached' });
  });

  it('shows annotators A and B with the overlap and disagreements the fixture records', async () => {
    await page().getByTestId('label-mode').click();
    await eventually(() => page().getByTestId('label-feature').inputValue()).toBe(FEATURE);
    await page().getByTestId('agreement-toggle').click();
    const summary = page().getByTestId('confusion-summary');
    await summary.waitFor();
    expect(await page().getByTestId('rater-a').inputValue()).toBe(facts!.executions.A);
    expect(await page().getByTestId('rater-b').inputValue()).toBe(facts!.executions.B);
    expect(await summary.getAttribute('data-shared')).toBe(String(facts!.annotator_overlap_images));
    expect(await summary.getAttribute('data-disagreements')).toBe(
      String(facts!.annotator_disagreements.length),
    );
    const report = await call('labels:agreement', { bagId, feature: FEATURE });
    const disagreeing = facts!.annotator_disagreements.filter(
      (entry) => entry.A === 'Neutrophil' && entry.B === 'Eosinophil',
    );
    expect(disagreeing.length).toBeGreaterThan(0);
    const labels = report.confusion!.labels;
    const cell = report.confusion!.targets[`${labels.indexOf('Neutrophil')},${labels.indexOf('Eosinophil')}`];
    expect([...(cell ?? [])].sort()).toEqual(disagreeing.map((entry) => entry.Image).sort());
    await saveScreenshot(page(), 'conformance-bccd-agreement');
  });

  it('never threw in the page and showed no error banner', async () => {
    expect(session.pageErrors).toEqual([]);
    expect(await page().getByTestId('error-banner').count()).toBe(0);
  });
});
