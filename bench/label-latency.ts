/**
 * Labeling latency on the sample world's bag (300 images, feature Image/Digit, written by Satchel's own
 * code; see world-bag.ts):
 * (a) keypress → durable: `labels:set` of one image through the API worker host (what Electron and
 *     browser mode call), on a workspace database in WAL with synchronous=FULL, so a resolved call is on
 *     disk. Peer: the floor, one upsert + commit of the same shape done directly with better-sqlite3 on a
 *     plain table with the same pragmas, in the same folder.
 * (b) keypress → next image painted: in browser mode (Chromium), from a digit's keydown (its event
 *     timestamp) to the paint of the next image of the queue on the viewer's stage (Element Timing).
 *     No honest peer.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../shared/contract.js';
import { startApiHost, type ApiHost } from '../main/core/api/index.js';
import { WORLD_DESIGN } from '../main/core/sample/index.js';
import { launchChromium, startServeProcess } from './browser.js';
import { latencyFigure, percentile, type BenchContext, type Figure } from './context.js';
import { peerlessFigure } from './peerless-figure.js';
import { FEATURE_ID, FEATURE_TERM_TABLE, termNames } from './synthetic/model.js';
import { sampleWorldBag } from './world-bag.js';

const FEATURE = FEATURE_ID;
const TERMS = termNames(FEATURE_TERM_TABLE);
/** The labeler binds the digit keys 1–9 to the first nine terms. */
const BOUND_KEYS = Math.min(9, TERMS.length);
const WARM_UP = 20;
const DURABLE_GOAL_MS = 3;
const PAINT_GOAL_MS = 33;
const VIEWPORT = { width: 1280, height: 800 };
const UI_TIMEOUT_MS = 30_000;

function labels(context: BenchContext): number {
  return context.scale.smoke ? 200 : 500;
}

function keypresses(context: BenchContext): number {
  return context.scale.smoke ? 40 : 500;
}

/** The i-th label of a run: targets cycle through the bag, and every pass picks another term, so each call changes a draft. */
function labelAt(rids: readonly string[], index: number): { target: string; term: string } {
  const pass = Math.floor(index / rids.length);
  return { target: rids[index % rids.length]!, term: TERMS[(index + pass) % TERMS.length]! };
}

async function call<C extends Channel>(
  host: ApiHost,
  channel: C,
  request: RequestOf<C>,
): Promise<ResponseOf<C>> {
  const result = (await host.handle(channel, request)) as ApiResult<C>;
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.value;
}

/** Milliseconds of each `labels:set` of one image, after an untimed warm-up, through the worker host. */
async function durableLatencies(
  context: BenchContext,
  bagDir: string,
  count: number,
): Promise<{ times: number[]; images: number }> {
  const workspace = fs.mkdtempSync(path.join(context.workDir, 'label-latency-api-'));
  const host = await startApiHost({ workspace, homeDir: workspace });
  try {
    const { bagId } = await call(host, 'bag:open', { path: bagDir });
    const { targets } = await call(host, 'labels:queue', { bagId, feature: FEATURE, kind: 'all' });
    const times: number[] = [];
    for (let index = 0; index < WARM_UP + count; index++) {
      const { target, term } = labelAt(targets, index);
      const started = performance.now();
      const change = await call(host, 'labels:set', {
        bagId,
        feature: FEATURE,
        targets: [target],
        values: { [FEATURE_TERM_TABLE]: term },
      });
      const elapsed = performance.now() - started;
      if (change.changed !== 1) throw new Error(`labels:set of ${target} changed ${change.changed} drafts`);
      if (index >= WARM_UP) times.push(elapsed);
    }
    return { times, images: targets.length };
  } finally {
    await host.close();
  }
}

