/**
 * One browser-mode session over the synthetic bag, measured once per scale and shared by the
 * open-to-paint, grid-scroll and memory figures (`satchel serve` as a child process + Chromium):
 * 1. cold: the bag's files evicted from the page cache, a fresh workspace, `satchel serve BAG` spawned;
 *    timed from the spawn to the first frame that paints a decoded thumbnail;
 * 2. warm: new servers on the imported workspace, the bag opened from the library by typing its path;
 *    timed from the renderer's `bag:open` request to the same first paint (and, once, from the spawn);
 * 3. the whole grid scrolled at three screens a second, in stretches spread from its top to its end,
 *    while the memory of the server and the page's renderer is sampled.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, startServeProcess, type ServeProcess } from './browser.js';
import { syntheticBag, type BenchContext } from './context.js';
import { describeResidency, evictFromPageCache, vmtouchAvailable, VMTOUCH } from './page-cache.js';
import type { DomElement, DomImage } from './page-dom.js';
import { sampleAppMemory, type MemoryRecord } from './process-memory.js';

export const VIEWPORT = { width: 1280, height: 800 };
/** Scrolling speed in grid heights per second. */
export const SCREENS_PER_SECOND = 3;
const WARM_OPENS = 3;
const OPEN_TIMEOUT_MS = 300_000;
const MEMORY_SAMPLE_MS = 100;
/** How long the memory is still sampled once the scroll has ended. */
const SETTLE_MS = 1_000;

export interface ScrollPlan {
  /** Stretches of steady scrolling, their starts spread evenly from the grid's top to its end. */
  stretches: number;
  stretchMs: number;
  screensPerSecond: number;
  /** How long a stretch waits for the screen it jumped to before it starts scrolling anyway. */
  landingTimeoutMs: number;
}

export interface ScrollMeasurement {
  /** Intervals between animation frames while scrolling. */
  frameIntervals: number[];
  /** Longest time a tile inside the viewport showed no finished thumbnail (image or missing-file state). */
  longestBlankMs: number;
  /** The same for tiles that ended showing their image, and for holey ones that ended missing. */
  longestBlankImageMs: number;
  longestBlankHoleyMs: number;
  blankEpisodes: number;
  /** Longest time a visible tile waited for its row (members page) rather than its thumbnail. */
  longestPendingMs: number;
  /** For each stretch, the time from the jump until every tile on screen was finished (capped). */
  landingsMs: number[];
  tilesSeen: number;
  distancePx: number;
  scrollingMs: number;
  gridHeightPx: number;
  scrollHeightPx: number;
}

export interface BrowserSession {
  members: number;
  columns: number;
  cold: ColdOpen | null;
  warmOpens: OpenTiming[];
  /** Spawn to first paint of one warm start, for comparison with the cold one. */
  warmStartMs: number;
  scroll: ScrollMeasurement;
  scrollPlan: ScrollPlan;
  memory: MemoryRecord;
}

export interface ColdOpen {
  /** From spawning `satchel serve BAG` to the first painted thumbnail. */
  toPaintMs: number;
  /** The bag's page cache after eviction, before the spawn. */
  evicted: string;
}

export interface OpenTiming {
  /** From the renderer's `bag:open` request to the first painted thumbnail. */
  toPaintMs: number;
  /** The `bag:open` request alone. */
  requestMs: number;
}

export function browserSession(context: BenchContext): Promise<BrowserSession> {
  return context.shared('browser-session', () => runSession(context));
}

function scrollPlan(context: BenchContext): ScrollPlan {
  return context.scale.smoke
    ? { stretches: 3, stretchMs: 1_500, screensPerSecond: SCREENS_PER_SECOND, landingTimeoutMs: 5_000 }
    : { stretches: 10, stretchMs: 3_000, screensPerSecond: SCREENS_PER_SECOND, landingTimeoutMs: 10_000 };
}

interface OpenedPage {
  server: ServeProcess;
  context: BrowserContext;
  page: Page;
}

