/**
 * Benchmark harness: `npm run bench [-- --only NAME] [-- --scale 10k|100k|1m|small]`.
 * Runs the benchmark modules in a temporary folder (removed at the end): those measured on the synthetic
 * bag once per scale (10k, 100k and 1M images by default), the others once. Prints the results as JSON
 * and writes them to bench/results/latest.json + bench/results/<YYYY-MM-DD>.json, with each figure's
 * growth exponent and the scale plot bench/results/scale-plot.svg. Partial runs (--only, or other
 * scales) write bench/results/partial.json and partial.svg instead, so a smoke check never replaces a
 * full record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as apiClients from './api-clients.js';
import * as bagImport from './bag-import.js';
import * as bagVerify from './bag-verify.js';
import * as commitThroughput from './commit-throughput.js';
import { SCALES, type BenchModule, type Figure, type Scale, type ScaleName } from './context.js';
import * as csvParse from './csv-parse.js';
import * as gridScroll from './grid-scroll.js';
import * as labelLatency from './label-latency.js';
import * as membersPage from './members-page.js';
import * as memory from './memory.js';
import * as openToPaint from './open-to-paint.js';
import { packageRoot } from './paths.js';
import { writeScalePlot } from './plot.js';
import * as regions from './regions.js';
import { figuresTable, growthTable } from './report.js';
import { FULL_SCALES, growthOf, runAtScales, type Growth } from './scales.js';
import * as thumbnails from './thumbnails.js';

/** Add new benchmarks here: each module exports `run(context): Promise<Figure[]>`. */
const MODULES: BenchModule[] = [
  { name: 'bag-import', run: bagImport.run },
  { name: 'csv-parse', run: csvParse.run },
  { name: 'bag-verify', run: bagVerify.run },
  { name: 'members-page', run: membersPage.run },
  { name: 'commit-throughput', run: commitThroughput.run },
  { name: 'thumbnails', run: thumbnails.run },
  { name: 'open-to-paint', run: openToPaint.run },
  { name: 'grid-scroll', run: gridScroll.run },
  { name: 'memory', run: memory.run },
  { name: 'label-latency', run: labelLatency.run },
  { name: 'regions', run: regions.run },
  { name: 'api-clients', run: apiClients.run },
];

interface Options {
  scales: Scale[];
  modules: BenchModule[];
  partial: boolean;
}

interface BenchResults {
  date: string;
  scales: ScaleName[];
  modules: string[];
  machine: { cores: number; memoryGiB: number; node: string; platform: string };
  figures: Figure[];
  growth: Growth[];
  errors?: { module: string; message: string }[];
}

const USAGE = `usage: node dist/bench/run.js [--only NAME]... [--scale full|10k|100k|1m|small]...
benchmarks: ${MODULES.map((module) => module.name).join(', ')}`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', multiple: true },
      scale: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const names = (values.scale ?? ['full']).flatMap((name) => (name === 'full' ? FULL_SCALES : [name]));
  const unknownScale = names.find((name) => !Object.hasOwn(SCALES, name));
  if (unknownScale !== undefined) throw new Error(`unknown --scale ${unknownScale}\n${USAGE}`);
  const scales = [...new Set(names as ScaleName[])].map((name) => SCALES[name]);
  const fullScales = scales.map((scale) => scale.name).join() === FULL_SCALES.join();
  const only = (values.only ?? []).flatMap((name) => name.split(','));
  const unknown = only.filter((name) => !MODULES.some((module) => module.name === name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}\n${USAGE}`);
  const modules = only.length === 0 ? MODULES : MODULES.filter((module) => only.includes(module.name));
  return { scales, modules, partial: only.length > 0 || !fullScales };
}

function machine(): BenchResults['machine'] {
  return {
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

function localDate(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function writeResults(results: BenchResults, partial: boolean, now: Date): string[] {
  const dir = path.join(packageRoot(), 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const names = partial ? ['partial.json'] : ['latest.json', `${localDate(now)}.json`];
  const text = JSON.stringify(results, null, 2) + '\n';
  for (const name of names) fs.writeFileSync(path.join(dir, name), text);
  const plot = path.join(dir, partial ? 'partial.svg' : 'scale-plot.svg');
  const written = names.map((name) => path.join(dir, name));
  return writeScalePlot(results.growth, plot, results.date) ? [...written, plot] : written;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const now = new Date();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'satchel-bench-'));
  const removeWorkDir = (): void => fs.rmSync(workDir, { recursive: true, force: true });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      removeWorkDir();
      process.exit(130);
    });
  }
  let outcome: { figures: Figure[]; errors: { module: string; message: string }[] };
  try {
    outcome = await runAtScales(options.scales, options.modules, workDir);
  } finally {
    removeWorkDir();
  }
  const { growth, figures: derived } = growthOf(outcome.figures);
  const results: BenchResults = {
    date: now.toISOString(),
    scales: options.scales.map((scale) => scale.name),
    modules: options.modules.map((module) => module.name),
    machine: machine(),
    figures: [...outcome.figures, ...derived],
    growth,
    ...(outcome.errors.length > 0 ? { errors: outcome.errors } : {}),
  };
  console.log(JSON.stringify(results, null, 2));
  process.stderr.write(`\n${figuresTable(results.figures)}\n\n${growthTable(results.growth)}\n\n`);
  for (const file of writeResults(results, options.partial, now))
    process.stderr.write(`[bench] wrote ${file}\n`);
  return outcome.errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
