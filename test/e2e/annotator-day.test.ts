/**
 * Issue 12 as a person meets it in Chromium, on the generated sample bag in browser mode: opening a bag
 * by a `~` path with quotes, the path field, the deriva-ml cache list and recent bags; digit keys;
 * blind labeling; keyboard-only values and declared ranges; a reload that restores the bag, dataset,
 * section and mode; drafts in sight in browse mode; the agreement view by keyboard; axe-core on the
 * library, bag, labeler and agreement views; and the layout at 1024, 1280 and 1920 px checked from the
 * page's own boxes. Screens are kept as test-artifacts/screenshots/day-*.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { seriousViolations } from './axe.js';
import { checkLayout, toolbarLines } from './layout.js';
import {
  e2eSkipReason,
  eventually,
  openSession,
  saveScreenshot,
  suiteName,
  VIEWPORT,
  type Session,
} from './support.js';

const FEATURE = 'Image/Digit';
const WIDTHS = [1024, 1280, 1920] as const;

describe.skipIf(e2eSkipReason() !== null)(
  suiteName("an annotator's and a researcher's day (issue 12)"),
  () => {
    const bags = generatedBags();
    const { facts } = bags;
    const scratch = temporaryDirectory('satchel-e2e-day-');
    const home = path.join(scratch.dir, 'home');
    const linked = path.join(home, 'bags', 'digits');
    const cached = path.join(
      home,
      '.deriva-ml',
      'catalog.example.org',
      '1',
      'cache',
      'bags',
      'abc',
      'Dataset_9-XYZ',
    );
    let session: Session;
    let bagId: string;
    /** Images labeled in this session, and what with. */
    const labeledHere = new Map<string, string>();

    beforeAll(async () => {
      fs.mkdirSync(path.dirname(linked), { recursive: true });
      fs.symlinkSync(bags.formatB, linked);
      // A bag folder deriva-ml left in its cache: listed by the library, never opened here.
      fs.mkdirSync(cached, { recursive: true });
      fs.writeFileSync(path.join(cached, 'bagit.txt'), 'BagIt-Version: 0.97\n');
      session = await openSession({ home, bypassCSP: true });
    });

    afterAll(async () => {
      await session?.close();
      scratch.cleanup();
    });

    const page = (): Page => session.page;
    const testId = (id: string) => page().getByTestId(id);
    const viewerRid = () => testId('viewer-rid').textContent();
    const queueShown = (kind: string) =>
      page().locator(`[data-testid="queue-size"][data-kind="${kind}"]`).waitFor();

    async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
      const reply = await page().request.post(`${session.server.origin}/api/${channel}`, { data: request });
      const result = (await reply.json()) as ApiResult<C>;
      if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
      return result.value;
    }

    async function draftOf(target: string): Promise<Record<string, unknown> | null> {
      const [draft] = await call('labels:drafts', { bagId, feature: FEATURE, targets: [target] });
      return draft?.values ?? null;
    }

    /** The data-testid of the element that has the keyboard focus. */
    function focusedTestId(): Promise<string | null> {
      return page().evaluate(() => {
        const { document } = globalThis as unknown as {
          document: { activeElement: { getAttribute(name: string): string | null } | null };
        };
        return document.activeElement?.getAttribute('data-testid') ?? null;
      });
    }

    async function expectNoSeriousViolations(): Promise<void> {
      expect(await seriousViolations(page())).toEqual([]);
    }

    it('lists the deriva-ml cache above the fold, offers no drop target, and has no serious axe violation', async () => {
      await testId('library').waitFor();
      const cacheCard = testId('cache-card');
      await cacheCard.waitFor();
      expect((await cacheCard.boundingBox())!.y).toBeLessThan(VIEWPORT.height - 60);
      expect(await testId('cache-bag').textContent()).toContain('9-XYZ');
      // A browser never says where a dropped file lives: nothing invites the drop, the pointer says no.
      const dropEffect = await page().evaluate(() => {
        const scope = globalThis as unknown as {
          DataTransfer: new () => { items: { add(file: unknown): void }; dropEffect: string };
          File: new (parts: string[], name: string) => unknown;
          DragEvent: new (type: string, init: object) => unknown;
          dispatchEvent(event: unknown): boolean;
        };
        const transfer = new scope.DataTransfer();
        transfer.items.add(new scope.File(['x'], 'Dataset_1.zip'));
        scope.dispatchEvent(new scope.DragEvent('dragover', { dataTransfer: transfer, cancelable: true }));
        return transfer.dropEffect;
      });
      expect(dropEffect).toBe('none');
      expect(await testId('drop-overlay').count()).toBe(0);
      await saveScreenshot(page(), 'day-library');
      await expectNoSeriousViolations();
    });

    it('completes folders under ~ and opens a pasted path in quotes with ~ in it', async () => {
      const input = testId('path-input');
      const completions = () =>
        testId('path-completions')
          .locator('option')
          .evaluateAll((options) => options.map((option) => option.getAttribute('value')));
      await input.fill('~/');
      await eventually(completions).toEqual(['~/bags/']);
      await input.fill('~/bags/');
      await eventually(completions).toEqual(['~/bags/digits/']);
      expect(await testId('path-hint').textContent()).toContain('in ~/bags/');
      await input.fill(`"~/bags/digits"`);
      await testId('open-path').click();
      await eventually(() => testId('bag-rid').textContent()).toBe(facts.rid);
      expect(await testId('bag-header').locator('.path').textContent()).toBe(linked);
      bagId = (await call('bag:open', { path: linked })).bagId;
    });

    it('lists the bag once in recent bags, with its version and where it came from', async () => {
      // The same bag by its real path: one bag, one entry.
      await testId('bag-header').getByRole('button', { name: '← Library' }).click();
      await testId('path-input').fill(bags.formatB);
      await testId('open-path').click();
      await eventually(() => testId('bag-header').locator('.path').textContent()).toBe(bags.formatB);
      await testId('bag-header').getByRole('button', { name: '← Library' }).click();
      const recent = testId('recent-bag');
      await eventually(() => recent.count()).toBe(1);
      expect(await recent.getByTestId('recent-version').textContent()).toBe('v1.0.0');
      await eventually(() => recent.getByTestId('recent-source').textContent()).toBe(
        `folder in ${path.dirname(bags.formatB)}`,
      );
      await saveScreenshot(page(), 'day-library-recent');
      await recent.getByRole('button', { name: /^Open dataset / }).click();
      await eventually(() => testId('bag-rid').textContent()).toBe(facts.rid);
    });

    it('shows the bag with a drafts count and no serious axe violation', async () => {
      await eventually(() => testId('draft-count').getAttribute('data-total')).toBe('0');
      await testId('grid').locator('.tile img[data-loaded="true"]').first().waitFor();
      await expectNoSeriousViolations();
    });

    it('hides the other raters in blind mode until the image is labeled, then says whom the label agrees with', async () => {
      await testId('label-mode').click();
      await testId('label-progress').waitFor();
      // People (annotators A and B) labeled the digits: blind labeling is on by default.
      expect(await testId('blind-toggle').isChecked()).toBe(true);
      await testId('queue-kind').selectOption('disagreements');
      await queueShown('disagreements');
      const [target] = (await call('labels:queue', { bagId, feature: FEATURE, kind: 'disagreements' }))
        .targets;
      const fact = facts.disagreements.find((entry) => entry.image === target)!;
      expect(fact).toBeDefined();
      const tile = testId(`tile-${target}`);
      await tile.waitFor();
      // The tile's accessible name is what it shows: the Digit badge is neither drawn nor said.
      const named = (pattern: RegExp) => page().getByRole('option', { name: pattern });
      expect(await named(new RegExp(`^${target} `)).count()).toBe(1);
      expect(await named(new RegExp(`^${target} .*Digit`)).count()).toBe(0);
      expect(await tile.locator('[data-testid="badge"]', { hasText: fact.A }).count()).toBe(0);

      await testId('grid').focus();
      await page().keyboard.press('Enter');
      await testId('label-pane').waitFor();
      expect(await viewerRid()).toBe(target);
      const pane = page().locator('.label-pane');
      await eventually(() => pane.getAttribute('data-blind')).toBe('hidden');
      await testId('blind-note').waitFor();
      expect(await testId('existing-values').count()).toBe(0);
      expect(await pane.locator('.chip.vote').count()).toBe(0);
      await saveScreenshot(page(), 'day-blind-hidden');

      // Label it as annotator A did: the labeler moves on; back on it, the raters show.
      await page().keyboard.press(fact.A);
      labeledHere.set(target!, fact.A);
      await eventually(viewerRid).not.toBe(target);
      await page().keyboard.press('ArrowLeft');
      await eventually(viewerRid).toBe(target);
      await eventually(() => pane.getAttribute('data-blind')).toBe('revealed');
      await testId('existing-values').waitFor();
      const agreeing = ['annotator A', ...(fact.model === fact.A ? ['model'] : [])];
      const differing = ['annotator B', ...(fact.model === fact.A ? [] : ['model'])];
      const list = (names: string[]) =>
        names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
      expect(await testId('draft-agreement').textContent()).toBe(
        `agrees with ${list(agreeing)}; differs from ${list(differing)}`,
      );
      expect(await testId('existing-values').textContent()).toContain('annotator B');
      await saveScreenshot(page(), 'day-blind-revealed');
      const layout = await checkLayout(page());
      expect([...layout.clipped, ...layout.sideways, ...layout.outOfSight]).toEqual([]);
      await page().keyboard.press('Escape');
      await testId('viewer').waitFor({ state: 'detached' });
      await eventually(() =>
        named(new RegExp(`^${target} .*your draft ${fact.A} .*Digit ${fact.A}`)).count(),
      ).toBe(1);
    });

    it('labels with the digit keys themselves: 1 sets "1", 0 sets "0", 9 sets "9"', async () => {
      await testId('queue-kind').selectOption('unlabeled');
      await queueShown('unlabeled');
      const queue = (await call('labels:queue', { bagId, feature: FEATURE, kind: 'unlabeled' })).targets;
      await testId('grid').focus();
      await page().keyboard.press('Enter');
      await testId('label-pane').waitFor();
      expect(await testId('term-key-rule').textContent()).toBe('Each digit key labels its own digit.');
      for (const [index, key] of ['1', '0', '9'].entries()) {
        await eventually(viewerRid).toBe(queue[index]);
        await page().keyboard.press(key);
        labeledHere.set(queue[index]!, key);
      }
      await eventually(viewerRid).toBe(queue[3]);
      for (const [index, key] of ['1', '0', '9'].entries())
        await eventually(() => draftOf(queue[index]!)).toEqual({ Digit: key, Confidence: null });
    });

    it('takes a confidence by keyboard alone: E, then typing, refusing 1.7 in one sentence', async () => {
      await page().keyboard.press('ArrowLeft');
      const target = (await viewerRid())!;
      expect(labeledHere.get(target)).toBe('9');
      await page().keyboard.press('e');
      await testId('record-form').waitFor();
      expect(await focusedTestId()).toBe('field-Confidence');
      await page().keyboard.type('0.8');
      await page().keyboard.press('Enter');
      await testId('record-form').waitFor({ state: 'detached' });
      await eventually(() => draftOf(target)).toEqual({ Digit: '9', Confidence: 0.8 });

      await page().keyboard.press('ArrowLeft');
      await page().keyboard.press('ArrowRight');
      await eventually(viewerRid).toBe(target);
      await page().keyboard.press('e');
      await testId('record-form').waitFor();
      await page().keyboard.press('Control+a');
      await page().keyboard.type('1.7');
      await page().keyboard.press('Enter');
      await eventually(() => testId('form-refused').textContent()).toBe(
        'Not saved: Confidence must be between 0 and 1, not "1.7".',
      );
      await saveScreenshot(page(), 'day-confidence-refused');
      await page().keyboard.press('Escape');
      await testId('record-form').waitFor({ state: 'detached' });
      expect(await draftOf(target)).toEqual({ Digit: '9', Confidence: 0.8 });
      await page().keyboard.press('Escape');
      await testId('viewer').waitFor({ state: 'detached' });
    });

    it('sets a confidence alone on selected tiles without touching their digits', async () => {
      const [first, second] = [...labeledHere.keys()].slice(1, 3) as [string, string];
      await testId('queue-kind').selectOption('all');
      await queueShown('all');
      await testId(`tile-${first}`).click();
      await testId(`tile-${second}`).click({ modifiers: ['Control'] });
      await eventually(() => testId('grid-status').textContent()).toContain('· 2 selected');
      await page().keyboard.press('e');
      await testId('form-dialog').waitFor();
      await testId('bulk-note').waitFor();
      await page().keyboard.type('0.3');
      await page().keyboard.press('Enter');
      await testId('form-dialog').waitFor({ state: 'detached' });
      await eventually(() => draftOf(first)).toEqual({ Digit: labeledHere.get(first), Confidence: 0.3 });
      expect(await draftOf(second)).toEqual({ Digit: labeledHere.get(second), Confidence: 0.3 });
    });

    it('reopens the bag in its dataset, section and mode after a reload, with undo and redo only when they act', async () => {
      await testId(`dataset-node-${facts.datasets.training}`).click();
      await eventually(() =>
        testId(`dataset-node-${facts.datasets.training}`).getAttribute('aria-selected'),
      ).toBe('true');
      await testId('label-progress').waitFor();
      await page().waitForTimeout(400); // the view is saved a moment after it changes
      await page().reload();
      await eventually(() => testId('bag-rid').textContent()).toBe(facts.rid);
      await eventually(() =>
        testId(`dataset-node-${facts.datasets.training}`).getAttribute('aria-selected'),
      ).toBe('true');
      expect(await testId('label-mode').getAttribute('aria-pressed')).toBe('true');
      await eventually(() => testId('label-feature').inputValue()).toBe(FEATURE);
      expect(await testId('tab-Image').getAttribute('aria-selected')).toBe('true');
      // Labels were set and none undone: undo would act, redo would not.
      await eventually(() => testId('undo').isEnabled()).toBe(true);
      expect(await testId('redo').isEnabled()).toBe(false);
      await testId('grid').focus();
      await page().keyboard.press('Control+z');
      await eventually(() => testId('redo').isEnabled()).toBe(true);
      await page().keyboard.press('Control+Shift+z');
      await eventually(() => testId('redo').isEnabled()).toBe(false);

      // All tables keeps label mode on (and says so); a reload comes back to that section, still labeling.
      await testId('tab-tables').click();
      await testId('label-mode-note').waitFor();
      expect(await testId('label-mode').getAttribute('aria-pressed')).toBe('true');
      await page().waitForTimeout(400);
      await page().reload();
      await eventually(() => testId('tab-tables').getAttribute('aria-selected')).toBe('true');
      await testId('label-mode-note').waitFor();
      await saveScreenshot(page(), 'day-reload-tables');
      await testId('back-to-labeling').click();
      await testId('label-bar').waitFor();
      await testId('dataset-node-' + facts.datasets.complete).click();
    });

    it('keeps the drafts in sight in browse mode: a count in the header and a mark on each tile', async () => {
      await testId('label-mode').click();
      await testId('label-bar').waitFor({ state: 'detached' });
      const status = await call('labels:status', { bagId });
      expect(status.total).toBe(labeledHere.size);
      await eventually(() => testId('draft-count').getAttribute('data-total')).toBe(String(labeledHere.size));
      const [rid, digit] = [...labeledHere].at(-1)!;
      const tile = testId(`tile-${rid}`);
      await tile.scrollIntoViewIfNeeded();
      await eventually(() => tile.getByTestId('draft-value').textContent()).toBe(digit);
      expect(
        await page()
          .getByRole('option', { name: new RegExp(`^${rid} .*your draft ${digit}`) })
          .count(),
      ).toBe(1);
      await saveScreenshot(page(), 'day-browse-drafts');
    });

    it('reaches the disagreements by keyboard in the agreement view, with thumbnails and named matrix cells', async () => {
      await testId('label-mode').click();
      await testId('label-bar').waitFor();
      await testId('agreement-toggle').click();
      await testId('agreement-view').waitFor();
      await testId('confusion-summary').waitFor();
      await testId('rater-a').selectOption(facts.executions.A);
      await testId('rater-b').selectOption(facts.executions.B);
      const report = await call('labels:agreement', {
        bagId,
        feature: FEATURE,
        pair: [facts.executions.A, facts.executions.B],
      });
      const { labels } = report.confusion!;
      const [i, j] = [labels.indexOf(facts.disagreements[0]!.A), labels.indexOf(facts.disagreements[0]!.B)];
      const count = report.confusion!.matrix[i]![j]!;
      expect(await testId(`cell-${i}-${j}`).getAttribute('aria-label')).toBe(
        `${count} image${count === 1 ? '' : 's'}: annotator A said ${labels[i]}, annotator B said ${labels[j]}`,
      );
      const first = report.disagreements[0]!.target;
      await testId(`open-disagreement-${first}`)
        .locator('img')
        .evaluate((image) => (image as unknown as { decode(): Promise<void> }).decode());
      expect(
        await testId(`open-disagreement-${first}`)
          .locator('img')
          .evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
      ).toBeGreaterThan(0);
      await saveScreenshot(page(), 'day-agreement');
      await expectNoSeriousViolations();

      // The header stays on top while the list scrolls.
      const scroller = page().locator('.disagreement-scroll');
      await scroller.evaluate((element) => {
        (element as unknown as { scrollTop: number }).scrollTop = 200;
      });
      const [scrollBox, headBox] = [
        await scroller.boundingBox(),
        await scroller.locator('thead th').first().boundingBox(),
      ];
      expect(Math.abs(headBox!.y - scrollBox!.y)).toBeLessThanOrEqual(1);

      // Tab reaches a row; Enter opens the labeler on its image.
      await testId('agreement-toggle').focus();
      let focused: string | null = null;
      for (let presses = 0; presses < 300 && !focused?.startsWith('open-disagreement-'); presses++) {
        await page().keyboard.press('Tab');
        focused = await focusedTestId();
      }
      expect(focused).toBe(`open-disagreement-${first}`);
      await page().keyboard.press('Enter');
      await testId('label-pane').waitFor();
      expect(await viewerRid()).toBe(first);
    });

    it('has no serious axe violation in the labeler', async () => {
      await page().locator('.label-pane').waitFor();
      await expectNoSeriousViolations();
      await page().keyboard.press('Escape');
      await testId('viewer').waitFor({ state: 'detached' });
    });

    for (const width of WIDTHS) {
      it(`holds its layout at ${width} px: nothing cut off, nothing out of sight, text of 13 px`, async () => {
        await page().setViewportSize({ width, height: width === 1920 ? 1080 : 800 });
        // Each width starts in the bag in label mode, whatever the previous one left.
        if ((await testId('library').count()) > 0)
          await testId('recent-bag')
            .getByRole('button', { name: /^Open dataset / })
            .click();
        await eventually(() => testId('bag-rid').textContent()).toBe(facts.rid);
        if ((await testId('label-mode').getAttribute('aria-pressed')) !== 'true')
          await testId('label-mode').click();
        const views: [string, () => Promise<void>][] = [
          [
            'label-grid',
            async () => {
              await testId('label-bar').waitFor();
              await testId('queue-kind').selectOption('all');
              await queueShown('all');
              await testId('grid').locator('.tile img[data-loaded="true"]').first().waitFor();
            },
          ],
          [
            'labeler',
            async () => {
              await testId('grid').focus();
              await page().keyboard.press('Enter');
              await page().locator('.label-pane').waitFor();
            },
          ],
          [
            'agreement',
            async () => {
              await page().keyboard.press('Escape');
              await testId('viewer').waitFor({ state: 'detached' });
              await testId('agreement-toggle').click();
              await testId('confusion-summary').waitFor();
            },
          ],
          [
            'bag',
            async () => {
              await testId('label-mode').click();
              await testId('label-bar').waitFor({ state: 'detached' });
              await testId('grid').locator('.tile img[data-loaded="true"]').first().waitFor();
            },
          ],
          [
            'tables',
            async () => {
              await testId('tab-tables').click();
              await testId(`table-${facts.schemas.domain}:Execution_Image_Digit`).click();
              await testId('vocabulary-term').first().waitFor();
              // Vocabulary terms in table cells sit inside their 28 px rows.
              const terms = await testId('vocabulary-term').evaluateAll((elements) =>
                elements.map((element) => {
                  const term = element as unknown as {
                    getBoundingClientRect(): { top: number; bottom: number; height: number };
                    closest(
                      selector: string,
                    ): { getBoundingClientRect(): { top: number; bottom: number } } | null;
                  };
                  const box = term.getBoundingClientRect();
                  const row = term.closest('.tr')!.getBoundingClientRect();
                  return {
                    height: box.height,
                    inside: box.top >= row.top - 0.5 && box.bottom <= row.bottom + 0.5,
                  };
                }),
              );
              expect(terms.length).toBeGreaterThan(0);
              expect(terms.filter((term) => !term.inside || term.height > 28)).toEqual([]);
            },
          ],
          [
            'library',
            async () => {
              await testId('bag-header').getByRole('button', { name: '← Library' }).click();
              await testId('library').waitFor();
            },
          ],
        ];
        for (const [name, show] of views) {
          await show();
          if (name === 'label-grid')
            expect(await toolbarLines(page(), 'label-bar'), 'label toolbar lines').toBeLessThanOrEqual(2);
          const layout = await checkLayout(page());
          await saveScreenshot(page(), `day-${name}-${width}`);
          expect(layout, `${name} at ${width} px`).toEqual({
            clipped: [],
            pageOverflow: 0,
            sideways: [],
            outOfSight: [],
            tinyText: [],
            smallBodyText: [],
          });
        }
      });
    }

    it('never threw in the page and showed no error banner', async () => {
      expect(session.pageErrors).toEqual([]);
      expect(await testId('error-banner').count()).toBe(0);
    });
  },
);

