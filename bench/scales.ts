/**
 * Running the benchmarks at several sizes of the synthetic bag (10k, 100k and 1M images) and telling
 * how each figure grows with the size: the growth exponent k of value ∝ images^k between two scales
 * (1 is linear; a throughput that keeps up with the size has k ≈ 0).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  SCALES,
  createContext,
  type BenchContext,
  type BenchModule,
  type Figure,
  type Scale,
  type ScaleName,
} from './context.js';

export const FULL_SCALES: ScaleName[] = ['10k', '100k', '1m'];

/** The modules measured on the synthetic bag, once per scale; the others do not depend on its size. */
const PER_SCALE = new Set([
  'bag-import',
  'bag-verify',
  'members-page',
  'open-to-paint',
  'grid-scroll',
  'memory',
]);

/** The scale whose context runs the size-independent modules (for their smoke or full settings). */
const REFERENCE_SCALE: ScaleName = '100k';

export interface Growth {
  name: string;
  unit: string;
  /** Satchel's value and the peer's (when there is one) at each scale, smallest first. */
  points: { scale: ScaleName; images: number; value: number | null; peerValue: number | null }[];
  /** Exponent between consecutive scales, for the value and for the peer's value. */
  exponents: { from: ScaleName; to: ScaleName; value: number | null; peer: number | null }[];
}

interface Outcome {
  figures: Figure[];
  errors: { module: string; message: string }[];
}

/** Rejects after `ms`; the work itself cannot be cancelled, so the harness exits right after reporting. */
function withTimeout<T>(work: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} did not finish within ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const loadAverage = (): number => Math.round(os.loadavg()[0]! * 100) / 100;

/**
 * Runs the per-scale modules at every scale, each scale in its own folder (its modules share the bag)
 * removed once the scale is done, since a 1M-image bag and its databases take several GB; then the other
 * modules once. Each figure notes the 1-minute load average before and after its module, where other
 * work on the machine shows.
 */
export async function runAtScales(
  scales: readonly Scale[],
  modules: readonly BenchModule[],
  workDir: string,
): Promise<Outcome> {
  const outcome: Outcome = { figures: [], errors: [] };
  const runModule = async (module: BenchModule, context: BenchContext, perScale: boolean) => {
    const { scale } = context;
    const before = loadAverage();
    const size = perScale ? ` (${scale.name}: ${scale.images} images)` : '';
    context.log(`== ${module.name}${size}, load average ${before}`);
    try {
      const figures = await withTimeout(module.run(context), scale.moduleTimeoutMs, module.name);
      const load = `load average ${before} before, ${loadAverage()} after (${os.availableParallelism()} cores)`;
      for (const figure of figures) {
        outcome.figures.push({
          ...figure,
          ...(perScale ? { scale: scale.name, images: scale.images } : {}),
          note: figure.note ? `${figure.note}; ${load}` : load,
        });
      }
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      context.log(`${module.name} failed: ${message}`);
      outcome.errors.push({
        module: perScale ? `${module.name} (${scale.name})` : module.name,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  };
  const inFolder = async (name: string, scale: Scale, work: (context: BenchContext) => Promise<void>) => {
    const dir = fs.mkdtempSync(path.join(workDir, `${name}-`));
    try {
      await work(createContext(scale, dir));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  const perScale = modules.filter((module) => PER_SCALE.has(module.name));
  const others = modules.filter((module) => !PER_SCALE.has(module.name));
  if (perScale.length > 0) {
    for (const scale of scales) {
      await inFolder(scale.name, scale, async (context) => {
        for (const module of perScale) await runModule(module, context, true);
      });
    }
  }
  if (others.length > 0) {
    const reference = scales.find((scale) => scale.name === REFERENCE_SCALE) ?? scales[0]!;
    await inFolder('once', reference, async (context) => {
      for (const module of others) await runModule(module, context, false);
    });
  }
  return outcome;
}

function exponent(from: { images: number; value: number | null }, to: typeof from): number | null {
  if (from.value === null || to.value === null || from.value <= 0 || to.value <= 0) return null;
  return Math.log(to.value / from.value) / Math.log(to.images / from.images);
}

/**
 * The growth of every figure measured at more than one scale, and the import's growth figure: the
 * time's growth from 100k to 1M images against the fair peer's, which the goal bounds at 1.2×.
 */
export function growthOf(figures: readonly Figure[]): { growth: Growth[]; figures: Figure[] } {
  const byName = new Map<string, Figure[]>();
  for (const figure of figures) {
    if (!figure.scale || !figure.images) continue;
    byName.set(figure.name, [...(byName.get(figure.name) ?? []), figure]);
  }
  const growth: Growth[] = [];
  for (const [name, measured] of byName) {
    if (measured.length < 2) continue;
    const points = measured
      .sort((a, b) => a.images! - b.images!)
      .map((figure) => ({
        scale: figure.scale!,
        images: figure.images!,
        value: figure.value,
        peerValue: figure.peerValue,
      }));
    const exponents = points.slice(1).map((to, index) => {
      const from = points[index]!;
      return {
        from: from.scale,
        to: to.scale,
        value: exponent(from, to),
        peer: exponent({ ...from, value: from.peerValue }, { ...to, value: to.peerValue }),
      };
    });
    growth.push({ name, unit: measured[0]!.unit, points, exponents });
  }
  return { growth, figures: importGrowthFigure(byName.get('bag-import.seconds') ?? []) };
}

function importGrowthFigure(seconds: readonly Figure[]): Figure[] {
  const at = (scale: ScaleName) => seconds.find((figure) => figure.scale === scale);
  const from = at('100k');
  const to = at('1m');
  if (!from?.value || !to?.value || !from.peerValue || !to.peerValue) return [];
  const value = to.value / from.value;
  const peerValue = to.peerValue / from.peerValue;
  const imagesGrowth = SCALES['1m'].images / SCALES['100k'].images;
  return [
    {
      name: 'bag-import.growth-100k-to-1m',
      value,
      unit: '×',
      peer: from.peer,
      peerValue,
      ratio: value / peerValue,
      goal: `<= 1.2x ${from.peer ?? 'the peer'}'s growth`,
      met: value / peerValue <= 1.2,
      note:
        `import time at 1M images ÷ at 100k (${imagesGrowth}× the images and rows): Satchel ` +
        `${from.value.toFixed(2)} s → ${to.value.toFixed(2)} s, the peer ${from.peerValue.toFixed(2)} s → ` +
        `${to.peerValue.toFixed(2)} s`,
    },
  ];
}
