/** Figure (a): rows/s importing the synthetic bag's CSVs on first open, vs the sqlite3 CLI's `.import`. */
import fs from 'node:fs';
import path from 'node:path';
import { openBag } from '../main/core/bag/index.js';
import {
  csvRowCount,
  syntheticBag,
  timed,
  throughputFigure,
  type BenchContext,
  type Figure,
} from './context.js';
import { SQLITE3_CLI, sqlite3Import } from './peers.js';

export interface SatchelImport {
  workspace: string;
  seconds: number;
  rows: number;
}

/** Opens the synthetic bag once on a fresh workspace (which imports it); later opens reuse that workspace. */
export function satchelImport(context: BenchContext): Promise<SatchelImport> {
  return context.shared('satchel-import', async () => {
    const bag = await syntheticBag(context);
    const workspace = path.join(context.workDir, 'satchel-workspace');
    fs.mkdirSync(workspace, { recursive: true });
    context.log('satchel: openBag on a fresh workspace (import)');
    let lastPhase = '';
    const onProgress = (progress: { phase: string; done: number; total: number }): void => {
      if (progress.phase !== lastPhase) context.log(`satchel: ${progress.phase} (${progress.total})`);
      lastPhase = progress.phase;
    };
    const [opened, seconds] = await timed(() => openBag(bag.bagDir, { workspace, onProgress }));
    opened.close();
    const rows = csvRowCount(bag);
    context.log(`satchel: ${rows} rows imported in ${seconds.toFixed(2)} s`);
    return { workspace, seconds, rows };
  });
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await syntheticBag(context);
  const peer = await sqlite3Import(context);
  const satchel = await satchelImport(context);
  const sizes = `${bag.imageRids.length} images, ${bag.featureRows} feature rows, ${csvRowCount(bag)} CSV rows`;
  return [
    throughputFigure({
      name: 'bag-import.rows-per-second',
      value: satchel.rows / satchel.seconds,
      unit: 'rows/s',
      peer: 'sqlite3',
      peerValue: peer ? peer.rows / peer.seconds : null,
      minRatio: 0.8,
      note: peer
        ? `${sizes}; Satchel openBag ${satchel.seconds.toFixed(2)} s vs sqlite3 CLI .import ${peer.seconds.toFixed(2)} s`
        : `${sizes}; no peer: ${SQLITE3_CLI} is not installed`,
    }),
  ];
}
