/**
 * Region drawing with 300 regions on one image, in browser mode (Chromium), on the sample world's bag
 * (feature Image/Region, 112-px digits):
 * (a) open → overlay painted: from the keydown that moves the labeler to the image (its event timestamp)
 *     to the first frame showing its 300 regions (the overlay's `regions-painted` mark, set a frame after
 *     the drawing reached the page); the drawing is read from the workspace each time.
 * (b) dragging a vertex: the selected polygon's first vertex dragged by the mouse in small steps; per
 *     frame, the main thread's time from the first pointer event of the frame to the end of that frame's
 *     rendering (a message posted from requestAnimationFrame runs after the frame is produced).
 * No honest peer: no other tool draws regions on a DerivaML bag offline.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../shared/contract.js';
import type { DrawnRegion, RegionPoint } from '../shared/regions.js';
import { WORLD_DESIGN } from '../main/core/sample/index.js';
import { launchChromium, startServeProcess } from './browser.js';
import { percentile, type BenchContext, type Figure } from './context.js';
import { peerlessFigure } from './peerless-figure.js';
import { SeededRandom } from './synthetic/random.js';
import { sampleWorldBag } from './world-bag.js';

const FEATURE = 'Image/Region';
const REGIONS = 300;
const POLYGONS = 100;
const VIEWPORT = { width: 1280, height: 800 };
const UI_TIMEOUT_MS = 30_000;
const OPEN_GOAL_MS = 100;
const FRAME_GOAL_MS = 16;
const WARM_UP = 3;

function opens(context: BenchContext): number {
  return context.scale.smoke ? 10 : 30;
}

function dragSteps(context: BenchContext): number {
  return context.scale.smoke ? 80 : 240;
}

/** 100 hexagons first (the drag takes the first), then 200 boxes, spread over the image, with digit terms. */
function crowdedDrawing(size: number): DrawnRegion[] {
  const random = new SeededRandom(13);
  const regions: DrawnRegion[] = [];
  for (let index = 0; index < REGIONS; index++) {
    const label = String(index % 10);
    const [cx, cy] = [random.between(12, size - 12), random.between(12, size - 12)];
    const radius = random.between(4, 10);
    if (index < POLYGONS) {
      const points = Array.from({ length: 6 }, (_, corner) => {
        const angle = (corner * Math.PI) / 3;
        return [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)] as RegionPoint;
      });
      regions.push({ kind: 'polygon', points, label });
    } else
      regions.push({
        kind: 'rectangle',
        points: [
          [cx - radius, cy - radius],
          [cx + radius, cy + radius],
        ],
        label,
      });
  }
  return regions;
}

/** The page members the probes below use (the Node programs here have no DOM lib). */
interface ProbeWindow {
  addEventListener(
    type: 'keydown' | 'pointermove',
    listener: (event: { timeStamp: number }) => void,
    options: { capture: boolean; once?: boolean },
  ): void;
  requestAnimationFrame(callback: () => void): number;
  setTimeout(callback: () => void, ms: number): number;
  readonly performance: { now(): number };
  readonly MessageChannel: new () => {
    port1: { onmessage: (() => void) | null };
    port2: { postMessage(message: unknown): void };
  };
  readonly PerformanceObserver: new (
    callback: (list: { getEntries(): { startTime: number; detail: unknown }[] }) => void,
  ) => { observe(options: { type: 'mark' }): void; disconnect(): void };
  regionProbe?: Promise<number>;
  regionFrames?: number[];
}

