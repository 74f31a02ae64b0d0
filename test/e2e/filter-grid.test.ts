/**
 * The filterable grid (issue 12, item 7) in Chromium on the generated sample bag: two filters from the
 * facets beside the grid, their chips and counts (checked against the world's facts), one chip removed,
 * badges that tell people from the model, the viewer naming executions, the filtered view turned into a
 * work queue and labeled from, axe-core on the view, and its layout at 1024, 1280 and 1920 px.
 */
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { generatedBags } from '../support/bags.js';
import { seriousViolations } from './axe.js';
import { checkLayout } from './layout.js';
import {
  e2eSkipReason,
  eventually,
  openSession,
  saveScreenshot,
  startupBag,
  suiteName,
  VIEWPORT,
  type Session,
} from './support.js';

const FEATURE = 'Image/Digit';

describe.skipIf(e2eSkipReason() !== null)(suiteName('the filterable grid (issue 12)'), () => {
  const bags = generatedBags();
  const { facts } = bags;
  const images = facts.images.filter((image) => image.release === '1.0.0').map((image) => image.rid);
  const inBag = new Set(images);
  const ratedByA = new Set(
    [...Object.keys(facts.digit.A), ...Object.keys(facts.quality.A), ...Object.keys(facts.regions.A)].filter(
      (rid) => inBag.has(rid),
    ),
  );
  const disagreeing = new Set(
    images.filter((rid) => {
      const labels = [facts.digit.A[rid], facts.digit.B[rid], facts.digit.model[rid]?.digit];
      return new Set(labels.filter((label) => label !== undefined)).size > 1;
    }),
  );
  const both = [...disagreeing].filter((rid) => ratedByA.has(rid)).sort();
  let session: Session;
  let bagId: string;

  beforeAll(async () => {
    session = await openSession({ bag: bags.formatB, bypassCSP: true });
    bagId = (await startupBag(session)).bagId;
  });

  afterAll(async () => {
    await session?.close();
  });

  const page = (): Page => session.page;
  const testId = (id: string) => page().getByTestId(id);
  const chips = () => testId('filter-chip').allTextContents();

  async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    const reply = await page().request.post(`${session.server.origin}/api/${channel}`, { data: request });
    const result = (await reply.json()) as ApiResult<C>;
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
    return result.value;
  }

  it('opens with each request once: the first page comes with the bag, the counts after the first thumbnails', async () => {
    // A page of its own, with an empty HTTP cache, so every thumbnail is a request.
    const context = await session.browser.newContext({ viewport: VIEWPORT, bypassCSP: true });
    try {
      const fresh = await context.newPage();
      const events: string[] = [];
      const describe = (request: Request): string | null => {
        const { pathname } = new URL(request.url());
        if (pathname.startsWith('/thumb/')) return `thumb ${pathname}`;
        if (pathname.startsWith('/api/'))
          return `${pathname.slice('/api/'.length)} ${request.postData() ?? ''}`;
        return null;
      };
      const record = (when: string) => (request: Request) => {
        const described = describe(request);
        if (described) events.push(`${when} ${described}`);
      };
      fresh.on('request', record('start'));
      fresh.on('requestfinished', record('end'));
      fresh.on('requestfailed', record('end'));
      await fresh.goto(session.server.url);
      await eventually(() => fresh.getByTestId('filter-count').textContent()).toBe(`${images.length} Image`);
      await eventually(() => events.some((event) => event.startsWith('end bag:facets '))).toBe(true);

      const bodies = (channel: string) =>
        events
          .filter((event) => event.startsWith(`start ${channel} `))
          .map((event) => event.slice(`start ${channel} `.length));
      const firstPages = bodies('bag:members').filter(
        (body) => (JSON.parse(body) as { offset: number }).offset === 0,
      );
      expect(firstPages).toEqual([]);
      const drafts = bodies('labels:target-drafts');
      expect(new Set(drafts).size).toBe(drafts.length);

      const countsAsked = events.findIndex((event) => event.startsWith('start bag:facets '));
      expect(countsAsked).toBeGreaterThan(0);
      const before = events.slice(0, countsAsked);
      const thumbnailsAsked = before.filter((event) => event.startsWith('start thumb '));
      expect(thumbnailsAsked.length).toBeGreaterThan(0);
      const unanswered = thumbnailsAsked.filter((event) => !before.includes(event.replace('start ', 'end ')));
      expect(unanswered).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('counts each facet beside the grid and tells people from the model', async () => {
    await testId('filter-panel').waitFor();
    await eventually(() => testId('filter-count').textContent()).toBe(`${images.length} Image`);
    const digit = facts.disagreements[0]!.A;
    const withDigit = images.filter(
      (rid) =>
        facts.digit.A[rid] === digit ||
        facts.digit.B[rid] === digit ||
        facts.digit.model[rid]?.digit === digit,
    );
    expect(
      await testId(`facet-Digit-Digit-${digit}`).getByTestId('facet-count').getAttribute('data-count'),
    ).toBe(String(withDigit.length));
    const raterA = testId(`facet-rater-${facts.executions.A}`);
    expect(await raterA.locator('.facet-label').textContent()).toBe('annotator A');
    expect(await raterA.getByTestId('rater-kind').textContent()).toBe('person');
    expect(
      await testId(`facet-rater-${facts.executions.model}`).getByTestId('rater-kind').textContent(),
    ).toBe('model');
    expect(await raterA.getByTestId('facet-count').getAttribute('data-count')).toBe(String(ratedByA.size));
    expect(
      await testId('facet-Digit-disagreement').getByTestId('facet-count').getAttribute('data-count'),
    ).toBe(String(disagreeing.size));
    // The newest Digit label on a tile is the model's: its badge says so.
    const first = images.find((rid) => facts.digit.model[rid] !== undefined)!;
    const badge = testId(`tile-${first}`).locator('[data-testid="badge"]', {
      hasText: facts.digit.model[first]!.digit,
    });
    await eventually(() => badge.first().getAttribute('data-from')).toBe('model');
  });

  it('composes two filters as chips with counts, then drops one chip', async () => {
    await testId(`facet-rater-${facts.executions.A}`).locator('input').check();
    await eventually(chips).toEqual(['by annotator A×']);
    await eventually(() => testId('filter-count').textContent()).toBe(`${ratedByA.size} of ${images.length}`);
    await testId('facet-Digit-disagreement').locator('input').check();
    await eventually(chips).toEqual(['by annotator A×', 'Digit: raters disagree×']);
    await eventually(() => testId('filter-count').textContent()).toBe(`${both.length} of ${images.length}`);
    await eventually(() => testId('grid-status').locator('span').first().textContent()).toBe(
      `${both.length} Image members`,
    );
    // Each facet counts over the other facets' filters: annotator A's count is now among the disagreements.
    await eventually(() =>
      testId(`facet-rater-${facts.executions.A}`).getByTestId('facet-count').getAttribute('data-count'),
    ).toBe(String(both.length));
    const shown = await testId('grid')
      .locator('[data-testid^="tile-"]')
      .evaluateAll((tiles) => tiles.map((tile) => tile.getAttribute('data-testid')!.slice('tile-'.length)));
    expect(shown.every((rid) => both.includes(rid))).toBe(true);
    expect(shown.length).toBeGreaterThan(0);
    await saveScreenshot(page(), 'filters-two');

    await page().getByRole('button', { name: 'Remove filter by annotator A' }).click();
    await eventually(chips).toEqual(['Digit: raters disagree×']);
    await eventually(() => testId('filter-count').textContent()).toBe(
      `${disagreeing.size} of ${images.length}`,
    );
    expect(await testId(`facet-rater-${facts.executions.A}`).locator('input').isChecked()).toBe(false);
  });

  it('names the executions by their descriptions in the viewer', async () => {
    const target = [...disagreeing].sort()[0]!;
    await testId(`tile-${target}`).dblclick();
    await testId('viewer').waitFor();
    const digitRows = testId('feature-values')
      .locator('.feature-group', { has: page().getByRole('heading', { name: /^Digit\b/ }) })
      .locator('tbody tr td:first-child');
    await digitRows.first().waitFor();
    const names = (await digitRows.allTextContents()).sort();
    expect(names).toEqual(
      [
        facts.digit.A[target] !== undefined && 'annotator A',
        facts.digit.B[target] !== undefined && 'annotator B',
        facts.digit.model[target] !== undefined && 'model',
      ]
        .filter((name): name is string => name !== false)
        .sort(),
    );
    await page().keyboard.press('Escape');
    await testId('viewer').waitFor({ state: 'detached' });
  });

  it('searches file names from the keyboard with /, beside the other filter', async () => {
    const filenames = new Map(
      facts.images
        .filter((image) => inBag.has(image.rid))
        .map((image) => [image.rid, image.filename.toLowerCase()]),
    );
    const namedWith = (piece: string) => images.filter((rid) => filenames.get(rid)!.includes(piece));
    const piece = [...filenames.values()]
      .flatMap((name) => [...name].map((_, at) => name.slice(at, at + 4)))
      .find((candidate) => {
        const named = namedWith(candidate);
        return (
          candidate.length === 4 &&
          named.length >= 2 &&
          named.length <= 100 &&
          named.some((rid) => disagreeing.has(rid))
        );
      })!;
    const expected = namedWith(piece).filter((rid) => disagreeing.has(rid));
    await testId('grid').focus();
    await page().keyboard.press('/');
    expect(
      await page().evaluate(() => {
        const { document } = globalThis as unknown as {
          document: { activeElement: { getAttribute(name: string): string | null } | null };
        };
        return document.activeElement?.getAttribute('data-testid') ?? null;
      }),
    ).toBe('filter-search');
    await page().keyboard.type(piece.toUpperCase());
    await eventually(chips).toEqual([
      'Digit: raters disagree×',
      `Filename contains “${piece.toUpperCase()}”×`,
    ]);
    await eventually(() => testId('filter-count').textContent()).toBe(
      `${expected.length} of ${images.length}`,
    );
    await page()
      .getByRole('button', { name: `Remove filter Filename contains “${piece.toUpperCase()}”` })
      .click();
    await eventually(chips).toEqual(['Digit: raters disagree×']);
    expect(await testId('filter-search').inputValue()).toBe('');
  });

  it('has no serious axe violation with filters on', async () => {
    expect(await seriousViolations(page())).toEqual([]);
  });

  for (const width of [1024, 1280, 1920] as const) {
    it(`holds its layout with filters on at ${width} px`, async () => {
      await page().setViewportSize({ width, height: VIEWPORT.height });
      await testId('grid').locator('.tile img[data-loaded="true"]').first().waitFor();
      const layout = await checkLayout(page());
      await saveScreenshot(page(), `filters-${width}`);
      expect(layout, `filtered grid at ${width} px`).toEqual({
        clipped: [],
        pageOverflow: 0,
        sideways: [],
        outOfSight: [],
        tinyText: [],
        smallBodyText: [],
      });
    });
  }

  it('turns the filtered view into a work queue and labels from it', async () => {
    await page().setViewportSize(VIEWPORT);
    await testId('label-filtered').click();
    const size = page().locator('[data-testid="queue-size"][data-kind="filter"]');
    await size.waitFor();
    await eventually(() => size.getAttribute('data-count')).toBe(String(disagreeing.size));
    const queue = await call('labels:queue', {
      bagId,
      feature: FEATURE,
      kind: 'filter',
      where: [{ kind: 'disagreement', feature: FEATURE }],
    });
    expect(queue.targets).toEqual([...disagreeing].sort());
    await testId('grid').focus();
    await page().keyboard.press('Enter');
    await testId('label-pane').waitFor();
    const target = (await testId('viewer-rid').textContent())!;
    expect(disagreeing.has(target)).toBe(true);
    const fact = facts.disagreements.find((entry) => entry.image === target);
    const digit = fact?.B ?? facts.digit.A[target] ?? '0';
    await page().keyboard.press(digit);
    await eventually(async () => {
      const [draft] = await call('labels:drafts', { bagId, feature: FEATURE, targets: [target] });
      return draft?.values.Digit ?? null;
    }).toBe(digit);
    await saveScreenshot(page(), 'filters-queue-labeled');
  });

  it('never threw in the page and showed no error banner', async () => {
    expect(session.pageErrors).toEqual([]);
    expect(await testId('error-banner').count()).toBe(0);
  });
});