describe.skipIf(e2eSkipReason() !== null)(suiteName('an element type without members (issue 12)'), () => {
  const bags = generatedBags();
  const { facts } = bags;
  const scratch = temporaryDirectory('satchel-e2e-subject-');
  let session: Session;

  /** The generated bag with a Dataset_Subject association and no rows in it: a Subject tab with no members. */
  function bagWithSubjectMembers(): string {
    const copy = path.join(scratch.dir, path.basename(bags.formatB));
    fs.cpSync(bags.formatB, copy, { recursive: true });
    const schemaFile = path.join(copy, 'data', 'schema.json');
    const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as {
      schemas: Record<string, { tables: Record<string, unknown> }>;
    };
    const domain = schema.schemas[facts.schemas.domain]!;
    domain.tables.Dataset_Subject = JSON.parse(
      JSON.stringify(domain.tables.Dataset_Image).replaceAll('Image', 'Subject'),
    ) as unknown;
    fs.writeFileSync(schemaFile, JSON.stringify(schema));
    return copy;
  }

  beforeAll(async () => {
    session = await openSession({ bag: bagWithSubjectMembers() });
  });

  afterAll(async () => {
    await session?.close();
    scratch.cleanup();
  });

  it('says where the subjects are instead of "No rows.", and shows them in one click', async () => {
    const { page } = session;
    await eventually(() => page.getByTestId('bag-rid').textContent()).toBe(facts.rid);
    await page.getByTestId('tab-Subject').click();
    const empty = page.getByTestId('table-empty');
    await empty.waitFor();
    const subjects = facts.subjects.filter((subject) => subject.release === '1.0.0').length;
    expect(await empty.textContent()).toContain(`No Subject is a member of dataset ${facts.rid}`);
    expect(await empty.textContent()).toContain(`The bag holds ${subjects} Subject rows`);
    await saveScreenshot(page, 'day-subject-empty');
    await page.getByTestId('open-element-table').click();
    await eventually(() => page.getByTestId('table-status').textContent()).toBe(`${subjects} rows`);
    expect(await page.getByTestId('tab-tables').getAttribute('aria-selected')).toBe('true');
    expect(session.pageErrors).toEqual([]);
  });
});