/** Resolves with keydown → the first frame painted with `count` regions of `expected`. */
function installOpenProbe(options: { expected: string; count: number; timeoutMs: number }): void {
  const view = globalThis as unknown as ProbeWindow;
  let keydownAt: number | null = null;
  view.addEventListener('keydown', (event) => (keydownAt = event.timeStamp), { capture: true, once: true });
  view.regionProbe = new Promise((resolve, reject) => {
    const observer = new view.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const detail = entry.detail as { target?: string; count?: number } | null;
        if (detail?.target !== options.expected || detail.count !== options.count || keydownAt === null)
          continue;
        observer.disconnect();
        resolve(entry.startTime - keydownAt);
        return;
      }
    });
    observer.observe({ type: 'mark' });
    view.setTimeout(() => {
      observer.disconnect();
      reject(new Error(`${options.expected} was not painted with ${options.count} regions in time`));
    }, options.timeoutMs);
  });
}

function openProbeResult(): Promise<number> {
  return (globalThis as unknown as ProbeWindow).regionProbe!;
}

/** Records, per frame with pointer input, the time from its first pointermove to the frame's end. */
function installFrameProbe(): void {
  const view = globalThis as unknown as ProbeWindow;
  const frames: number[] = [];
  view.regionFrames = frames;
  let frameStart: number | null = null;
  view.addEventListener(
    'pointermove',
    () => {
      if (frameStart !== null) return;
      frameStart = view.performance.now();
      view.requestAnimationFrame(() => {
        const channel = new view.MessageChannel();
        channel.port1.onmessage = () => {
          frames.push(view.performance.now() - frameStart!);
          frameStart = null;
        };
        channel.port2.postMessage(0);
      });
    },
    { capture: true },
  );
}

function frameProbeResult(): number[] {
  return (globalThis as unknown as ProbeWindow).regionFrames ?? [];
}

async function call<C extends Channel>(
  page: Page,
  origin: string,
  channel: C,
  request: RequestOf<C>,
): Promise<ResponseOf<C>> {
  const reply = await page.request.post(`${origin}/api/${channel}`, { data: request });
  const result = (await reply.json()) as ApiResult<C>;
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.value;
}

interface Measurements {
  openTimes: number[];
  /** Per frame with pointer input during the drag. */
  frameTimes: number[];
  dragMs: number;
}