/** The floor: the same upsert of one JSON record and its commit, straight into a plain WAL + FULL table. */
function peerLatencies(context: BenchContext, rids: readonly string[], count: number): number[] {
  const dir = fs.mkdtempSync(path.join(context.workDir, 'label-latency-peer-'));
  const db = new Database(path.join(dir, 'peer.sqlite'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(
      'CREATE TABLE drafts (target TEXT PRIMARY KEY, "values" TEXT NOT NULL, updated_at TEXT NOT NULL)',
    );
    const upsert = db.prepare(
      `INSERT INTO drafts (target, "values", updated_at) VALUES (?, ?, ?)
       ON CONFLICT (target) DO UPDATE SET "values" = excluded."values", updated_at = excluded.updated_at`,
    );
    const times: number[] = [];
    for (let index = 0; index < WARM_UP + count; index++) {
      const { target, term } = labelAt(rids, index);
      const started = performance.now();
      upsert.run(
        target,
        JSON.stringify({ [FEATURE_TERM_TABLE]: term, Confidence: null }),
        new Date().toISOString(),
      );
      const elapsed = performance.now() - started;
      if (index >= WARM_UP) times.push(elapsed);
    }
    return times;
  } finally {
    db.close();
  }
}

// ---- (b) in Chromium ----

/** An Element Timing entry: when an image with an `elementtiming` attribute was first painted. */
interface ElementEntry {
  readonly identifier: string;
  readonly url: string;
  readonly renderTime: number;
  readonly loadTime: number;
}

/** The few page members the probe below uses (the Node programs here have no DOM lib). */
interface ProbeWindow {
  addEventListener(
    type: 'keydown',
    listener: (event: { timeStamp: number }) => void,
    options: { capture: boolean; once: boolean },
  ): void;
  setTimeout(callback: () => void, ms: number): number;
  readonly performance: { now(): number };
  readonly document: { querySelector(selectors: string): { readonly textContent: string | null } | null };
  readonly PerformanceObserver: new (callback: (list: { getEntries(): ElementEntry[] }) => void) => {
    observe(options: { type: 'element'; buffered: boolean }): void;
    disconnect(): void;
  };
  readonly MutationObserver: new (callback: () => void) => {
    observe(target: unknown, options: { childList: boolean; characterData: boolean; subtree: boolean }): void;
    disconnect(): void;
  };
  labelProbe?: Promise<ProbeResult>;
}

interface ProbeResult {
  /** keydown → the image painted. */
  ms: number;
  /** keydown → the viewer's DOM naming the next image (the app's own share of the time). */
  domMs: number;
  original: boolean;
}

/**
 * Runs in the page before a key is pressed: remembers the next keydown's timestamp and resolves with
 * the time from it to the paint of the viewer's image of `expected` (Element Timing's renderTime of the
 * stage image, `elementtiming="viewer-image"`: the frame that first showed its pixels).
 */
function installProbe(options: { expected: string; timeoutMs: number }): void {
  const view = globalThis as unknown as ProbeWindow;
  let keydownAt: number | null = null;
  let domAt: number | null = null;
  view.addEventListener('keydown', (event) => (keydownAt = event.timeStamp), { capture: true, once: true });
  const viewer = view.document.querySelector('[data-testid="viewer"]');
  const mutations = new view.MutationObserver(() => {
    if (domAt !== null) return;
    if (view.document.querySelector('[data-testid="viewer-rid"]')?.textContent === options.expected)
      domAt = view.performance.now();
  });
  mutations.observe(viewer, { childList: true, characterData: true, subtree: true });
  view.labelProbe = new Promise((resolve, reject) => {
    const ending = `/${encodeURIComponent(options.expected)}`;
    const observer = new view.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (entry.identifier !== 'viewer-image' || !entry.url.endsWith(ending) || keydownAt === null)
          continue;
        observer.disconnect();
        mutations.disconnect();
        const paintedAt = entry.renderTime || entry.loadTime;
        resolve({
          ms: paintedAt - keydownAt,
          domMs: (domAt ?? paintedAt) - keydownAt,
          original: entry.url.includes('/asset/'),
        });
        return;
      }
    });
    observer.observe({ type: 'element', buffered: false });
    view.setTimeout(() => {
      observer.disconnect();
      mutations.disconnect();
      reject(new Error(`the viewer did not paint ${options.expected} within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
  });
}

function probeResult(): Promise<ProbeResult> {
  return (globalThis as unknown as ProbeWindow).labelProbe!;
}

interface PaintSamples {
  times: number[];
  domTimes: number[];
  originals: number;
}

/** Label mode, the queue of every image, the labeler open on the first: the RIDs in queue order. */
async function openLabeler(page: Page, origin: string, images: number): Promise<string[]> {
  await page.getByTestId('grid').waitFor();
  await page.getByTestId('label-mode').click();
  await page.getByTestId('label-progress').waitFor();
  await page.getByTestId('queue-kind').selectOption('all');
  // The queue on screen once it is the new one (the grid is remounted for it, so focus it after).
  await page.locator(`[data-testid="queue-size"][data-kind="all"][data-count="${images}"]`).waitFor();
  await page.getByTestId('grid').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('label-pane').waitFor();
  await page.locator('[data-testid="viewer-image"][data-original="true"]').waitFor();
  const startup = (await (await page.request.get(`${origin}/api/startup`)).json()) as {
    bag: { bagId: string };
  };
  const reply = await page.request.post(`${origin}/api/labels:queue`, {
    data: { bagId: startup.bag.bagId, feature: FEATURE, kind: 'all' },
  });
  const result = (await reply.json()) as ApiResult<'labels:queue'>;
  if (!result.ok) throw new Error(`labels:queue: ${result.error.message}`);
  const first = await page.getByTestId('viewer-rid').textContent();
  if (first !== result.value.targets[0])
    throw new Error(`the labeler opened on ${first}, not ${result.value.targets[0]}`);
  return result.value.targets;
}

/** Closes the viewer and opens the labeler again on the queue's first image. */
async function reopenLabelerAtFirst(page: Page, first: string): Promise<void> {
  await page.keyboard.press('Escape');
  await page.getByTestId('label-pane').waitFor({ state: 'detached' });
  await page.getByTestId('grid').focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await page.getByTestId('label-pane').waitFor();
  await page.locator(`[data-testid="viewer-rid"]:text-is("${first}")`).waitFor();
}

async function paintLatencies(
  context: BenchContext,
  bag: { bagDir: string; images: number },
  count: number,
): Promise<PaintSamples> {
  const workspace = fs.mkdtempSync(path.join(context.workDir, 'label-latency-browser-'));
  const server = await startServeProcess({ workspace, bag: bag.bagDir });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(server.url);
    const targets = await openLabeler(page, server.origin, bag.images);
    const times: number[] = [];
    const domTimes: number[] = [];
    let originals = 0;
    const warmUp = 5;
    // The queue holds fewer images than samples are wanted: it is walked again from its first image,
    // pressing other digits, so every press changes a draft and moves on.
    for (let pass = 0; times.length < count; pass++) {
      if (pass > 0) await reopenLabelerAtFirst(page, targets[0]!);
      const presses = Math.min(count - times.length + warmUp, targets.length - 1);
      for (let index = 0; index < presses; index++) {
        await page.evaluate(installProbe, { expected: targets[index + 1]!, timeoutMs: UI_TIMEOUT_MS });
        await page.keyboard.press(String(((index + pass) % BOUND_KEYS) + 1));
        const { ms, domMs, original } = await page.evaluate(probeResult);
        const shown = await page.getByTestId('viewer-rid').textContent();
        if (shown !== targets[index + 1])
          throw new Error(`the labeler shows ${shown}, not ${targets[index + 1]}`);
        if (index < warmUp) continue;
        times.push(ms);
        domTimes.push(domMs);
        if (original) originals++;
      }
    }
    return { times, domTimes, originals };
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const count = labels(context);
  const bag = await sampleWorldBag(context);
  context.log(`label-latency: ${count} single-image labels:set through the API worker host`);
  const durable = await durableLatencies(context, bag.bagDir, count);
  const rids = Array.from({ length: durable.images }, (_, index) => `R${index}`);
  const peer = peerLatencies(context, rids, count);
  const presses = keypresses(context);
  context.log(`label-latency: ${presses} digit keys in the Chromium labeler`);
  const paint = await paintLatencies(context, bag, presses);
  context.log(
    `label-latency: durable p50 ${percentile(durable.times, 0.5).toFixed(2)} ms, paint p50 ${percentile(paint.times, 0.5).toFixed(1)} ms`,
  );

  const durableNote =
    `${count} labels:set calls of one image each on the sample world's bag (${durable.images} images) after ${WARM_UP} warm-up, ` +
    'through the API worker host (zod validation, the drafts store: action, history row, draft upsert, progress), ' +
    'workspace database in WAL with synchronous=FULL so a resolved call is on disk; ' +
    'peer: the floor, one upsert of the same JSON record + commit with better-sqlite3 on a plain table with the same pragmas in the same folder';
  const durableFigure = (p: number, maxMs?: number): Figure =>
    latencyFigure({
      name: `label-latency.durable.p${Math.round(p * 100)}`,
      value: percentile(durable.times, p),
      peer: 'better-sqlite3 upsert + commit, WAL, synchronous=FULL',
      peerValue: percentile(peer, p),
      ...(maxMs === undefined ? {} : { maxMs }),
      note: durableNote,
    });
  const paintNote =
    `${paint.times.length} digit keys in the labeler on the sample world's bag (${WORLD_DESIGN.imageSize}-px PNG and JPEG digits; ` +
    `browser mode, headless Chromium, ${VIEWPORT.width}×${VIEWPORT.height}), ` +
    "from the keydown event timestamp to the Element Timing renderTime of the next image of the queue on the viewer's stage " +
    `(${paint.originals} of ${paint.times.length} painted the preloaded full-size original at once, the rest the thumbnail first); ` +
    `the viewer's DOM named the next image after ${percentile(paint.domTimes, 0.5).toFixed(1)} ms (p50, p95 ${percentile(paint.domTimes, 0.95).toFixed(1)} ms), ` +
    "the rest is Chromium's frame pipeline (16.7 ms frames, software compositing); " +
    'no peer: no other tool labels a DerivaML bag offline';
  const paintFigure = (p: number, goal: boolean): Figure =>
    peerlessFigure({
      name: `label-latency.next-image.p${Math.round(p * 100)}`,
      value: percentile(paint.times, p),
      unit: 'ms',
      goal: goal ? { compare: '<', bound: PAINT_GOAL_MS } : null,
      note: paintNote,
    });
  return [
    durableFigure(0.5),
    durableFigure(0.95, DURABLE_GOAL_MS),
    paintFigure(0.5, false),
    paintFigure(0.95, true),
  ];
}
