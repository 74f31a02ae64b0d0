/**
 * An annotator's session on the generated Format B bag in browser mode: label mode on Image/Digit, 50
 * images labeled with the term keys alone (typed as fast as playwright types), a failing call, the
 * values form, remapped keys, 20 tiles bulk-labeled in one action, undo and redo of that action, a
 * restart of the server on the same workspace (every label is still there), the agreement view of
 * annotators A and B, and drafts export/import. The keys are read from the app's own key settings, not
 * assumed. Each screen is kept as test-artifacts/screenshots/labeling-*.png.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { startServeProcess, type ServeProcess } from '../../bench/browser.js';
import { generatedBags } from '../support/bags.js';
import {
  e2eSkipReason,
  eventually,
  openSession,
  saveScreenshot,
  startupBag,
  suiteName,
  type Session,
} from './support.js';

const FEATURE = 'Image/Digit';
const LABEL_COLUMN = 'Digit';
const BY_KEYS = 50;
const BULK = 20;

/** A term and the key that labels with it, as the key settings show it ("2", or "B" for b). */
interface TermKey {
  term: string;
  label: string;
  /** What to press: the shown key, letters in lower case. */
  key: string;
}

describe.skipIf(e2eSkipReason() !== null)(suiteName('labeling the generated bag in Chromium'), () => {
  const bags = generatedBags();
  const { facts } = bags;
  const members = facts.images.filter((image) => image.release === '1.0.0').length;
  /** The Digit vocabulary: every digit the world's images show. */
  const digits = [...new Set(facts.images.map((image) => image.digit))].sort();
  let session: Session;
  /** The server now running: the one openSession started, then the one started after the restart. */
  let server: ServeProcess;
  let restarted: ServeProcess | undefined;
  let bagId: string;
  /** The unlabeled queue as it was before any label: every Image in RID order. */
  let queue: string[];
  /** Every term of the feature in the key settings' order, and the ones that have a key. */
  let terms: string[];
  let keyed: TermKey[];
  /** The key typed for the i-th image of the queue, and the term it sets: cycling through the keyed terms. */
  const keyAt = (index: number) => keyed[index % keyed.length]!;

  beforeAll(async () => {
    session = await openSession({ bag: bags.formatB });
    server = session.server;
  });

  afterAll(async () => {
    await restarted?.stop();
    await session?.close();
  });

  const page = (): Page => session.page;
  const progress = () => page().getByTestId('label-progress');
  const labeled = async () => Number(await progress().getAttribute('data-labeled'));
  const viewerRid = () => page().getByTestId('viewer-rid').textContent();
  const badge = (rid: string) => page().getByTestId(`tile-${rid}`).getByTestId('draft-value');

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
    return new Map(drafts.map((draft) => [draft.target, draft.values[LABEL_COLUMN]]));
  }

  /** The mapping the key settings dialog shows, in its order. */
  async function readKeySettings(): Promise<{ terms: string[]; keyed: TermKey[] }> {
    await page().getByTestId('key-settings-button').click();
    const settings = page().getByTestId('key-settings');
    await settings.waitFor();
    const rows = await settings.locator('[data-testid^="key-for-"]').evaluateAll((buttons) =>
      buttons.map((button) => ({
        term: button.getAttribute('data-testid')!.slice('key-for-'.length),
        label: button.querySelector('kbd')?.textContent ?? '',
      })),
    );
    await page().keyboard.press('Escape');
    await settings.waitFor({ state: 'detached' });
    return {
      terms: rows.map((row) => row.term),
      keyed: rows
        .filter((row) => row.label !== '—')
        .map((row) => ({ ...row, key: row.label.length === 1 ? row.label.toLowerCase() : row.label })),
    };
  }

  it('turns on label mode with the feature, its progress, its keys and the work queue picker', async () => {
    await eventually(() => page().getByTestId('bag-rid').textContent()).toBe(facts.rid);
    await eventually(() => page().getByTestId('grid-status').textContent()).toContain(
      `${members} Image members`,
    );
    bagId = (await startupBag(session)).bagId;
    await page().getByTestId('label-mode').click();
    await progress().waitFor();
    expect(await page().getByTestId('label-feature').inputValue()).toBe(FEATURE);
    expect(await progress().getAttribute('data-total')).toBe(String(members));
    expect(await labeled()).toBe(0);

    ({ terms, keyed } = await readKeySettings());
    expect(terms).toEqual(digits);
    // A vocabulary of digits: each digit key labels its own digit (1 sets "1", 0 sets "0").
    expect(keyed).toEqual(digits.map((digit) => ({ term: digit, label: digit, key: digit })));

    await page().getByTestId('queue-kind').selectOption('unlabeled');
    await queueShown('unlabeled', members);
    queue = (await call('labels:queue', { bagId, feature: FEATURE, kind: 'unlabeled' })).targets;
    expect([...queue].sort()).toEqual(
      facts.images
        .filter((image) => image.release === '1.0.0')
        .map((image) => image.rid)
        .sort(),
    );
    await page().getByTestId(`tile-${queue[0]}`).locator('img[data-loaded="true"]').waitFor();
    await saveScreenshot(page(), 'labeling-grid');
  });

  it(`labels ${BY_KEYS} images with the term keys alone, in order, however fast they are typed`, async () => {
    await page().getByTestId('grid').focus();
    await page().keyboard.press('Enter');
    await page().getByTestId('label-pane').waitFor();
    expect(await viewerRid()).toBe(queue[0]);
    // The label pane shows the same keys as the settings.
    for (const { term, label } of keyed)
      expect(await page().getByTestId(`term-${term}`).locator('kbd').textContent(), term).toBe(label);
    for (let index = 0; index < BY_KEYS; index++) await page().keyboard.press(keyAt(index).key);
    await eventually(labeled).toBe(BY_KEYS);
    expect(await viewerRid()).toBe(queue[BY_KEYS]);
    expect(await page().getByTestId('viewer-position').textContent()).toBe(`${BY_KEYS + 1} of ${members}`);
    const drafts = await draftsByTarget();
    expect(drafts.size).toBe(BY_KEYS);
    for (let index = 0; index < BY_KEYS; index++)
      expect(drafts.get(queue[index]!), queue[index]).toBe(keyAt(index).term);
    // The next image is preloaded: it is on screen at full size, not a blank stage.
    await page().locator('[data-testid="viewer-image"][data-original="true"]').waitFor();
    await saveScreenshot(page(), 'labeling-viewer');

    // ← shows the previous image with its draft, → comes back.
    const previous = keyAt(BY_KEYS - 1).term;
    await page().keyboard.press('ArrowLeft');
    await eventually(viewerRid).toBe(queue[BY_KEYS - 1]);
    await eventually(() => page().getByTestId('current-draft').getAttribute('data-value')).toBe(previous);
    expect(await page().getByTestId(`term-${previous}`).getAttribute('aria-pressed')).toBe('true');
    await page().keyboard.press('ArrowRight');
    await eventually(viewerRid).toBe(queue[BY_KEYS]);
  });

  it('shows the sentence of a failed call and stays on the image', async () => {
    await page().route(
      '**/api/labels:set',
      (route) =>
        route.fulfill({ json: { ok: false, error: { kind: 'internal', message: 'The disk is full.' } } }),
      { times: 1 },
    );
    await page().keyboard.press(keyed[0]!.key);
    await eventually(() => page().getByTestId('label-error').textContent()).toContain('The disk is full.');
    expect(await viewerRid()).toBe(queue[BY_KEYS]);
    expect(await labeled()).toBe(BY_KEYS);
    expect((await draftsByTarget()).has(queue[BY_KEYS]!)).toBe(false);
    await saveScreenshot(page(), 'labeling-failed-call');
    await page().unroute('**/api/labels:set');
  });

  it('checks the values form against the record shape before saving, then clears with Backspace', async () => {
    // The form sets any term, with or without a key: the last one.
    const term = terms.at(-1)!;
    await page().keyboard.press('e');
    const form = page().getByTestId('record-form');
    await form.waitFor();
    await page().getByTestId(`field-${LABEL_COLUMN}`).selectOption(term);
    await page().getByTestId('field-Confidence').fill('high');
    await page().getByTestId('field-Confidence').press('Enter');
    await eventually(() => page().getByTestId('form-refused').textContent()).toContain(
      'Confidence must be a number, not "high".',
    );
    await saveScreenshot(page(), 'labeling-form-refused');
    expect((await draftsByTarget()).has(queue[BY_KEYS]!)).toBe(false);
    await page().getByTestId('field-Confidence').fill('0.9');
    await page().getByTestId('field-Confidence').press('Enter');
    await form.waitFor({ state: 'detached' });
    await eventually(labeled).toBe(BY_KEYS + 1);
    const [saved] = await call('labels:drafts', { bagId, feature: FEATURE, targets: [queue[BY_KEYS]!] });
    expect(saved?.values).toEqual({ [LABEL_COLUMN]: term, Confidence: 0.9 });
    expect(await page().getByTestId('current-draft').getAttribute('data-value')).toBe(term);
    await page().keyboard.press('Backspace');
    await eventually(labeled).toBe(BY_KEYS);
    await eventually(() => page().getByTestId('current-draft').getAttribute('data-value')).toBe('');
    await page().keyboard.press('Escape');
    await page().getByTestId('viewer').waitFor({ state: 'detached' });
  });

  it('remaps a term key, refuses a conflict, and lists the mapping in the ? overlay', async () => {
    const [first, second] = [keyed[0]!, keyed[1]!];
    await page().getByTestId('key-settings-button').click();
    const settings = page().getByTestId('key-settings');
    await settings.waitFor();
    await page().getByTestId(`key-for-${first.term}`).click();
    await page().keyboard.press(second.key);
    await eventually(() => page().getByTestId('key-message').textContent()).toBe(
      `Not changed: ${second.label} already labels ${second.term}.`,
    );
    await page().keyboard.press('b');
    await eventually(() => page().getByTestId('key-message').textContent()).toBe(
      `${first.term} is now on B.`,
    );
    await saveScreenshot(page(), 'labeling-keys');
    await page().keyboard.press('Escape');
    await settings.waitFor({ state: 'detached' });
    await page().getByTestId('grid').focus();
    await page().keyboard.press('?');
    const overlay = page().getByTestId('shortcut-overlay');
    await overlay.waitFor();
    const labelKeys = overlay.locator('.shortcut', { hasText: /^.+Label / });
    const listed = await labelKeys.evaluateAll((rows) => rows.map((row) => row.textContent));
    expect(await overlay.textContent()).toContain(`Label mode: ${FEATURE} terms`);
    expect(listed).toContain(`BLabel ${first.term}`);
    expect(listed).toContain(`${second.label}Label ${second.term}`);
    expect(listed).not.toContain(`${first.label}Label ${first.term}`);
    await saveScreenshot(page(), 'labeling-shortcuts');
    await page().keyboard.press('Escape');
    await overlay.waitFor({ state: 'detached' });
    // Back to the defaults for the rest of the session.
    await page().getByTestId('key-settings-button').click();
    await settings.getByRole('button', { name: 'Reset to the default keys' }).click();
    await page().keyboard.press('Escape');
    await settings.waitFor({ state: 'detached' });
    expect((await readKeySettings()).keyed).toEqual(keyed);
  });

  it(`bulk-labels ${BULK} tiles picked with click and shift-click in one action`, async () => {
    const third = keyed[2]!;
    await page().getByTestId('queue-kind').selectOption('all');
    await queueShown('all', members);
    await page().getByTestId('queue-kind').selectOption('unlabeled');
    await queueShown('unlabeled', members - BY_KEYS);
    const bulk = queue.slice(BY_KEYS, BY_KEYS + BULK);
    await page().getByTestId(`tile-${bulk[0]}`).click();
    await page()
      .getByTestId(`tile-${bulk.at(-1)}`)
      .click({ modifiers: ['Shift'] });
    await eventually(() => page().getByTestId('grid-status').textContent()).toContain(`· ${BULK} selected`);
    await page().keyboard.press(third.key);
    await eventually(labeled).toBe(BY_KEYS + BULK);
    for (const rid of bulk) await eventually(() => badge(rid).textContent()).toBe(third.term);
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
    await eventually(() => page().getByTestId('grid-status').textContent()).not.toMatch(/· \d+ selected/);
    await page().keyboard.press('Control+z');
    await eventually(labeled).toBe(BY_KEYS);
    for (const rid of bulk) await eventually(() => badge(rid).count()).toBe(0);
    // Undo shows what it changed: the twenty tiles are selected again.
    await eventually(() => page().getByTestId('grid-status').textContent()).toContain(`· ${BULK} selected`);
    expect((await draftsByTarget()).size).toBe(BY_KEYS);
    await saveScreenshot(page(), 'labeling-undo');
    await page().keyboard.press('Control+Shift+z');
    await eventually(labeled).toBe(BY_KEYS + BULK);
    for (const rid of bulk) await eventually(() => badge(rid).textContent()).toBe(keyed[2]!.term);
    expect((await draftsByTarget()).size).toBe(BY_KEYS + BULK);
  });

  it('finds every label after a restart of the server on the same workspace', async () => {
    await server.stop();
    restarted = await startServeProcess({ workspace: session.workspace, bag: bags.formatB });
    server = restarted;
    await page().goto(server.url);
    await eventually(() => page().getByTestId('bag-rid').textContent()).toBe(facts.rid);
    // The workspace remembers the view: the bag reopens in label mode, on the same feature.
    await eventually(() => page().getByTestId('label-mode').getAttribute('aria-pressed')).toBe('true');
    await eventually(() => page().getByTestId('label-feature').inputValue()).toBe(FEATURE);
    await eventually(labeled).toBe(BY_KEYS + BULK);
    await page().getByTestId('queue-kind').selectOption('all');
    await queueShown('all', members);
    for (let index = 0; index < 10; index++)
      await eventually(() => badge(queue[index]!).textContent()).toBe(keyAt(index).term);
    const drafts = await draftsByTarget();
    expect(drafts.size).toBe(BY_KEYS + BULK);
    for (let index = 0; index < BY_KEYS; index++) expect(drafts.get(queue[index]!)).toBe(keyAt(index).term);
    for (const rid of queue.slice(BY_KEYS, BY_KEYS + BULK)) expect(drafts.get(rid)).toBe(keyed[2]!.term);
    await saveScreenshot(page(), 'labeling-restart');
  });

  it("shows annotators A and B in the agreement view and opens a disagreement cell's images", async () => {
    const { executions, digit } = facts;
    const sharedByAB = Object.keys(digit.B).filter((rid) => rid in digit.A);
    const disagreeing = sharedByAB.filter((rid) => digit.A[rid] !== digit.B[rid]);
    expect(disagreeing.sort()).toEqual(facts.disagreements.map((entry) => entry.image).sort());

    // The cell's images are opened below to see the raters' labels: blind labeling would hide them.
    await page().getByTestId('blind-toggle').uncheck();
    await page().getByTestId('agreement-toggle').click();
    await page().getByTestId('agreement-view').waitFor();
    const summary = page().getByTestId('confusion-summary');
    await summary.waitFor();
    expect(await page().getByTestId('rater-a').inputValue()).toBe(executions.A);
    expect(await page().getByTestId('rater-b').inputValue()).toBe(executions.B);
    expect(await summary.getAttribute('data-shared')).toBe(String(sharedByAB.length));
    expect(await summary.getAttribute('data-disagreements')).toBe(String(disagreeing.length));
    // Each rater with the number of images it labeled; this workspace's drafts are one of them.
    const imagesOf = (rater: string) =>
      page().getByTestId(`rater-${rater}`).locator('td.number').textContent();
    expect(await imagesOf(executions.A)).toBe(String(Object.keys(digit.A).length));
    expect(await imagesOf(executions.B)).toBe(String(Object.keys(digit.B).length));
    expect(await imagesOf(executions.model)).toBe(String(Object.keys(digit.model).length));
    expect(await imagesOf('drafts')).toBe(String(BY_KEYS + BULK));
    expect(await page().getByTestId(`rater-${executions.A}`).textContent()).toContain('annotator A');
    expect(await page().getByTestId(`rater-${executions.B}`).textContent()).toContain('annotator B');
    expect(await page().getByTestId('fleiss').textContent()).toMatch(/Fleiss' κ -?\d\.\d\d/);
    await saveScreenshot(page(), 'labeling-agreement');

    // The cell of the most frequent disagreement (A said x, B said y) holds exactly those images.
    const cells = new Map<string, string[]>();
    for (const entry of facts.disagreements)
      cells.set(`${entry.A},${entry.B}`, [...(cells.get(`${entry.A},${entry.B}`) ?? []), entry.image]);
    const [pair, images] = [...cells].sort(
      (a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]),
    )[0]!;
    const [saidA, saidB] = pair.split(',');
    const report = await call('labels:agreement', { bagId, feature: FEATURE });
    const row = report.confusion!.labels.indexOf(saidA!);
    const column = report.confusion!.labels.indexOf(saidB!);
    const targets = report.confusion!.targets[`${row},${column}`]!;
    expect([...targets].sort()).toEqual([...images].sort());
    const cell = page().getByTestId(`cell-${row}-${column}`);
    expect(await cell.textContent()).toBe(String(images.length));
    await cell.click();
    await page().getByTestId('label-pane').waitFor();
    expect(await viewerRid()).toBe(targets[0]);
    expect(await page().getByTestId('viewer-position').textContent()).toBe(`1 of ${targets.length}`);
    await page().getByTestId('feature-disagreement').waitFor();
    await saveScreenshot(page(), 'labeling-agreement-cell');
    await page().keyboard.press('Escape');
    await queueShown('targets', targets.length);
  });

  it('exports the drafts as a file and imports one, listing the rejected lines', async () => {
    const download = page().waitForEvent('download');
    await page().getByTestId('drafts-menu').locator('summary').click();
    await page().getByTestId('export-jsonl').click();
    const file = await (await download).path();
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(BY_KEYS + BULK);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      Execution: null,
      Feature_Name: LABEL_COLUMN,
      Image: queue[0],
      [LABEL_COLUMN]: keyAt(0).term,
    });

    const text = `${lines[0]}\n{"Image":"${queue.at(-1)}","${LABEL_COLUMN}":"Horse"}\n`;
    await page()
      .getByTestId('import-file')
      .setInputFiles({ name: 'drafts.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(text) });
    const imported = page().getByTestId('import-report');
    await imported.waitFor();
    expect(await imported.textContent()).toContain('imported 1 record');
    expect(await page().getByTestId('import-rejects').textContent()).toContain(
      `line 2 ${LABEL_COLUMN} must be one of ${terms.join(', ')}, not "Horse".`,
    );
    expect(await labeled()).toBe(BY_KEYS + BULK);
    await saveScreenshot(page(), 'labeling-import');
  });

  it('never threw in the page and showed no error banner', async () => {
    expect(session.pageErrors).toEqual([]);
    expect(await page().getByTestId('error-banner').count()).toBe(0);
  });
});
