import path from 'node:path';
import { buildWorld, worldBag, writeFormatBBag } from '../main/core/sample/index.js';
import type { BenchContext } from './context.js';
import { DOMAIN_SCHEMA } from './synthetic/model.js';

export interface WorldBagOnDisk {
  bagDir: string;
  /** Rows of the bag's Image table. */
  images: number;
}

/**
 * The sample world's Format B bag at 1.0.0 (what the tests and the first-use sample stand on: MNIST
 * digits with three raters' labels), written by Satchel's own code once per run.
 */
export function sampleWorldBag(context: BenchContext): Promise<WorldBagOnDisk> {
  return context.shared('world-bag', async () => {
    context.log('writing the sample world bag (1.0.0)');
    const world = await buildWorld();
    const bag = worldBag(world, '1.0.0');
    const bagDir = path.join(context.workDir, 'world', `Dataset_${world.ids.datasets.complete}`);
    writeFormatBBag(bagDir, bag);
    const imageTable = bag.tables.find((table) => table.schema === DOMAIN_SCHEMA && table.table === 'Image');
    if (!imageTable) throw new Error('the sample world bag has no Image table');
    return { bagDir, images: imageTable.rows.length };
  });
}
