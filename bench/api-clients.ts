/**
 * The API under 50 concurrent clients: `satchel serve` on the synthetic bag, and 50 clients over HTTP
 * scrolling its grid at 3 screens a second, as 50 browser tabs would. Each screen asks for a page of
 * members (bag:members) and the thumbnails of its tiles; a screen left gives up its thumbnails still
 * pending, as a browser does for images that left the page. Each client stops on its last screen and
 * waits for its thumbnails: the time it looks at blank tiles.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startServeProcess } from './browser.js';
import { percentile, syntheticBag, type BenchContext, type Figure } from './context.js';
import { peerlessFigure } from './peerless-figure.js';
import { SeededRandom } from './synthetic/random.js';

const CLIENTS = 50;
/** Requests a browser has under way to one host over HTTP/1.1; the others wait in the browser. */
const CONNECTIONS_PER_CLIENT = 6;
/** Tiles of one screen of the grid. */
const SCREEN_TILES = 24;
const SCREENS_PER_SECOND = 3;
const API_P95_GOAL_MS = 100;
const THUMBNAIL_P95_GOAL_MS = 300;
const START_TIMEOUT_MS = 10 * 60_000;

function scrolledScreens(context: BenchContext): number {
  return context.scale.smoke ? 6 : 15;
}

interface Samples {
  /** bag:members round trips, every screen of every client. */
  api: number[];
  /** Thumbnails of the screens the clients stopped on, from the request to the last byte. */
  thumbnails: number[];
  /** Thumbnails answered (any screen), given up while scrolling, and missing (holey tiles, 404). */
  answered: number;
  givenUp: number;
  missing: number;
}

interface Session {
  origin: string;
  cookie: string;
  bagId: string;
  datasetRid: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function members(session: Session, offset: number): Promise<string[]> {
  const response = await fetch(`${session.origin}/api/bag:members`, {
    method: 'POST',
    headers: { Cookie: session.cookie, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      bagId: session.bagId,
      datasetRid: session.datasetRid,
      elementType: 'Image',
      recurse: true,
      offset,
      limit: SCREEN_TILES,
    }),
  });
  const result = (await response.json()) as
    { ok: true; value: { rows: { RID: string }[] } } | { ok: false; error: { message: string } };
  if (!result.ok) throw new Error(`bag:members failed: ${result.error.message}`);
  return result.value.rows.map((row) => row.RID);
}

/** At most `limit` tasks at once, the others waiting in order, as a browser's connections to one host. */
class Connections {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * Milliseconds from asking for the thumbnail to its last byte (time waiting for a free connection
 * included); 'missing' for a 404, null when it was given up (before or after it was sent).
 */
async function thumbnail(
  session: Session,
  connections: Connections,
  rid: string,
  signal: AbortSignal,
): Promise<number | 'missing' | null> {
  const started = performance.now();
  return connections.run(async () => {
    if (signal.aborted) return null;
    try {
      const response = await fetch(`${session.origin}/thumb/${session.bagId}/Image/${rid}`, {
        headers: { Cookie: session.cookie },
        signal,
      });
      await response.arrayBuffer();
      return response.status === 200 ? performance.now() - started : 'missing';
    } catch {
      return null;
    }
  });
}

async function client(session: Session, total: number, screens: number, seed: number, samples: Samples) {
  const random = new SeededRandom(seed);
  const connections = new Connections(CONNECTIONS_PER_CLIENT);
  let offset = random.int(Math.max(1, total - (screens + 1) * SCREEN_TILES));
  let screen: { controller: AbortController; thumbnails: Promise<void>[]; times: number[] } | null = null;
  for (let step = 0; step <= screens; step++) {
    const stepStarted = performance.now();
    screen?.controller.abort();
    const controller = new AbortController();
    const times: number[] = [];
    const started = performance.now();
    const rids = await members(session, offset);
    samples.api.push(performance.now() - started);
    const thumbnails = rids.map((rid) =>
      thumbnail(session, connections, rid, controller.signal).then((outcome) => {
        if (outcome === null) samples.givenUp++;
        else if (outcome === 'missing') samples.missing++;
        else {
          samples.answered++;
          times.push(outcome);
        }
      }),
    );
    screen = { controller, thumbnails, times };
    offset += SCREEN_TILES;
    if (step < screens) await sleep(1000 / SCREENS_PER_SECOND - (performance.now() - stepStarted));
  }
  await Promise.all(screen!.thumbnails);
  samples.thumbnails.push(...screen!.times);
}

async function measure(context: BenchContext): Promise<{ samples: Samples; total: number }> {
  const bag = await syntheticBag(context);
  const workspace = fs.mkdtempSync(path.join(context.workDir, 'api-clients-'));
  const server = await startServeProcess({ workspace, bag: bag.bagDir, startTimeoutMs: START_TIMEOUT_MS });
  try {
    const login = await fetch(server.url, { redirect: 'manual' });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const opened = (await (
      await fetch(`${server.origin}/api/bag:open`, {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/json' },
        body: JSON.stringify({ path: bag.bagDir }),
      })
    ).json()) as { ok: true; value: { bagId: string } } | { ok: false; error: { message: string } };
    if (!opened.ok) throw new Error(`bag:open failed: ${opened.error.message}`);
    const session: Session = {
      origin: server.origin,
      cookie,
      bagId: opened.value.bagId,
      datasetRid: bag.rid,
    };
    const samples: Samples = { api: [], thumbnails: [], answered: 0, givenUp: 0, missing: 0 };
    const screens = scrolledScreens(context);
    context.log(`api-clients: ${CLIENTS} clients scrolling ${screens} screens of ${SCREEN_TILES} tiles`);
    await Promise.all(
      Array.from({ length: CLIENTS }, (_, index) =>
        client(session, bag.imageRids.length, screens, 1000 + index, samples),
      ),
    );
    return { samples, total: bag.imageRids.length };
  } finally {
    await server.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const { samples, total } = await measure(context);
  const setting =
    `${CLIENTS} HTTP clients (${CONNECTIONS_PER_CLIENT} connections each, as a browser) against one \`satchel serve\` on the ${total}-image synthetic bag (one image in ten on disk), ` +
    `each scrolling ${scrolledScreens(context)} screens of ${SCREEN_TILES} tiles at ${SCREENS_PER_SECOND} screens/s from a random ` +
    `offset, a fresh thumbnail cache; thumbnails of a screen left are given up (the request aborted)`;
  const counts =
    `${samples.answered} thumbnails answered, ${samples.givenUp} given up while scrolling, ` +
    `${samples.missing} missing (holey tiles)`;
  context.log(`api-clients: ${counts}`);
  const p95 = (values: number[]) => (values.length === 0 ? null : percentile(values, 0.95));
  return [
    peerlessFigure({
      name: 'api-clients.members-page.p95',
      value: p95(samples.api),
      unit: 'ms',
      goal: { compare: '<', bound: API_P95_GOAL_MS },
      note: `${samples.api.length} bag:members round trips of ${SCREEN_TILES} rows; ${setting}; no peer: no other server answers these`,
    }),
    peerlessFigure({
      name: 'api-clients.thumbnail.p95',
      value: p95(samples.thumbnails),
      unit: 'ms',
      goal: { compare: '<', bound: THUMBNAIL_P95_GOAL_MS },
      note:
        `${samples.thumbnails.length} thumbnails of the screens the clients stopped on, request to last byte; ` +
        `${counts}; ${setting}; no peer`,
    }),
  ];
}
