/**
 * One browser-mode session over the synthetic bag, measured once per run and shared by the
 * open-to-paint, grid-scroll and memory figures: `satchel serve` (child process) + Chromium, the bag
 * opened by typing its path on a fresh workspace (cold: includes the import), then reopened by a new
 * server on the same workspace (warm), then the grid scrolled at a steady rate while memory is sampled.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, startServeProcess, type ServeProcess } from './browser.js';
import { syntheticBag, type BenchContext } from './context.js';
import type { DomElement } from './page-dom.js';
import { sampleDescendantMemory, type MemoryPeak } from './process-memory.js';

export const VIEWPORT = { width: 1280, height: 800 };
/** A brisk, steady scroll: about 12 rows (60 tiles at 5 columns) a second. */
export const SCROLL_PX_PER_SECOND = 2500;
const WARM_OPENS = 3;
const OPEN_TIMEOUT_MS = 120_000;
const MEMORY_SAMPLE_MS = 100;

export interface ScrollMeasurement {
  /** requestAnimationFrame timestamps, one per frame, during the scroll. */
  frameTimes: number[];
  /** Longest time a tile inside the viewport showed its placeholder (no thumbnail, no missing state). */
  longestBlankMs: number;
  /** Times a visible tile started blank. */
  blankEpisodes: number;
  /** Longest time a visible tile waited for its row (members page) rather than its thumbnail. */
  longestPendingMs: number;
  tilesSeen: number;
  distancePx: number;
  durationMs: number;
}

export interface BrowserSession {
  members: number;
  columns: number;
  coldOpen: OpenTiming;
  warmOpens: OpenTiming[];
  scroll: ScrollMeasurement;
  memory: MemoryPeak;
}

export function browserSession(context: BenchContext): Promise<BrowserSession> {
  return context.shared('browser-session', () => runSession(context));
}

function scrollDurationMs(context: BenchContext): number {
  return context.scale.name === 'full' ? 8_000 : 4_000;
}

export interface OpenTiming {
  /** From the renderer's `bag:open` request to the first painted thumbnail. */
  toPaintMs: number;
  /** The `bag:open` request alone (import or reuse check, on the server). */
  requestMs: number;
}

interface OpenedPage {
  server: ServeProcess;
  context: BrowserContext;
  page: Page;
  timing: OpenTiming;
}

async function runSession(context: BenchContext): Promise<BrowserSession> {
  const bag = await syntheticBag(context);
  const members = bag.imageRids.length;
  const workspace = fs.mkdtempSync(path.join(context.workDir, 'browser-workspace-'));
  const browser = await launchChromium();
  let opened: OpenedPage | null = null;
  try {
    context.log('browser: cold open (fresh workspace, includes the import)');
    opened = await openAndPaint(browser, workspace, bag.bagDir, members);
    const coldOpen = opened.timing;
    const warmOpens: OpenTiming[] = [];
    for (let run = 0; run < WARM_OPENS; run++) {
      const previous = opened;
      opened = null;
      await closePage(previous);
      opened = await openAndPaint(browser, workspace, bag.bagDir, members);
      warmOpens.push(opened.timing);
    }
    context.log(
      `browser: open to paint cold ${describeOpen(coldOpen)}, warm ${warmOpens.map(describeOpen).join(', ')}`,
    );
    const grid = opened.page.getByTestId('grid');
    const columns = await opened.page.locator('.tile-row').first().locator('.tile').count();
    const sampler = sampleDescendantMemory(MEMORY_SAMPLE_MS);
    let scroll: ScrollMeasurement;
    let memory: MemoryPeak;
    try {
      scroll = await grid.evaluate(scrollProbe, {
        pxPerSecond: SCROLL_PX_PER_SECOND,
        durationMs: scrollDurationMs(context),
      });
    } finally {
      memory = sampler.stop();
    }
    context.log(
      `browser: scrolled ${scroll.distancePx.toFixed(0)} px in ${scroll.durationMs.toFixed(0)} ms, ` +
        `${scroll.frameTimes.length} frames, longest blank ${scroll.longestBlankMs.toFixed(0)} ms, ` +
        `peak RSS ${(memory.rssBytes / 2 ** 20).toFixed(0)} MiB over ${memory.processes} processes`,
    );
    return { members, columns, coldOpen, warmOpens, scroll, memory };
  } finally {
    if (opened) await closePage(opened);
    await browser.close().catch(() => undefined);
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

/**
 * A new `satchel serve` on `workspace` and a new browser context; types the bag's path into the
 * library and clicks Open. The time runs from the renderer's `bag:open` request (its resource timing)
 * to the first animation frame that finds a tile with its thumbnail loaded.
 */
async function openAndPaint(
  browser: Browser,
  workspace: string,
  bagDir: string,
  members: number,
): Promise<OpenedPage> {
  const server = await startServeProcess({ workspace });
  let browserContext: BrowserContext | undefined;
  try {
    browserContext = await browser.newContext({ viewport: VIEWPORT });
    const page = await browserContext.newPage();
    await page.goto(server.url);
    await page.getByTestId('path-input').fill(bagDir);
    const body = page.locator('body');
    const painted = body.evaluate(firstTilePaint, OPEN_TIMEOUT_MS);
    painted.catch(() => undefined); // Awaited below; this keeps a failed click from leaving it unhandled.
    await page.getByTestId('open-path').click();
    const paintedAt = await painted;
    const request = await body.evaluate(bagOpenRequest);
    const status = (await page.getByTestId('grid-status').textContent()) ?? '';
    const shown = Number(/^([\d,]+) Image members?/.exec(status)?.[1]?.replaceAll(',', ''));
    if (shown !== members) throw new Error(`the grid shows "${status}", expected ${members} Image members`);
    const timing = {
      toPaintMs: paintedAt - request.startTime,
      requestMs: request.responseEnd - request.startTime,
    };
    return { server, context: browserContext, page, timing };
  } catch (error) {
    await browserContext?.close().catch(() => undefined);
    await server.stop();
    throw error;
  }
}

export function describeOpen({ toPaintMs, requestMs }: OpenTiming): string {
  return `${toPaintMs.toFixed(0)} ms (bag:open ${requestMs.toFixed(0)} ms)`;
}

async function closePage(opened: OpenedPage): Promise<void> {
  await opened.context.close().catch(() => undefined);
  await opened.server.stop();
}

// The functions below run in Chromium (serialized by playwright): they may use only their arguments.

/** performance.now() of the first animation frame in which a grid tile shows its loaded thumbnail. */
function firstTilePaint(body: DomElement, timeoutMs: number): Promise<number> {
  const view = body.ownerDocument.defaultView!;
  const started = view.performance.now();
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const now = view.performance.now();
      if (body.ownerDocument.querySelector('[data-testid="grid"] img[data-loaded="true"]')) resolve(now);
      else if (now - started > timeoutMs) reject(new Error(`no thumbnail painted within ${timeoutMs} ms`));
      else view.requestAnimationFrame(check);
    };
    view.requestAnimationFrame(check);
  });
}