async function runSession(context: BenchContext): Promise<BrowserSession> {
  const bag = await syntheticBag(context);
  const members = bag.imageRids.length;
  const workspace = fs.mkdtempSync(path.join(context.workDir, 'browser-workspace-'));
  const browser = await launchChromium();
  let opened: OpenedPage | null = null;
  try {
    let cold: ColdOpen | null = null;
    if (vmtouchAvailable()) {
      const evicted = describeResidency(evictFromPageCache(bag.bagDir));
      context.log(`browser: cold start (bag evicted: ${evicted}; fresh workspace, includes the import)`);
      const start = await startAndPaint(browser, workspace, bag.bagDir, members);
      opened = start.opened;
      cold = { toPaintMs: start.toPaintMs, evicted };
    } else {
      context.log(`browser: ${VMTOUCH} is missing (apt-get install vmtouch): no cold figure; importing warm`);
      opened = (await startAndPaint(browser, workspace, bag.bagDir, members)).opened;
    }
    await closePage(opened);
    opened = null;
    const warmStart = await startAndPaint(browser, workspace, bag.bagDir, members);
    await closePage(warmStart.opened);
    const warmOpens: OpenTiming[] = [];
    for (let run = 0; run < WARM_OPENS; run++) {
      if (opened) await closePage(opened);
      opened = null;
      const next = await openFromLibrary(browser, workspace, bag.bagDir, members);
      opened = next.opened;
      warmOpens.push(next.timing);
    }
    context.log(
      `browser: cold start to paint ${cold ? `${cold.toPaintMs.toFixed(0)} ms` : '–'}, warm start ` +
        `${warmStart.toPaintMs.toFixed(0)} ms, warm opens ${warmOpens.map(describeOpen).join(', ')}`,
    );
    const page = opened!.page;
    const grid = page.getByTestId('grid');
    const columns = await page.locator('.tile-row').first().locator('.tile').count();
    const plan = scrollPlan(context);
    const sampler = sampleAppMemory(MEMORY_SAMPLE_MS);
    let scroll: ScrollMeasurement;
    let memory: MemoryRecord;
    try {
      scroll = await grid.evaluate(wholeGridScroll, plan);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    } finally {
      memory = sampler.stop();
    }
    context.log(
      `browser: scrolled ${scroll.distancePx.toFixed(0)} px in ${plan.stretches} stretches, ` +
        `${scroll.frameIntervals.length} frames, longest blank ${scroll.longestBlankMs.toFixed(0)} ms, ` +
        `peak PSS of server + page ${(memory.peak.pssBytes / 2 ** 20).toFixed(0)} MiB`,
    );
    return {
      members,
      columns,
      cold,
      warmOpens,
      warmStartMs: warmStart.toPaintMs,
      scroll,
      scrollPlan: plan,
      memory,
    };
  } finally {
    if (opened) await closePage(opened);
    await browser.close().catch(() => undefined);
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/** `satchel serve BAG` on `workspace` and a page on its URL: the time from the spawn to the first paint. */
async function startAndPaint(
  browser: Browser,
  workspace: string,
  bagDir: string,
  members: number,
): Promise<{ opened: OpenedPage; toPaintMs: number }> {
  const server = await startServeProcess({ workspace, bag: bagDir, startTimeoutMs: OPEN_TIMEOUT_MS });
  let browserContext: BrowserContext | undefined;
  try {
    browserContext = await browser.newContext({ viewport: VIEWPORT });
    const page = await browserContext.newPage();
    await page.addInitScript(installPaintProbe, OPEN_TIMEOUT_MS);
    await page.goto(server.url);
    const paintedAt = await page.evaluate(paintedAtEpoch);
    await expectMembers(page, members);
    return { opened: { server, context: browserContext, page }, toPaintMs: paintedAt - server.spawnedAt };
  } catch (error) {
    await browserContext?.close().catch(() => undefined);
    await server.stop();
    throw error;
  }
}

/**
 * A new `satchel serve` on `workspace` and a new page on the library; types the bag's path and clicks
 * Open. The time runs from the renderer's `bag:open` request (its resource timing) to the first paint.
 */
async function openFromLibrary(
  browser: Browser,
  workspace: string,
  bagDir: string,
  members: number,
): Promise<{ opened: OpenedPage; timing: OpenTiming }> {
  // The app reopens the last bag where the user left it: this open starts from the library instead.
  fs.rmSync(path.join(workspace, 'ui-state.json'), { force: true });
  const server = await startServeProcess({ workspace });
  let browserContext: BrowserContext | undefined;
  try {
    browserContext = await browser.newContext({ viewport: VIEWPORT });
    const page = await browserContext.newPage();
    await page.addInitScript(installPaintProbe, OPEN_TIMEOUT_MS);
    await page.goto(server.url);
    await typePath(page, bagDir);
    await page.getByTestId('open-path').click();
    const paintedAt = await page.evaluate(paintedAtEpoch);
    const request = await page.locator('body').evaluate(bagOpenRequest);
    await expectMembers(page, members);
    const timing = {
      toPaintMs: paintedAt - request.startEpoch,
      requestMs: request.responseEnd - request.startTime,
    };
    return { opened: { server, context: browserContext, page }, timing };
  } catch (error) {
    await browserContext?.close().catch(() => undefined);
    await server.stop();
    throw error;
  }
}

/**
 * Types the bag's path into the library's path field. The library renders again once it has read the
 * workspace's saved view and recent bags, which can replace the field under the typing: type again
 * until the path stays (a bounded number of times).
 */
async function typePath(page: Page, bagDir: string): Promise<void> {
  const input = page.getByTestId('path-input');
  for (let attempt = 1; attempt <= 20; attempt++) {
    await input.fill(bagDir);
    await page.waitForTimeout(250);
    if ((await input.inputValue()) === bagDir && (await page.getByTestId('open-path').isEnabled())) return;
  }
  throw new Error(`the library's path field did not keep ${bagDir}`);
}

async function expectMembers(page: Page, members: number): Promise<void> {
  const status = (await page.getByTestId('grid-status').textContent()) ?? '';
  const shown = Number(/^([\d,]+) Image members?/.exec(status)?.[1]?.replaceAll(',', ''));
  if (shown !== members) throw new Error(`the grid shows "${status}", expected ${members} Image members`);
}

export function describeOpen({ toPaintMs, requestMs }: OpenTiming): string {
  return `${toPaintMs.toFixed(0)} ms (bag:open ${requestMs.toFixed(0)} ms)`;
}

async function closePage(opened: OpenedPage): Promise<void> {
  await opened.context.close().catch(() => undefined);
  await opened.server.stop();
}

// The functions below run in Chromium (serialized by playwright): they may use only their arguments.

interface PaintProbeWindow {
  satchelFirstPaint?: Promise<number>;
  requestAnimationFrame(callback: (time: number) => void): number;
  readonly performance: { readonly timeOrigin: number; now(): number };
  readonly document: { querySelectorAll(selectors: string): Iterable<DomImage> };
}

/**
 * Installed before the page's own scripts: resolves `satchelFirstPaint` with the epoch time of the first
 * animation frame after a grid thumbnail was loaded and decoded (img.decode()), the frame that paints it.
 */
function installPaintProbe(timeoutMs: number): void {
  const view = globalThis as unknown as PaintProbeWindow;
  view.satchelFirstPaint = new Promise((resolve, reject) => {
    const started = view.performance.now();
    let decoded = false;
    const asked = new WeakSet<DomImage>();
    const frame = (time: number): void => {
      if (decoded) {
        resolve(view.performance.timeOrigin + time);
        return;
      }
      for (const image of view.document.querySelectorAll('[data-testid="grid"] img')) {
        if (asked.has(image) || !image.complete || image.naturalWidth === 0) continue;
        asked.add(image);
        image.decode().then(
          () => (decoded = true),
          () => undefined,
        );
      }
      if (time - started > timeoutMs) reject(new Error(`no thumbnail painted within ${timeoutMs} ms`));
      else view.requestAnimationFrame(frame);
    };
    view.requestAnimationFrame(frame);
  });
}

function paintedAtEpoch(): Promise<number> {
  const view = globalThis as unknown as PaintProbeWindow;
  if (!view.satchelFirstPaint) throw new Error('the paint probe was not installed');
  return view.satchelFirstPaint;
}

/** When the renderer sent `POST /api/bag:open` and got its answer, from the page's resource timing. */
function bagOpenRequest(body: DomElement): { startTime: number; startEpoch: number; responseEnd: number } {
  const performance = body.ownerDocument.defaultView!.performance;
  const open = performance
    .getEntriesByType('resource')
    .filter((entry) => entry.name.endsWith('/api/bag:open'))
    .at(-1);
  if (!open) throw new Error('the page sent no bag:open request');
  return {
    startTime: open.startTime,
    startEpoch: performance.timeOrigin + open.startTime,
    responseEnd: open.responseEnd,
  };
}

/**
 * Scrolls the whole grid: for each stretch, jumps to its start (spread evenly from the top to the end),
 * waits until every tile on screen is finished (or the landing timeout), then scrolls steadily at
 * `screensPerSecond` grid heights a second for `stretchMs`, one step per animation frame. While
 * scrolling, each frame first looks at what the previous frame painted: a tile inside the viewport is
 * blank until its thumbnail was loaded and decoded (img.decode(), so the next frame paints it) or it
 * shows its missing-file state; it is pending while its row (members page) has not arrived.
 */
function wholeGridScroll(grid: DomElement, plan: ScrollPlan): Promise<ScrollMeasurement> {
  const view = grid.ownerDocument.defaultView!;
  const decoded = new WeakSet<DomImage>();
  const asked = new WeakSet<DomImage>();
  /** 'image' or 'holey' once the tile is finished, null while blank. */
  const finished = (tile: DomElement): 'image' | 'holey' | null => {
    if (tile.querySelector('.thumb.failed')) return 'holey';
    const image = tile.querySelector('img') as DomImage | null;
    if (!image || !image.complete) return null;
    if (image.naturalWidth === 0) return 'holey';
    if (decoded.has(image)) return 'image';
    if (!asked.has(image)) {
      asked.add(image);
      image.decode().then(
        () => decoded.add(image),
        () => decoded.add(image),
      );
    }
    return null;
  };
  const blank = new Map<string, number>();
  const pending = new Map<string, number>();
  const seen = new Set<string>();
  const result: ScrollMeasurement = {
    frameIntervals: [],
    longestBlankMs: 0,
    longestBlankImageMs: 0,
    longestBlankHoleyMs: 0,
    blankEpisodes: 0,
    longestPendingMs: 0,
    landingsMs: [],
    tilesSeen: 0,
    distancePx: 0,
    scrollingMs: 0,
    gridHeightPx: grid.clientHeight,
    scrollHeightPx: grid.scrollHeight,
  };
  const endBlank = (id: string, now: number, outcome: 'image' | 'holey' | null): void => {
    const start = blank.get(id);
    if (start === undefined) return;
    blank.delete(id);
    const ms = now - start;
    result.longestBlankMs = Math.max(result.longestBlankMs, ms);
    if (outcome === 'image') result.longestBlankImageMs = Math.max(result.longestBlankImageMs, ms);
    if (outcome === 'holey') result.longestBlankHoleyMs = Math.max(result.longestBlankHoleyMs, ms);
  };
  const endPending = (id: string, now: number): void => {
    const start = pending.get(id);
    if (start === undefined) return;
    pending.delete(id);
    result.longestPendingMs = Math.max(result.longestPendingMs, now - start);
  };
  /** Looks at every tile inside the viewport; returns whether there are some and all are finished. */
  const observe = (now: number, record: boolean): boolean => {
    const box = grid.getBoundingClientRect();
    const visible = new Set<string>();
    let allFinished = true;
    let onScreen = 0;
    for (const tile of grid.querySelectorAll('.tile')) {
      const tileBox = tile.getBoundingClientRect();
      if (tileBox.bottom <= box.top || tileBox.top >= box.bottom) continue;
      onScreen++;
      const outcome = finished(tile);
      const isPending = tile.classList.contains('pending');
      if (outcome === null) allFinished = false;
      if (!record) continue;
      visible.add(tile.id);
      seen.add(tile.id);
      if (outcome === null && !blank.has(tile.id)) {
        blank.set(tile.id, now);
        result.blankEpisodes++;
      } else if (outcome !== null) endBlank(tile.id, now, outcome);
      if (isPending && !pending.has(tile.id)) pending.set(tile.id, now);
      else if (!isPending) endPending(tile.id, now);
    }
    if (record) {
      // A tile that left the viewport before finishing ends its episode when it leaves.
      for (const id of [...blank.keys()]) if (!visible.has(id)) endBlank(id, now, null);
      for (const id of [...pending.keys()]) if (!visible.has(id)) endPending(id, now);
    }
    return onScreen > 0 && allFinished;
  };
  const lastTop = Math.max(0, grid.scrollHeight - grid.clientHeight);
  const speed = (plan.screensPerSecond * grid.clientHeight) / 1000;
  const stretchDistance = speed * plan.stretchMs;
  const starts = Array.from({ length: plan.stretches }, (_, index) =>
    plan.stretches === 1
      ? 0
      : Math.round((index * Math.max(0, lastTop - stretchDistance)) / (plan.stretches - 1)),
  );
  return new Promise((resolve) => {
    let stretch = 0;
    let phase: 'landing' | 'scrolling' = 'landing';
    let phaseStart = -1;
    let previous = -1;
    const frame = (time: number): void => {
      if (phaseStart < 0) {
        phaseStart = time;
        grid.scrollTop = starts[stretch]!;
      }
      const elapsed = time - phaseStart;
      if (phase === 'landing') {
        // The frame of the jump still shows the old position: look from the next one on.
        const settled = elapsed > 0 && observe(time, false);
        if (settled || elapsed >= plan.landingTimeoutMs) {
          result.landingsMs.push(elapsed);
          phase = 'scrolling';
          phaseStart = time;
          previous = -1;
        }
      } else {
        if (previous >= 0) result.frameIntervals.push(time - previous);
        previous = time;
        observe(time, true);
        if (elapsed >= plan.stretchMs) {
          for (const id of [...blank.keys()]) endBlank(id, time, null);
          for (const id of [...pending.keys()]) endPending(id, time);
          result.distancePx += grid.scrollTop - starts[stretch]!;
          result.scrollingMs += elapsed;
          stretch++;
          if (stretch === starts.length) {
            result.tilesSeen = seen.size;
            resolve(result);
            return;
          }
          phase = 'landing';
          phaseStart = -1;
        } else grid.scrollTop = starts[stretch]! + speed * elapsed;
      }
      view.requestAnimationFrame(frame);
    };
    view.requestAnimationFrame(frame);
  });
}
