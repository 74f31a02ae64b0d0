/** Shared by the end-to-end tests: the real `satchel serve` CLI, Debian's Chromium, screenshots. */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import {
  CHROMIUM_PATH,
  chromiumAvailable,
  launchChromium,
  startServeProcess,
  type ServeProcess,
} from '../../bench/browser.js';
import type { DomElement, DomImage } from '../../bench/page-dom.js';
import type { OpenedBag } from '../../shared/contract.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

export const SCREENSHOT_DIR = path.join(repoRoot, 'test-artifacts', 'screenshots');
/** Long enough for a cold import and thumbnails on a busy 2-core machine, short enough to fail fast. */
export const UI_TIMEOUT_MS = 15_000;
export const VIEWPORT = { width: 1280, height: 800 };

/**
 * Why the end-to-end tests cannot run here, or null. They stand on the bags the project generates, so
 * only a missing Chromium skips them; failures never do.
 */
export function e2eSkipReason(): string | null {
  return chromiumAvailable() ? null : `no Chromium at ${CHROMIUM_PATH}`;
}

/** `name` plus, when skipped, the reason in the suite name so the report says why. */
export function suiteName(name: string): string {
  const reason = e2eSkipReason();
  return reason ? `${name} (skipped: ${reason})` : name;
}

/** expect.poll with the UI's patience: the page may still be importing a bag or fetching a page. */
export function eventually<T>(read: () => T | Promise<T>) {
  return expect.poll(read, { timeout: UI_TIMEOUT_MS });
}

export interface Session {
  server: ServeProcess;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  workspace: string;
  /** Uncaught exceptions in the page: a crash of the renderer, never expected. */
  pageErrors: string[];
  close(): Promise<void>;
}

/**
 * A fresh workspace, `satchel serve [BAG]` and a signed-in page. The server is spawned from the built
 * CLI (`npm test` builds first): that is the path a user takes, and the API worker thread needs the
 * compiled JavaScript anyway. Always call close(), even when a step failed.
 */
export interface SessionOptions {
  bag?: string;
  /** The home folder the server sees (`~`, `~/.deriva-ml`); the test's own by default. */
  home?: string;
  /** Lets a test inject a script (axe-core) that the app's CSP would refuse; the CSP is tested on its own. */
  bypassCSP?: boolean;
}

export async function openSession(options: SessionOptions = {}): Promise<Session> {
  const scratch = temporaryDirectory('satchel-e2e-');
  const workspace = path.join(scratch.dir, 'workspace');
  let server: ServeProcess | undefined;
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => undefined);
    await server?.stop();
    scratch.cleanup();
  };
  try {
    const start = () => startServeProcess({ workspace, ...(options.bag ? { bag: options.bag } : {}) });
    server = options.home ? await withHome(options.home, start) : await start();
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: VIEWPORT,
      ...(options.bypassCSP ? { bypassCSP: true } : {}),
    });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    return { server, browser, context, page, workspace, pageErrors, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs `start` (which spawns the server) with HOME set to `home`, so the server's `~` is that folder. */
async function withHome<T>(home: string, start: () => Promise<T>): Promise<T> {
  const previous = process.env.HOME;
  process.env.HOME = home;
  try {
    return await start();
  } finally {
    if (previous === undefined) delete process.env.HOME;
    else process.env.HOME = previous;
  }
}

/** The bag `satchel serve BAG` opened at start, as the API reports it. */
export async function startupBag(session: Session): Promise<OpenedBag> {
  const reply = await session.page.request.get(`${session.server.origin}/api/startup`);
  return ((await reply.json()) as { bag: OpenedBag }).bag;
}

/** One fact of the bag header ("Format", "Files", "Version"…), as shown. */
export function headerFact(page: Page, label: string): Promise<string | null> {
  return page
    .getByTestId('bag-header')
    .locator('.fact', { has: page.getByText(label, { exact: true }) })
    .locator('dd')
    .textContent();
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export interface TileState {
  rid: string | null;
  /** The file name in the tile's caption, null when the row has none (or has not arrived). */
  filename: string | null;
  /** 'loaded' (thumbnail shown), 'failed' (the missing-file state), 'loading' or 'pending' (row not fetched). */
  state: 'loaded' | 'failed' | 'loading' | 'pending';
  naturalWidth: number;
}

/** The tiles whose box intersects the grid's visible area, in order. */
export function visibleTiles(page: Page): Promise<TileState[]> {
  return page.getByTestId('grid').evaluate((grid: DomElement): TileState[] => {
    const view = grid.getBoundingClientRect();
    return [...grid.querySelectorAll('.tile')]
      .filter((tile) => {
        const box = tile.getBoundingClientRect();
        return box.bottom > view.top && box.top < view.bottom;
      })
      .map((tile) => {
        const thumb = tile.querySelector('.thumb');
        const img = tile.querySelector('img') as DomImage | null;
        const state = !thumb
          ? 'pending'
          : thumb.classList.contains('loaded')
            ? 'loaded'
            : thumb.classList.contains('failed')
              ? 'failed'
              : 'loading';
        return {
          rid: tile.dataset.testid?.replace(/^tile-/, '') ?? null,
          filename: tile.querySelector('.tile-caption')?.getAttribute('title') ?? null,
          state,
          naturalWidth: img?.naturalWidth ?? 0,
        };
      });
  });
}

/** Waits until every visible tile has settled (thumbnail shown or missing state) and returns them. */
export async function settledVisibleTiles(page: Page): Promise<TileState[]> {
  const settled = (tiles: TileState[]) =>
    tiles.length > 0 && tiles.every((tile) => tile.state === 'loaded' || tile.state === 'failed');
  await eventually(async () => settled(await visibleTiles(page))).toBe(true);
  return visibleTiles(page);
}