/** When the renderer sent `POST /api/bag:open` and got its answer, from the page's resource timing. */
function bagOpenRequest(body: DomElement): { startTime: number; responseEnd: number } {
  const entries = body.ownerDocument.defaultView!.performance.getEntriesByType('resource');
  const open = entries.filter((entry) => entry.name.endsWith('/api/bag:open')).at(-1);
  if (!open) throw new Error('the page sent no bag:open request');
  return { startTime: open.startTime, responseEnd: open.responseEnd };
}

/**
 * Scrolls `grid` from its current position at a steady `pxPerSecond` for `durationMs`, one step per
 * animation frame. Each frame first looks at what the previous frame painted: a tile inside the
 * viewport is blank while it has neither its thumbnail nor its missing-file state (and pending while
 * its row has not arrived); an episode ends when the tile settles or leaves the viewport.
 */
function scrollProbe(
  grid: DomElement,
  options: { pxPerSecond: number; durationMs: number },
): Promise<ScrollMeasurement> {
  const view = grid.ownerDocument.defaultView!;
  /** Episodes of one condition per tile id: how many began and the longest one. */
  const episodes = () => {
    const since = new Map<string, number>();
    const tracker = {
      count: 0,
      longestMs: 0,
      /** Records this frame's state of one visible tile. */
      observe(id: string, holds: boolean, now: number): void {
        if (holds && !since.has(id)) {
          since.set(id, now);
          tracker.count++;
        } else if (!holds) tracker.end(id, now);
      },
      end(id: string, now: number): void {
        const start = since.get(id);
        if (start === undefined) return;
        since.delete(id);
        tracker.longestMs = Math.max(tracker.longestMs, now - start);
      },
      /** Ends the episodes of tiles no longer visible (or all of them). */
      endAllBut(visible: ReadonlySet<string>, now: number): void {
        for (const id of [...since.keys()]) if (!visible.has(id)) tracker.end(id, now);
      },
    };
    return tracker;
  };
  const blank = episodes();
  const pending = episodes();
  const frameTimes: number[] = [];
  const seen = new Set<string>();
  const startTop = grid.scrollTop;
  return new Promise((resolve) => {
    const frame = (time: number): void => {
      frameTimes.push(time);
      const box = grid.getBoundingClientRect();
      const visible = new Set<string>();
      for (const tile of grid.querySelectorAll('.tile')) {
        const tileBox = tile.getBoundingClientRect();
        if (tileBox.bottom <= box.top || tileBox.top >= box.bottom) continue;
        visible.add(tile.id);
        seen.add(tile.id);
        blank.observe(tile.id, !tile.querySelector('.thumb.loaded, .thumb.failed'), time);
        pending.observe(tile.id, tile.classList.contains('pending'), time);
      }
      const elapsed = time - frameTimes[0]!;
      const done = elapsed >= options.durationMs;
      const stillCounted = done ? new Set<string>() : visible;
      blank.endAllBut(stillCounted, time);
      pending.endAllBut(stillCounted, time);
      if (done) {
        resolve({
          frameTimes,
          longestBlankMs: blank.longestMs,
          blankEpisodes: blank.count,
          longestPendingMs: pending.longestMs,
          tilesSeen: seen.size,
          distancePx: grid.scrollTop - startTop,
          durationMs: elapsed,
        });
        return;
      }
      grid.scrollTop = startTop + (options.pxPerSecond * elapsed) / 1000;
      view.requestAnimationFrame(frame);
    };
    view.requestAnimationFrame(frame);
  });
}
