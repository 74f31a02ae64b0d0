/**
 * Opening the synthetic bag in Chromium through browser mode, to the first frame that paints a decoded
 * thumbnail (see browser-session.ts). Cold: the bag's files evicted from the page cache with
 * `vmtouch -e`, a fresh workspace (so the import is included), timed from spawning `satchel serve BAG`.
 * Warm: the bag already imported, opened from the library of a new server and page, timed from the
 * renderer's `bag:open` request. The cold figure's peer is the fair sqlite3 peer building the same
 * database (no server, no page, warm cache), the floor of any import.
 */
import { importMeasurements } from './bag-import.js';
import { browserSession, describeOpen } from './browser-session.js';
import {
  latencyFigure,
  median,
  syntheticBag,
  type BenchContext,
  type Figure,
  type ScaleName,
} from './context.js';
import { VMTOUCH } from './page-cache.js';
import { peerlessFigure } from './peerless-figure.js';

const COLD_GOAL_MS: Partial<Record<ScaleName, number>> = { '10k': 3_000, '100k': 3_000 };
const WARM_GOAL_MS: Partial<Record<ScaleName, number>> = { '10k': 300, '100k': 300, '1m': 1_000 };

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await syntheticBag(context);
  // The imports first, so the peers never compete with the browser for the cores.
  const imports = await importMeasurements(context);
  const session = await browserSession(context);
  const members = `${session.members} Image members (${bag.assetFiles} with JPEG files, the rest holey)`;
  const fairPeer = imports.fair ? median(imports.fair) * 1000 : null;
  const coldGoal = COLD_GOAL_MS[context.scale.name];
  const warmGoal = WARM_GOAL_MS[context.scale.name];
  const firstPaint = 'the first animation frame after a grid thumbnail was loaded and decoded (img.decode())';
  return [
    latencyFigure({
      name: 'open-to-paint.cold',
      value: session.cold?.toPaintMs ?? null,
      peer: 'sqlite3 CLI building the same database',
      peerValue: fairPeer,
      ...(coldGoal === undefined ? {} : { maxMs: coldGoal }),
      note: session.cold
        ? `${members}; the bag's files evicted from the page cache with vmtouch -e (${session.cold.evicted}; ` +
          "Satchel's own code, node and Chromium stay cached), a fresh workspace; from spawning " +
          `\`satchel serve BAG\` to ${firstPaint}: node start, server, page load, import, datasets, first members ` +
          'page, first thumbnail; the peer only builds the database, warm'
        : `no value: ${VMTOUCH} is missing (apt-get install vmtouch), so the bag could not be evicted`,
    }),
    peerlessFigure({
      name: 'open-to-paint.warm',
      value: median(session.warmOpens.map((open) => open.toPaintMs)),
      unit: 'ms',
      goal: warmGoal === undefined ? null : { compare: '<', bound: warmGoal },
      note:
        `${members}; median of ${session.warmOpens.length} opens: ${session.warmOpens.map(describeOpen).join(', ')}; ` +
        `each by a new satchel serve on the imported workspace and a new page, the path typed into the library; ` +
        `from the renderer's bag:open request to ${firstPaint}; ` +
        'no peer: no other tool opens a DerivaML bag to a thumbnail grid',
    }),
    peerlessFigure({
      name: 'open-to-paint.warm-start',
      value: session.warmStartMs,
      unit: 'ms',
      goal: null,
      note: `${members}; as the cold figure (from spawning satchel serve BAG) but with the bag imported and in the page cache; no peer`,
    }),
  ];
}
