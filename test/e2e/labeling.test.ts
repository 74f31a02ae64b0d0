/**
 * An annotator's session on the real BCCD bag in browser mode: label mode on Image/Cell_Type, 50
 * images labeled with digit keys alone (typed as fast as playwright types), a failing call, the values
 * form, remapped keys, 20 tiles bulk-labeled in one action, undo and redo of that action, a restart of
 * the server on the same workspace (every label is still there), the agreement view of annotators A and
 * B, and drafts export/import. Each screen is kept as test-artifacts/screenshots/labeling-*.png.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { startServeProcess, type ServeProcess } from '../../bench/browser.js';
import { expectedFacts, fixtureBags } from '../support/fixtures.js';
import {
  e2eSkipReason,
  openSession,
  saveScreenshot,
  suiteName,
  UI_TIMEOUT_MS,
  type Session,
} from './support.js';

const FEATURE = 'Image/Cell_Type';
const TERMS = ['Basophil', 'Eosinophil', 'Lymphocyte', 'Monocyte', 'Neutrophil'];
const BY_KEYS = 50;
const BULK = 20;
/** The term the digit typed for the i-th image of the queue sets: 1, 2, 3, 4, 5, 1, … */
const keyFor = (index: number) => String((index % TERMS.length) + 1);
const termFor = (index: number) => TERMS[index % TERMS.length]!;

