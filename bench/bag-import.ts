/**
 * Importing the synthetic bag (its CSVs and fetch.txt into the bag database, on first open) beside two
 * sqlite3 CLI peers: the plain one (`.import` into untyped tables, nothing else) and the fair one
 * (Satchel's own typed tables and indexes, fetch.txt, ANALYZE; see peers.ts). Each round imports with
 * all three on fresh files, Satchel in a process of its own whose peak RSS is the importer's; the
 * figures are medians over the rounds.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  csvRowCount,
  median,
  syntheticBag,
  throughputFigure,
  type BenchContext,
  type Figure,
} from './context.js';
import { peerlessFigure } from './peerless-figure.js';
import { SQLITE3_CLI, sqlite3Available, sqlite3FairImport, sqlite3PlainImport } from './peers.js';

const PEAK_RSS_GOAL_MB = 500;
const MB = 1e6;
const FAIR_PEER = 'sqlite3 CLI into the same schema';
const PLAIN_PEER = 'sqlite3 .import';

interface SatchelRun {
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  databasePath: string;
  reader: string;
}

export interface ImportMeasurements {
  rows: number;
  satchel: SatchelRun[];
  /** The workspace of the last Satchel import, kept for the figures that read its database. */
  workspace: string;
  plain: number[] | null;
  fair: number[] | null;
  /** CPU seconds of the peers' sqlite3 processes, where GNU time could tell. */
  plainCpu: (number | null)[];
  fairCpu: (number | null)[];
  /** The plain peer's database from the last round. */
  plainDatabase: string | null;
}

function importInChild(context: BenchContext, bagDir: string, workspace: string): SatchelRun {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'import-child.js');
  const output = execFileSync(process.execPath, [child, bagDir, workspace], {
    encoding: 'utf8',
    timeout: context.scale.moduleTimeoutMs,
    maxBuffer: 1 << 20,
  });
  return JSON.parse(output.trim().split('\n').at(-1)!) as SatchelRun;
}

/** The import rounds, measured once per scale and shared with the figures that need an imported bag. */
export function importMeasurements(context: BenchContext): Promise<ImportMeasurements> {
  return context.shared('imports', async () => {
    const bag = await syntheticBag(context);
    const dir = path.join(context.workDir, 'imports');
    fs.mkdirSync(dir, { recursive: true });
    const measured: ImportMeasurements = {
      rows: csvRowCount(bag),
      satchel: [],
      workspace: '',
      plain: sqlite3Available() ? [] : null,
      fair: sqlite3Available() ? [] : null,
      plainDatabase: null,
      plainCpu: [],
      fairCpu: [],
    };
    for (let round = 1; round <= context.scale.rounds; round++) {
      if (measured.workspace) fs.rmSync(measured.workspace, { recursive: true, force: true });
      measured.workspace = path.join(dir, `satchel-workspace-${round}`);
      const satchel = importInChild(context, bag.bagDir, measured.workspace);
      measured.satchel.push(satchel);
      const line = [`import round ${round}: Satchel ${satchel.seconds.toFixed(2)} s (${satchel.reader})`];
      if (measured.plain && measured.fair) {
        const plainDatabase = path.join(dir, 'plain-peer.sqlite');
        const plain = sqlite3PlainImport(context, bag, plainDatabase);
        measured.plain.push(plain.seconds);
        measured.plainCpu.push(plain.cpuSeconds);
        measured.plainDatabase = plainDatabase;
        const fairDatabase = path.join(dir, 'fair-peer.sqlite');
        const fair = sqlite3FairImport(context, bag, satchel.databasePath, fairDatabase);
        measured.fair.push(fair.seconds);
        measured.fairCpu.push(fair.cpuSeconds);
        fs.rmSync(fairDatabase, { force: true });
        line.push(
          `plain peer ${measured.plain.at(-1)!.toFixed(2)} s, fair peer ${measured.fair.at(-1)!.toFixed(2)} s`,
        );
      }
      context.log(line.join(', '));
    }
    return measured;
  });
}