async function measure(context: BenchContext, bagDir: string, images: number): Promise<Measurements> {
  const workspace = fs.mkdtempSync(path.join(context.workDir, 'regions-browser-'));
  const server = await startServeProcess({ workspace, bag: bagDir });
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(server.url);
    await page.getByTestId('grid').waitFor();
    const { bagId } = (
      (await (await page.request.get(`${server.origin}/api/startup`)).json()) as {
        bag: { bagId: string };
      }
    ).bag;
    const { targets } = await call(page, server.origin, 'labels:queue', {
      bagId,
      feature: FEATURE,
      kind: 'all',
    });
    const [light, heavy] = [targets[0]!, targets[1]!];
    const size = WORLD_DESIGN.imageSize;
    const saved = await call(page, server.origin, 'regions:save', {
      bagId,
      feature: FEATURE,
      target: heavy,
      image: { width: size, height: size },
      regions: crowdedDrawing(size),
      operation: 'add',
    });
    if (saved.draft?.regions.length !== REGIONS)
      throw new Error(`${heavy} holds ${saved.draft?.regions.length} regions`);

    await page.getByTestId('label-mode').click();
    await page.getByTestId('label-feature').selectOption(FEATURE);
    await page.getByTestId('queue-kind').selectOption('all');
    await page.locator(`[data-testid="queue-size"][data-kind="all"][data-count="${images}"]`).waitFor();
    await page.getByTestId('grid').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('region-pane').waitFor();
    if ((await page.getByTestId('viewer-rid').textContent()) !== light)
      throw new Error(`the labeler is not on ${light}`);

    context.log(`regions: opening ${heavy} with ${REGIONS} regions ${opens(context)} times`);
    const openTimes: number[] = [];
    for (let round = 0; round < WARM_UP + opens(context); round++) {
      await page.evaluate(installOpenProbe, { expected: heavy, count: REGIONS, timeoutMs: UI_TIMEOUT_MS });
      await page.keyboard.press('ArrowRight');
      const ms = await page.evaluate(openProbeResult);
      if (round >= WARM_UP) openTimes.push(ms);
      await page.keyboard.press('ArrowLeft');
      await page.locator(`[data-testid="viewer-rid"]:text-is("${light}")`).waitFor();
      await page.locator('[data-testid="draft-regions"][data-count="0"]').waitFor({ state: 'attached' });
    }

    await page.keyboard.press('ArrowRight');
    await page.locator(`[data-testid="draft-regions"][data-count="${REGIONS}"]`).waitFor();
    await page.keyboard.press('Tab');
    await page.getByTestId('region-handles').waitFor();
    const bounds = (await page.getByTestId('region-image-bounds').boundingBox())!;
    const toScreen = ([x, y]: RegionPoint) => ({
      x: bounds.x + (x * bounds.width) / size,
      y: bounds.y + (y * bounds.height) / size,
    });
    const vertex = crowdedDrawing(size)[0]!.points[0]!;
    const start = toScreen(vertex);
    const steps = dragSteps(context);
    context.log(`regions: dragging a vertex over ${steps} pointer moves`);
    await page.evaluate(installFrameProbe);
    await page.mouse.move(start.x, start.y);
    await page.mouse.down();
    const dragStarted = performance.now();
    for (let step = 1; step <= steps; step++) {
      const angle = (2 * Math.PI * step) / steps;
      const reach = Math.min(bounds.width, bounds.height) / 6;
      await page.mouse.move(start.x + reach * Math.sin(angle), start.y + reach * (1 - Math.cos(angle)) * 0.5);
    }
    const dragMs = performance.now() - dragStarted;
    await page.mouse.up();
    const frameTimes = await page.evaluate(frameProbeResult);
    return { openTimes, frameTimes, dragMs };
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
  }
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await sampleWorldBag(context);
  const result = await measure(context, bag.bagDir, bag.images);
  context.log(
    `regions: open p95 ${percentile(result.openTimes, 0.95).toFixed(1)} ms, frame p95 ${percentile(result.frameTimes, 0.95).toFixed(1)} ms`,
  );
  const setting =
    `browser mode, headless Chromium (software compositing), ${VIEWPORT.width}×${VIEWPORT.height}, the sample world's ` +
    `${WORLD_DESIGN.imageSize}-px digit fitted to the stage, ${REGIONS} regions (${POLYGONS} hexagons, ${REGIONS - POLYGONS} boxes, with terms)`;
  const openNote =
    `${result.openTimes.length} openings (after ${WARM_UP} warm-up) of the image with ${REGIONS} regions by → in the labeler, ` +
    'from the keydown event timestamp to the first frame with its overlay (the regions-painted mark, one frame after the drawing ' +
    `was committed to the page); the drawing is read from the workspace store each time; ${setting}; ` +
    'no peer: no other tool draws regions on a DerivaML bag offline';
  const frameNote =
    `${result.frameTimes.length} frames while the selected hexagon's vertex was dragged over ${dragSteps(context)} pointer moves ` +
    `(${(result.dragMs / 1000).toFixed(1)} s), per frame the main thread's time from its first pointermove to the end of its ` +
    `rendering; ${setting}; no peer`;
  const openFigure = (p: number, goal: boolean): Figure =>
    peerlessFigure({
      name: `regions.open-to-overlay.p${Math.round(p * 100)}`,
      value: percentile(result.openTimes, p),
      unit: 'ms',
      goal: goal ? { compare: '<', bound: OPEN_GOAL_MS } : null,
      note: openNote,
    });
  const frameFigure = (p: number, goal: boolean): Figure =>
    peerlessFigure({
      name: `regions.drag-frame.p${Math.round(p * 100)}`,
      value: percentile(result.frameTimes, p),
      unit: 'ms',
      goal: goal ? { compare: '<', bound: FRAME_GOAL_MS } : null,
      note: frameNote,
    });
  return [openFigure(0.5, false), openFigure(0.95, true), frameFigure(0.5, false), frameFigure(0.95, true)];
}
