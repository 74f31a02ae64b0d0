/**
 * The JavaScript CSV reader (main/core/bag/csv.ts) on 100k rows, each run in a fresh node process: an
 * earlier reader was bimodal, taking 4 s instead of 0.3 s in about one standalone run of six, as V8
 * optimised it one way or the other. The figure is the spread of the runs' CPU times (slowest ÷
 * fastest), which must stay near 1; CPU time rather than wall time, so that other work on a shared
 * machine does not pass for bimodality (both are in the note). The file mixes the shapes of a bag's CSVs: plain rows and rows with quoted fields
 * holding commas, doubled quotes and line feeds. With the C reader built, imports only use this reader
 * for headers, array and JSON columns and as the fallback; it is what a machine without a compiler runs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, type BenchContext, type Figure } from './context.js';
import { peerlessFigure } from './peerless-figure.js';
import { SeededRandom } from './synthetic/random.js';

const ROWS = 100_000;
const RUNS = 5;
const SPREAD_GOAL = 1.5;

function writeCsv(file: string): void {
  const random = new SeededRandom(7);
  const lines = ['RID,RCT,Filename,Description,Length,Width,Confidence'];
  for (let i = 0; i < ROWS; i++) {
    const rid = `1-${i.toString(36).toUpperCase().padStart(4, '0')}`;
    const quoted = random.next() < 0.3;
    const name = quoted ? `"img ${i}, ""copy"".jpg"` : `img_${i}.jpg`;
    const description =
      random.next() < 0.05 ? `"line one\nline two of ${i}"` : random.next() < 0.5 ? '' : `plain text ${i}`;
    const confidence = random.next() < 0.5 ? '' : random.between(0, 1).toFixed(4);
    lines.push(
      `${rid},2026-12-01 10:00:00.${i % 1000}+00,${name},${description},${random.int(90000)},640,${confidence}`,
    );
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const file = path.join(context.workDir, 'csv-parse.csv');
  writeCsv(file);
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'csv-parse-child.js');
  const runs = Array.from({ length: context.scale.smoke ? 2 : RUNS }, () => {
    const output = execFileSync(process.execPath, [child, file], { encoding: 'utf8', timeout: 120_000 });
    return JSON.parse(output) as { ms: number; cpuMs: number; records: number };
  });
  const bad = runs.find((measured) => measured.records !== ROWS + 1);
  if (bad) throw new Error(`the reader gave ${bad.records} records, expected ${ROWS + 1}`);
  const times = runs.map((measured) => measured.ms);
  const cpuTimes = runs.map((measured) => measured.cpuMs);
  const list = (values: number[]) => values.map((ms) => ms.toFixed(0)).join(', ');
  context.log(`csv-parse: ${list(times)} ms (CPU ${list(cpuTimes)} ms)`);
  const spread = Math.max(...cpuTimes) / Math.min(...cpuTimes);
  const note =
    `${runs.length} runs, each a new node process reading ${ROWS} rows (${(fs.statSync(file).size / 1e6).toFixed(1)} MB, ` +
    `30% with quoted fields, 5% with line feeds inside) with readCsvFile: CPU ${list(cpuTimes)} ms, wall ${list(times)} ms`;
  fs.rmSync(file, { force: true });
  return [
    peerlessFigure({
      name: 'csv-parse.spread',
      value: spread,
      unit: '×',
      goal: { compare: '<', bound: SPREAD_GOAL },
      note: `slowest ÷ fastest run (CPU time); ${note}; no peer: the spread is the reader against itself`,
    }),
    peerlessFigure({
      name: 'csv-parse.rows-per-second',
      value: ROWS / (median(times) / 1000),
      unit: 'rows/s',
      goal: null,
      note: `median run, wall time; ${note}; no peer`,
    }),
  ];
}