describe.skipIf(e2eSkipReason() !== null)(suiteName('labeling the BCCD bag in Chromium'), () => {
  let session: Session;
  /** The server now running: the one openSession started, then the one started after the restart. */
  let server: ServeProcess;
  let restarted: ServeProcess | undefined;
  let bagId: string;
  /** The unlabeled queue as it was before any label: every Image in RID order. */
  let queue: string[];

  beforeAll(async () => {
    session = await openSession({ bag: fixtureBags.formatB });
    server = session.server;
  });

  afterAll(async () => {
    await restarted?.stop();
    await session?.close();
  });

  const page = (): Page => session.page;
  const progress = () => page().getByTestId('label-progress');
  const labeled = async () => Number(await progress().getAttribute('data-labeled'));

  /** Waits for the work queue of `kind` to be the one on screen (the grid is remounted for each queue). */
  const queueShown = (kind: string, count: number) =>
    page().locator(`[data-testid="queue-size"][data-kind="${kind}"][data-count="${count}"]`).waitFor();

  async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
    const reply = await page().request.post(`${server.origin}/api/${channel}`, { data: request });
    const result = (await reply.json()) as ApiResult<C>;
    if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
    return result.value;
  }

  async function draftsByTarget(): Promise<Map<string, unknown>> {
    const drafts = await call('labels:drafts', { bagId, feature: FEATURE });
    return new Map(drafts.map((draft) => [draft.target, draft.values.Cell_Type]));
  }

  it('turns on label mode with the feature, its progress and the work queue picker', async () => {
    await expect.poll(() => page().getByTestId('bag-rid').textContent()).toBe('58A');
    await expect.poll(() => page().getByTestId('grid-status').textContent()).toContain('300 Image members');
    bagId = (
      (await (await page().request.get(`${server.origin}/api/startup`)).json()) as { bag: { bagId: string } }
    ).bag.bagId;
    await page().getByTestId('label-mode').click();
    await progress().waitFor();
    expect(await page().getByTestId('label-feature').inputValue()).toBe(FEATURE);
    expect(await progress().getAttribute('data-total')).toBe('300');
    expect(await labeled()).toBe(0);
    await page().getByTestId('queue-kind').selectOption('unlabeled');
    await queueShown('unlabeled', 300);
    queue = (await call('labels:queue', { bagId, feature: FEATURE, kind: 'unlabeled' })).targets;
    expect(queue).toHaveLength(300);
    await page().getByTestId(`tile-${queue[0]}`).locator('img[data-loaded="true"]').waitFor();
    await saveScreenshot(page(), 'labeling-grid');
  });

  it(`labels ${BY_KEYS} images with digit keys alone, in order, however fast they are typed`, async () => {
    await page().getByTestId('grid').focus();
    await page().keyboard.press('Enter');
    await page().getByTestId('label-pane').waitFor();
    expect(await page().getByTestId('viewer-rid').textContent()).toBe(queue[0]);
    for (let index = 0; index < BY_KEYS; index++) await page().keyboard.press(keyFor(index));
    await expect.poll(labeled, { timeout: UI_TIMEOUT_MS }).toBe(BY_KEYS);
    expect(await page().getByTestId('viewer-rid').textContent()).toBe(queue[BY_KEYS]);
    expect(await page().getByTestId('viewer-position').textContent()).toBe(`${BY_KEYS + 1} of 300`);
    const drafts = await draftsByTarget();
    expect(drafts.size).toBe(BY_KEYS);
    for (let index = 0; index < BY_KEYS; index++)
      expect(drafts.get(queue[index]!), queue[index]).toBe(termFor(index));
    // The next image is preloaded: it is on screen at full size, not a blank stage.
    await page().locator('[data-testid="viewer-image"][data-original="true"]').waitFor();
    await saveScreenshot(page(), 'labeling-viewer');

    // ← shows the previous image with its draft, → comes back.
    await page().keyboard.press('ArrowLeft');
    await expect.poll(() => page().getByTestId('viewer-rid').textContent()).toBe(queue[BY_KEYS - 1]);
    await expect
      .poll(() => page().getByTestId('current-draft').getAttribute('data-value'))
      .toBe(termFor(BY_KEYS - 1));
    expect(
      await page()
        .getByTestId(`term-${termFor(BY_KEYS - 1)}`)
        .getAttribute('aria-pressed'),
    ).toBe('true');
    await page().keyboard.press('ArrowRight');
    await expect.poll(() => page().getByTestId('viewer-rid').textContent()).toBe(queue[BY_KEYS]);
  });

  it('shows the sentence of a failed call and stays on the image', async () => {
    await page().route(
      '**/api/labels:set',
      (route) =>
        route.fulfill({ json: { ok: false, error: { kind: 'internal', message: 'The disk is full.' } } }),
      { times: 1 },
    );
    await page().keyboard.press('1');
    await expect.poll(() => page().getByTestId('label-error').textContent()).toContain('The disk is full.');
    expect(await page().getByTestId('viewer-rid').textContent()).toBe(queue[BY_KEYS]);
    expect(await labeled()).toBe(BY_KEYS);
    await saveScreenshot(page(), 'labeling-failed-call');
    await page().unroute('**/api/labels:set');
  });

  it('checks the values form against the record shape before saving, then clears with Backspace', async () => {
    await page().keyboard.press('e');
    const form = page().getByTestId('record-form');
    await form.waitFor();
    await page().getByTestId('field-Cell_Type').selectOption('Monocyte');
    await page().getByTestId('field-Confidence').fill('high');
    await page().getByTestId('field-Confidence').press('Enter');
    await expect
      .poll(() => page().getByTestId('form-refused').textContent())
      .toContain('Confidence must be a number, not "high".');
    await saveScreenshot(page(), 'labeling-form-refused');
    expect((await draftsByTarget()).has(queue[BY_KEYS]!)).toBe(false);
    await page().getByTestId('field-Confidence').fill('0.9');
    await page().getByTestId('field-Confidence').press('Enter');
    await form.waitFor({ state: 'detached' });
    await expect.poll(labeled).toBe(BY_KEYS + 1);
    const [saved] = await call('labels:drafts', { bagId, feature: FEATURE, targets: [queue[BY_KEYS]!] });
    expect(saved?.values).toEqual({ Cell_Type: 'Monocyte', Confidence: 0.9 });
    expect(await page().getByTestId('current-draft').getAttribute('data-value')).toBe('Monocyte');
    await page().keyboard.press('Backspace');
    await expect.poll(labeled).toBe(BY_KEYS);
    await expect.poll(() => page().getByTestId('current-draft').getAttribute('data-value')).toBe('');
    await page().keyboard.press('Escape');
    await page().getByTestId('viewer').waitFor({ state: 'detached' });
  });

  it('remaps a term key, refuses a conflict, and lists the mapping in the ? overlay', async () => {
    await page().getByTestId('key-settings-button').click();
    const settings = page().getByTestId('key-settings');
    await settings.waitFor();
    await page().getByTestId('key-for-Basophil').click();
    await page().keyboard.press('2');
    await expect
      .poll(() => page().getByTestId('key-message').textContent())
      .toBe('Not changed: 2 already labels Eosinophil.');
    await page().keyboard.press('b');
    await expect.poll(() => page().getByTestId('key-message').textContent()).toBe('Basophil is now on B.');
    await saveScreenshot(page(), 'labeling-keys');
    await page().keyboard.press('Escape');
    await settings.waitFor({ state: 'detached' });
    await page().getByTestId('grid').focus();
    await page().keyboard.press('?');
    const overlay = page().getByTestId('shortcut-overlay');
    await overlay.waitFor();
    const text = (await overlay.textContent()) ?? '';
    expect(text).toContain('Label mode: Image/Cell_Type terms');
    expect(text).toContain('BLabel Basophil');
    expect(text).toContain('2Label Eosinophil');
    await saveScreenshot(page(), 'labeling-shortcuts');
    await page().keyboard.press('Escape');
    await overlay.waitFor({ state: 'detached' });
    // Back to 1–9 for the rest of the session.
    await page().getByTestId('key-settings-button').click();
    await settings.getByRole('button', { name: 'Reset to 1–9' }).click();
    await page().keyboard.press('Escape');
    await settings.waitFor({ state: 'detached' });
  });

  it(`bulk-labels ${BULK} tiles picked with click and shift-click in one action`, async () => {
    await page().getByTestId('queue-kind').selectOption('all');
    await queueShown('all', 300);
    await page().getByTestId('queue-kind').selectOption('unlabeled');
    await queueShown('unlabeled', 300 - BY_KEYS);
    const bulk = queue.slice(BY_KEYS, BY_KEYS + BULK);
    await page().getByTestId(`tile-${bulk[0]}`).click();
    await page()
      .getByTestId(`tile-${bulk.at(-1)}`)
      .click({ modifiers: ['Shift'] });
    await expect.poll(() => page().getByTestId('grid-status').textContent()).toContain(`· ${BULK} selected`);
    await page().keyboard.press('3');
    await expect.poll(labeled).toBe(BY_KEYS + BULK);
    for (const rid of bulk)
      await expect
        .poll(() => page().getByTestId(`tile-${rid}`).getByTestId('draft-badge').textContent())
        .toContain('Lymphocyte');
    const history = await call('labels:history', { bagId, limit: 100 });
    const newest = history[0]!.actionId;
    const action = history.filter((entry) => entry.actionId === newest);
    expect(action.map((entry) => entry.target).sort()).toEqual([...bulk].sort());
    expect(action.every((entry) => entry.kind === 'set')).toBe(true);
    await saveScreenshot(page(), 'labeling-bulk');
  });

  it('undoes the bulk label in one step with Ctrl+Z and redoes it with Ctrl+Shift+Z', async () => {
    const bulk = queue.slice(BY_KEYS, BY_KEYS + BULK);
    await page().keyboard.press('Escape');
    await expect.poll(() => page().getByTestId('grid-status').textContent()).not.toMatch(/· \d+ selected/);
    await page().keyboard.press('Control+z');
    await expect.poll(labeled).toBe(BY_KEYS);
    await expect.poll(() => page().getByTestId(`tile-${bulk[0]}`).getByTestId('draft-badge').count()).toBe(0);
    // Undo shows what it changed: the twenty tiles are selected again.
    await expect.poll(() => page().getByTestId('grid-status').textContent()).toContain(`· ${BULK} selected`);
    expect((await draftsByTarget()).size).toBe(BY_KEYS);
    await saveScreenshot(page(), 'labeling-undo');
    await page().keyboard.press('Control+Shift+z');
    await expect.poll(labeled).toBe(BY_KEYS + BULK);
    await expect.poll(() => page().getByTestId(`tile-${bulk[0]}`).getByTestId('draft-badge').count()).toBe(1);
    expect((await draftsByTarget()).size).toBe(BY_KEYS + BULK);
  });

  it('finds every label after a restart of the server on the same workspace', async () => {
    await server.stop();
    restarted = await startServeProcess({ workspace: session.workspace, bag: fixtureBags.formatB });
    server = restarted;
    await page().goto(server.url);
    await expect.poll(() => page().getByTestId('bag-rid').textContent()).toBe('58A');
    await page().getByTestId('label-mode').click();
    await expect.poll(labeled).toBe(BY_KEYS + BULK);
    await page().getByTestId('queue-kind').selectOption('all');
    await queueShown('all', 300);
    for (let index = 0; index < 10; index++)
      await expect
        .poll(() => page().getByTestId(`tile-${queue[index]}`).getByTestId('draft-badge').textContent())
        .toContain(termFor(index));
    const drafts = await draftsByTarget();
    expect(drafts.size).toBe(BY_KEYS + BULK);
    for (let index = 0; index < BY_KEYS; index++) expect(drafts.get(queue[index]!)).toBe(termFor(index));
    for (const rid of queue.slice(BY_KEYS, BY_KEYS + BULK)) expect(drafts.get(rid)).toBe('Lymphocyte');
    await saveScreenshot(page(), 'labeling-restart');
  });

  it("shows annotators A and B in the agreement view and opens a disagreement cell's images", async () => {
    const facts = expectedFacts().bccd;
    await page().getByTestId('agreement-toggle').click();
    const view = page().getByTestId('agreement-view');
    await view.waitFor();
    const summary = page().getByTestId('confusion-summary');
    await summary.waitFor();
    expect(await page().getByTestId('rater-a').inputValue()).toBe(facts.executions.A);
    expect(await page().getByTestId('rater-b').inputValue()).toBe(facts.executions.B);
    expect(await summary.getAttribute('data-shared')).toBe(String(facts.annotator_overlap_images));
    expect(await summary.getAttribute('data-disagreements')).toBe(
      String(facts.annotator_disagreements.length),
    );
    expect(await page().getByTestId('rater-drafts').textContent()).toContain(String(BY_KEYS + BULK));
    expect(await page().getByTestId(`rater-${facts.executions.A}`).textContent()).toContain('annotator A');
    expect(await page().getByTestId('fleiss').textContent()).toMatch(/Fleiss' κ -?\d\.\d\d/);
    await saveScreenshot(page(), 'labeling-agreement');

    const report = await call('labels:agreement', { bagId, feature: FEATURE });
    const neutrophil = report.confusion!.labels.indexOf('Neutrophil');
    const eosinophil = report.confusion!.labels.indexOf('Eosinophil');
    const targets = report.confusion!.targets[`${neutrophil},${eosinophil}`]!;
    expect(targets.length).toBeGreaterThan(0);
    await page().getByTestId(`cell-${neutrophil}-${eosinophil}`).click();
    await page().getByTestId('label-pane').waitFor();
    expect(await page().getByTestId('viewer-rid').textContent()).toBe(targets[0]);
    expect(await page().getByTestId('viewer-position').textContent()).toBe(`1 of ${targets.length}`);
    await page().getByTestId('feature-disagreement').waitFor();
    await saveScreenshot(page(), 'labeling-agreement-cell');
    await page().keyboard.press('Escape');
    await queueShown('targets', targets.length);
  });

  it('exports the drafts as a file and imports one, listing the rejected lines', async () => {
    const download = page().waitForEvent('download');
    await page().getByTestId('export-jsonl').click();
    const file = await (await download).path();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(BY_KEYS + BULK);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      Execution: null,
      Feature_Name: 'Cell_Type',
      Image: queue[0],
    });

    const text = `${lines[0]}\n{"Image":"${queue[299]}","Cell_Type":"Horse"}\n`;
    await page()
      .getByTestId('import-file')
      .setInputFiles({ name: 'drafts.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
    const imported = page().getByTestId('import-report');
    await imported.waitFor();
    expect(await imported.textContent()).toContain('imported 1 record');
    expect(await page().getByTestId('import-rejects').textContent()).toContain(
      'line 2 Cell_Type must be one of Basophil, Eosinophil, Lymphocyte, Monocyte, Neutrophil, not "Horse".',
    );
    expect(await labeled()).toBe(BY_KEYS + BULK);
    await saveScreenshot(page(), 'labeling-import');
  });

  it('never threw in the page and showed no error banner', async () => {
    expect(session.pageErrors).toEqual([]);
    expect(await page().getByTestId('error-banner').count()).toBe(0);
  });
});