/** The Satchel workspace holding the imported synthetic bag (for the members-page figures). */
export async function satchelImport(context: BenchContext): Promise<{ workspace: string }> {
  return { workspace: (await importMeasurements(context)).workspace };
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await syntheticBag(context);
  const measured = await importMeasurements(context);
  const satchelSeconds = median(measured.satchel.map((run) => run.seconds));
  const plainSeconds = measured.plain ? median(measured.plain) : null;
  const fairSeconds = measured.fair ? median(measured.fair) : null;
  const readers = [...new Set(measured.satchel.map((run) => run.reader))].join(', ');
  const rounds = measured.satchel.length;
  const seconds = (values: readonly (number | null)[] | null) =>
    values ? values.map((value) => (value === null ? '?' : value.toFixed(2))).join(', ') : '–';
  const setting =
    `${bag.imageRids.length} images, ${bag.featureRows} feature rows, ${measured.rows} CSV rows and ` +
    `${bag.imageRids.length} fetch.txt lines; median of ${rounds} round${rounds === 1 ? '' : 's'}: ` +
    `Satchel ${seconds(measured.satchel.map((run) => run.seconds))} s (CSV reader: ${readers}), ` +
    `fair peer ${seconds(measured.fair)} s, plain peer ${seconds(measured.plain)} s; CPU seconds: Satchel ` +
    `${seconds(measured.satchel.map((run) => run.cpuSeconds))}, fair peer ${seconds(measured.fairCpu)}, ` +
    `plain peer ${seconds(measured.plainCpu)}; ` +
    "Satchel's time is openBag on a new workspace in a process of its own (key, schema, import, indexes, counts)";
  const noPeer = `no peer: ${SQLITE3_CLI} is not installed`;
  const rate = (value: number | null) => (value === null ? null : measured.rows / value);
  return [
    throughputFigure({
      name: 'bag-import.rows-per-second',
      value: rate(satchelSeconds),
      unit: 'rows/s',
      peer: FAIR_PEER,
      peerValue: rate(fairSeconds),
      minRatio: 1,
      note:
        fairSeconds === null
          ? `${setting}; ${noPeer}`
          : `${setting}; ${'the fair peer'} builds Satchel's tables and indexes (see bench/peers.ts)`,
    }),
    throughputFigure({
      name: 'bag-import.rows-per-second.plain',
      value: rate(satchelSeconds),
      unit: 'rows/s',
      peer: PLAIN_PEER,
      peerValue: rate(plainSeconds),
      minRatio: 0.8,
      note:
        plainSeconds === null
          ? `${setting}; ${noPeer}`
          : `${setting}; the plain peer loads untyped tables only`,
    }),
    {
      name: 'bag-import.seconds',
      value: satchelSeconds,
      unit: 's',
      peer: FAIR_PEER,
      peerValue: fairSeconds,
      ratio: fairSeconds ? satchelSeconds / fairSeconds : null,
      goal: null,
      met: null,
      note: setting,
    },
    {
      name: 'bag-import.seconds.plain',
      value: satchelSeconds,
      unit: 's',
      peer: PLAIN_PEER,
      peerValue: plainSeconds,
      ratio: plainSeconds ? satchelSeconds / plainSeconds : null,
      goal: null,
      met: null,
      note: setting,
    },
    peerlessFigure({
      name: 'bag-import.peak-rss',
      value: Math.max(...measured.satchel.map((run) => run.peakRssBytes)) / MB,
      unit: 'MB',
      goal: { compare: '<', bound: PEAK_RSS_GOAL_MB },
      note:
        `highest peak RSS (getrusage maxrss) of the import processes, node itself included; ${setting}; ` +
        'no peer: the sqlite3 CLI holds no parsed rows',
    }),
  ];
}
