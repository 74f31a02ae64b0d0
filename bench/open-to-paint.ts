/**
 * Time from the renderer's `bag:open` to the first painted grid tile (thumbnail loaded), in Chromium
 * through browser mode: cold (fresh workspace, so the import is included) and warm (a new server on
 * the same workspace, a new page). The cold peer is the sqlite3 CLI importing the same CSVs.
 */
import { browserSession, describeOpen } from './browser-session.js';
import { latencyFigure, median, syntheticBag, type BenchContext, type Figure } from './context.js';
import { peerlessFigure } from './peerless-figure.js';
import { SQLITE3_CLI, sqlite3Import } from './peers.js';

const COLD_GOAL_MS = 5_000;
const WARM_GOAL_MS = 300;

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await syntheticBag(context);
  // The peer first, so its import never competes with the browser for the cores.
  const peer = await sqlite3Import(context);
  const session = await browserSession(context);
  const members = `${session.members} Image members (${bag.assetFiles} with JPEG files)`;
  return [
    latencyFigure({
      name: 'open-to-paint.cold',
      value: session.coldOpen.toPaintMs,
      peer: 'sqlite3 CLI .import of the same CSVs',
      peerValue: peer ? peer.seconds * 1000 : null,
      maxMs: COLD_GOAL_MS,
      note:
        `${members}; ${describeOpen(session.coldOpen)}; fresh workspace: import, datasets, first members page and first thumbnail; ` +
        (peer
          ? 'the peer only loads the CSVs into untyped tables (no indexes, no UI)'
          : `no peer: ${SQLITE3_CLI} is not installed`),
    }),
    peerlessFigure({
      name: 'open-to-paint.warm',
      value: median(session.warmOpens.map((open) => open.toPaintMs)),
      unit: 'ms',
      goal: { compare: '<', bound: WARM_GOAL_MS },
      note:
        `${members}; median of ${session.warmOpens.length} opens: ${session.warmOpens.map(describeOpen).join(', ')}; ` +
        'each by a new satchel serve on the imported workspace in a new browser context; ' +
        'no peer: no other tool opens a DerivaML bag to a thumbnail grid',
    }),
  ];
}
