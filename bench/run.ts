/**
 * Benchmark harness: `npm run bench [-- --only NAME] [-- --scale small]`.
 * Runs the benchmark modules in a temporary folder (removed at the end), prints the results as JSON and
 * writes them to bench/results/latest.json + bench/results/<YYYY-MM-DD>.json. Partial runs (--only or
 * --scale small) write bench/results/partial.json instead, so a smoke check never replaces a full record.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as bagImport from './bag-import.js';
import * as bagVerify from './bag-verify.js';
import * as commitThroughput from './commit-throughput.js';
import {
  SCALES,
  createContext,
  type BenchModule,
  type Figure,
  type Scale,
  type ScaleName,
} from './context.js';
import * as gridScroll from './grid-scroll.js';
import * as labelLatency from './label-latency.js';
import * as membersPage from './members-page.js';
import * as memory from './memory.js';
import * as openToPaint from './open-to-paint.js';
import { packageRoot } from './paths.js';
import * as regions from './regions.js';
import * as thumbnails from './thumbnails.js';

/** Add new benchmarks here: each module exports `run(context): Promise<Figure[]>`. */
const MODULES: BenchModule[] = [
  { name: 'bag-import', run: bagImport.run },
  { name: 'bag-verify', run: bagVerify.run },
  { name: 'members-page', run: membersPage.run },
  { name: 'commit-throughput', run: commitThroughput.run },
  { name: 'thumbnails', run: thumbnails.run },
  { name: 'open-to-paint', run: openToPaint.run },
  { name: 'grid-scroll', run: gridScroll.run },
  { name: 'memory', run: memory.run },
  { name: 'label-latency', run: labelLatency.run },
  { name: 'regions', run: regions.run },
];

interface Options {
  scale: Scale;
  modules: BenchModule[];
  partial: boolean;
}

interface BenchResults {
  date: string;
  scale: ScaleName;
  modules: string[];
  machine: { cores: number; memoryGiB: number; node: string; platform: string };
  figures: Figure[];
  errors?: { module: string; message: string }[];
}

const USAGE = `usage: node dist/bench/run.js [--only NAME]... [--scale full|small]
benchmarks: ${MODULES.map((module) => module.name).join(', ')}`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string', multiple: true },
      scale: { type: 'string', default: 'full' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if (values.scale !== 'full' && values.scale !== 'small')
    throw new Error(`unknown --scale ${values.scale}\n${USAGE}`);
  const only = (values.only ?? []).flatMap((name) => name.split(','));
  const unknown = only.filter((name) => !MODULES.some((module) => module.name === name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}\n${USAGE}`);
  const modules = only.length === 0 ? MODULES : MODULES.filter((module) => only.includes(module.name));
  return { scale: SCALES[values.scale], modules, partial: only.length > 0 || values.scale !== 'full' };
}

function machine(): BenchResults['machine'] {
  return {
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

/** Rejects after `ms`; the work itself cannot be cancelled, so the harness exits right after reporting. */
function withTimeout<T>(work: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

async function runModules(
  options: Options,
  workDir: string,
): Promise<Pick<BenchResults, 'figures' | 'errors'>> {
  const context = createContext(options.scale, workDir);
  const figures: Figure[] = [];
  const errors: { module: string; message: string }[] = [];
  for (const module of options.modules) {
    context.log(`== ${module.name} (${options.scale.name} scale)`);
    try {
      figures.push(...(await withTimeout(module.run(context), options.scale.moduleTimeoutMs, module.name)));
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      context.log(`${module.name} failed: ${message}`);
      errors.push({ module: module.name, message: error instanceof Error ? error.message : String(error) });
    }
  }
  return errors.length > 0 ? { figures, errors } : { figures };
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
  return names.map((name) => path.join(dir, name));
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
  let outcome: Pick<BenchResults, 'figures' | 'errors'>;
  try {
    outcome = await runModules(options, workDir);
  } finally {
    removeWorkDir();
  }
  const results: BenchResults = {
    date: now.toISOString(),
    scale: options.scale.name,
    modules: options.modules.map((module) => module.name),
    machine: machine(),
    ...outcome,
  };
  console.log(JSON.stringify(results, null, 2));
  for (const file of writeResults(results, options.partial, now))
    process.stderr.write(`[bench] wrote ${file}\n`);
  return outcome.errors ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
