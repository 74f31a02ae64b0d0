import path from 'node:path';
import { writeSyntheticBag, type SyntheticBag } from './synthetic-bag.js';

export type ScaleName = 'small' | '10k' | '100k' | '1m';

/** The size of the synthetic bag a run measures, and how thoroughly. */
export interface Scale {
  name: ScaleName;
  images: number;
  featureRows: number;
  /** Images with their JPEG on disk (one in ten, spread over the grid); the others are holey. */
  jpegFiles: number;
  /** JPEGs rendered; the other files repeat their bytes. */
  distinctJpegs: number;
  /** A quick smoke run: fewer rounds and samples, no goals worth reading. */
  smoke: boolean;
  /** Repetitions of the import and verify measurements (the median is reported). */
  rounds: number;
  /** Upper bound for one benchmark module. */
  moduleTimeoutMs: number;
}

const MINUTE = 60_000;

export const SCALES: Record<ScaleName, Scale> = {
  small: {
    name: 'small',
    images: 5_000,
    featureRows: 50_000,
    jpegFiles: 500,
    distinctJpegs: 200,
    smoke: true,
    rounds: 1,
    moduleTimeoutMs: 5 * MINUTE,
  },
  '10k': {
    name: '10k',
    images: 10_000,
    featureRows: 100_000,
    jpegFiles: 1_000,
    distinctJpegs: 1_000,
    smoke: false,
    rounds: 3,
    moduleTimeoutMs: 15 * MINUTE,
  },
  '100k': {
    name: '100k',
    images: 100_000,
    featureRows: 1_000_000,
    jpegFiles: 10_000,
    distinctJpegs: 2_000,
    smoke: false,
    rounds: 3,
    moduleTimeoutMs: 20 * MINUTE,
  },
  '1m': {
    name: '1m',
    images: 1_000_000,
    featureRows: 10_000_000,
    jpegFiles: 100_000,
    distinctJpegs: 2_000,
    smoke: false,
    rounds: 1,
    moduleTimeoutMs: 60 * MINUTE,
  },
};

/**
 * One measured number. `ratio` is always value / peerValue: above 1 is better for throughput,
 * below 1 is better for latency. `goal`/`met` are null for purely informational figures.
 */
export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  peer: string | null;
  peerValue: number | null;
  ratio: number | null;
  goal: string | null;
  met: boolean | null;
  note?: string;
  /** The synthetic bag's scale, for figures measured on it (the others do not depend on its size). */
  scale?: ScaleName;
  images?: number;
}

export interface BenchContext {
  scale: Scale;
  /** Temporary folder for this run, removed at the end. */
  workDir: string;
  /** Creates a resource once per run and shares it between modules (the bag, imported databases…). */
  shared<T>(key: string, create: () => Promise<T>): Promise<T>;
  log(message: string): void;
}

export interface BenchModule {
  name: string;
  run(context: BenchContext): Promise<Figure[]>;
}

export function createContext(scale: Scale, workDir: string): BenchContext {
  const resources = new Map<string, Promise<unknown>>();
  const startedAt = performance.now();
  return {
    scale,
    workDir,
    shared<T>(key: string, create: () => Promise<T>): Promise<T> {
      let resource = resources.get(key) as Promise<T> | undefined;
      if (!resource) {
        resource = create();
        resources.set(key, resource);
      }
      return resource;
    },
    log(message: string): void {
      const elapsed = ((performance.now() - startedAt) / 1000).toFixed(1).padStart(6);
      process.stderr.write(`[bench ${elapsed}s] ${message}\n`);
    },
  };
}

export const SYNTHETIC_SEED = 1;

/** The synthetic Format B bag every bag benchmark measures (written once per run). */
export function syntheticBag(context: BenchContext): Promise<SyntheticBag> {
  return context.shared('synthetic-bag', async () => {
    const { images, featureRows, jpegFiles, distinctJpegs } = context.scale;
    context.log(
      `writing synthetic bag: ${images} images, ${featureRows} feature rows, ${jpegFiles} JPEG files`,
    );
    const [bag, seconds] = await timed(() =>
      writeSyntheticBag(path.join(context.workDir, 'bags'), {
        images,
        featureRows,
        jpegFiles,
        distinctJpegs,
        seed: SYNTHETIC_SEED,
      }),
    );
    context.log(`synthetic bag ${bag.bagDir} written in ${seconds.toFixed(1)} s`);
    return bag;
  });
}

export function csvRowCount(bag: SyntheticBag): number {
  return bag.tables.reduce((sum, table) => sum + table.rows, 0);
}

/** Runs `work` and returns its result with the elapsed wall-clock seconds. */
export async function timed<T>(work: () => Promise<T> | T): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, (performance.now() - started) / 1000];
}

export function median(values: readonly number[]): number {
  return percentile(values, 0.5);
}

/** Nearest-rank percentile (p in 0..1). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

function ratioOf(value: number | null, peerValue: number | null): number | null {
  return value !== null && peerValue !== null && peerValue > 0 ? value / peerValue : null;
}

/** A higher-is-better figure whose goal is `value >= minRatio × peer`. */
export function throughputFigure(figure: {
  name: string;
  value: number | null;
  unit: string;
  peer: string;
  peerValue: number | null;
  minRatio: number;
  note?: string;
}): Figure {
  const ratio = ratioOf(figure.value, figure.peerValue);
  return {
    name: figure.name,
    value: figure.value,
    unit: figure.unit,
    peer: figure.peer,
    peerValue: figure.peerValue,
    ratio,
    goal: `>= ${figure.minRatio}x ${figure.peer}`,
    met: ratio === null ? null : ratio >= figure.minRatio,
    ...(figure.note ? { note: figure.note } : {}),
  };
}

/** A lower-is-better latency in ms, with an optional absolute goal `value < maxMs`. */
export function latencyFigure(figure: {
  name: string;
  value: number | null;
  peer: string;
  peerValue: number | null;
  maxMs?: number;
  note?: string;
}): Figure {
  const { maxMs } = figure;
  return {
    name: figure.name,
    value: figure.value,
    unit: 'ms',
    peer: figure.peer,
    peerValue: figure.peerValue,
    ratio: ratioOf(figure.value, figure.peerValue),
    goal: maxMs === undefined ? null : `< ${maxMs} ms`,
    met: maxMs === undefined || figure.value === null ? null : figure.value < maxMs,
    ...(figure.note ? { note: figure.note } : {}),
  };
}
