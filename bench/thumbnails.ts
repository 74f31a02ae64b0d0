/**
 * Thumbnails per second, cold cache: 300 generated 640×480 JPEGs (the synthetic bag's JPEG factory) →
 * 256-px WebP through Satchel's ThumbnailCache, vs libvips' own `vipsthumbnail` on the same files with
 * the same encoder settings.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ThumbnailCache } from '../main/core/thumbs/index.js';
import {
  SYNTHETIC_SEED,
  median,
  throughputFigure,
  timed,
  type BenchContext,
  type Figure,
} from './context.js';
import { JPEG_HEIGHT, JPEG_WIDTH, JpegFactory, writeJpegFiles } from './synthetic/jpeg.js';

export const VIPSTHUMBNAIL = '/usr/bin/vipsthumbnail';
/** One process per core of a 2-core machine: ThumbnailCache also makes two thumbnails at a time. */
const PEER_PROCESSES = 2;
/** Satchel's encoder settings (main/core/thumbs/cache.ts), so both sides write the same kind of file. */
const PEER_OUTPUT = '%s.webp[Q=80,effort=2]';
const SIZE = 256;
/** As many as a small real bag holds (the BCCD fixture this figure was first measured on had 300). */
const SOURCE_JPEGS = 300;

function rounds(context: BenchContext): number {
  return !context.scale.smoke ? 5 : 3;
}

/** The source JPEGs, written once into the run's folder. */
async function sourceJpegs(context: BenchContext): Promise<string[]> {
  const dir = path.join(context.workDir, 'thumbnail-sources');
  const files = Array.from({ length: SOURCE_JPEGS }, (_, index) =>
    path.join(dir, `source_${String(index).padStart(3, '0')}.jpg`),
  );
  await writeJpegFiles(new JpegFactory(SYNTHETIC_SEED), files.length, (index) => files[index]!);
  return files;
}

async function satchelSeconds(files: readonly string[], workDir: string): Promise<number> {
  const workspace = fs.mkdtempSync(path.join(workDir, 'thumbs-satchel-'));
  const cache = new ThumbnailCache(workspace);
  try {
    const [results, seconds] = await timed(() =>
      Promise.all(files.map((file) => cache.get(file, { priority: 'visible' }))),
    );
    const failed = results.find((result) => !result.ok);
    if (failed && !failed.ok) throw new Error(`ThumbnailCache failed: ${failed.reason}`);
    return seconds;
  } finally {
    await cache.close();
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

function runVipsthumbnail(files: readonly string[], outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      VIPSTHUMBNAIL,
      ['--size', String(SIZE), '-o', path.join(outDir, PEER_OUTPUT), ...files],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`vipsthumbnail exited with ${code ?? signal}: ${stderr.slice(0, 500)}`)),
    );
  });
}

/** The files split into PEER_PROCESSES interleaved shares, one vipsthumbnail process each, all at once. */
async function vipsSeconds(files: readonly string[], workDir: string): Promise<number> {
  const outDir = fs.mkdtempSync(path.join(workDir, 'thumbs-vips-'));
  try {
    const shares = Array.from({ length: PEER_PROCESSES }, (_, share) =>
      files.filter((_, index) => index % PEER_PROCESSES === share),
    );
    const [, seconds] = await timed(() =>
      Promise.all(shares.map((share) => runVipsthumbnail(share, outDir))),
    );
    const written = fs.readdirSync(outDir).filter((name) => name.endsWith('.webp')).length;
    if (written !== files.length)
      throw new Error(`vipsthumbnail wrote ${written} of ${files.length} thumbnails`);
    return seconds;
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

export async function run(context: BenchContext): Promise<Figure[]> {
  context.log(`thumbnails: writing ${SOURCE_JPEGS} source JPEGs`);
  const files = await sourceJpegs(context);
  const peerAvailable = fs.existsSync(VIPSTHUMBNAIL);
  // Both sides read the files from the page cache, never from disk.
  for (const file of files) fs.readFileSync(file);
  // libvips' first use in this process (operation cache, thread pool) is not what a user waits for.
  await satchelSeconds(files.slice(0, 10), context.workDir);
  const satchel: number[] = [];
  const peer: number[] = [];
  for (let round = 0; round < rounds(context); round++) {
    satchel.push(await satchelSeconds(files, context.workDir));
    if (peerAvailable) peer.push(await vipsSeconds(files, context.workDir));
    context.log(
      `thumbnails round ${round + 1}: Satchel ${satchel.at(-1)!.toFixed(2)} s` +
        (peerAvailable ? `, vipsthumbnail ${peer.at(-1)!.toFixed(2)} s` : ''),
    );
  }
  const perSecond = (seconds: number[]): number => files.length / median(seconds);
  const notes = [
    `${files.length} generated ${JPEG_WIDTH}x${JPEG_HEIGHT} JPEGs -> ${SIZE}px WebP (Q80, effort 2), cold cache, median of ${rounds(context)} round(s)`,
    `Satchel: ThumbnailCache.get for every file at once (2 encodes at a time, content hash included)`,
    peerAvailable
      ? `peer: ${PEER_PROCESSES} vipsthumbnail processes over interleaved halves, same encoder settings`
      : `no peer: ${VIPSTHUMBNAIL} is not installed (apt-get install libvips-tools)`,
  ];
  return [
    throughputFigure({
      name: 'thumbnails.per-second',
      value: perSecond(satchel),
      unit: 'thumbnails/s',
      peer: 'vipsthumbnail',
      peerValue: peerAvailable ? perSecond(peer) : null,
      // Issue 11: at least 1.1× vipsthumbnail.
      minRatio: 1.1,
      note: notes.join('; '),
    }),
  ];
}
