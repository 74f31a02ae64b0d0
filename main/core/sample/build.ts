import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeIoError } from '../common/index.js';
import { writeFormatBBag } from './bag-writer.js';
import { buildWorld, WORLD_DATASET_RID, worldBag } from './world.js';

export const SAMPLE_DATASET_RID = WORLD_DATASET_RID;

export interface SampleProgress {
  phase: 'digits' | 'write';
  done: number;
  total: number;
}

/** `<workspace>/sample/Dataset_<RID>`: where the sample bag lives once built. */
export function samplePath(workspace: string): string {
  return path.join(workspace, 'sample', `Dataset_${SAMPLE_DATASET_RID}`);
}

export function isSampleBuilt(workspace: string): boolean {
  return fs.existsSync(path.join(samplePath(workspace), 'bagit.txt'));
}

const building = new Map<string, Promise<string>>();

/**
 * Builds the first-use sample bag once: the sample world's Complete dataset at 1.0.0 as a real
 * Format B DerivaML bag (300 MNIST digits by 60 writers, Training/Testing splits, two annotators'
 * and a model's labels, regions). It is written into a temporary folder and renamed into place, so
 * it is either whole or absent; later calls return the existing path.
 */
export function buildSampleBag(
  workspace: string,
  options: { onProgress?: (progress: SampleProgress) => void } = {},
): Promise<string> {
  const target = samplePath(workspace);
  const pending = building.get(target);
  if (pending) return pending;
  const promise = buildOnce(target, options.onProgress).finally(() => building.delete(target));
  building.set(target, promise);
  return promise;
}

async function buildOnce(target: string, onProgress?: (progress: SampleProgress) => void): Promise<string> {
  if (fs.existsSync(path.join(target, 'bagit.txt'))) return target;
  const parent = path.dirname(target);
  const staging = path.join(parent, `.building-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    fs.mkdirSync(staging, { recursive: true });
    const world = await buildWorld({
      onProgress: (done, total) => onProgress?.({ phase: 'digits', done, total }),
    });
    onProgress?.({ phase: 'write', done: 0, total: 1 });
    const staged = path.join(staging, path.basename(target));
    writeFormatBBag(staged, worldBag(world, '1.0.0'));
    try {
      fs.renameSync(staged, target);
    } catch (error) {
      // Another process finished first: its bag is as good as ours.
      if (!fs.existsSync(path.join(target, 'bagit.txt'))) throw error;
    }
    onProgress?.({ phase: 'write', done: 1, total: 1 });
    return target;
  } catch (error) {
    throw describeIoError(error, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
