/**
 * Thumbnails per second, cold cache: the BCCD fixture's 640×480 JPEGs → 256-px WebP through Satchel's
 * ThumbnailCache, vs libvips' own `vipsthumbnail` on the same files with the same encoder settings.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ThumbnailCache } from '../main/core/thumbs/index.js';
import { median, throughputFigure, timed, type BenchContext, type Figure } from './context.js';
import { fixtureBagDir } from './paths.js';

export const VIPSTHUMBNAIL = '/usr/bin/vipsthumbnail';
/** One process per core of a 2-core machine: ThumbnailCache also makes two thumbnails at a time. */
const PEER_PROCESSES = 2;
/** Satchel's encoder settings (main/core/thumbs/cache.ts), so both sides write the same kind of file. */
const PEER_OUTPUT = '%s.webp[Q=80,effort=2]';
const SIZE = 256;

function rounds(context: BenchContext): number {
  return context.scale.name === 'full' ? 5 : 3;
}

/** Every JPEG under the fixture bag's data/asset, sorted. */
function fixtureJpegs(): string[] {
  const root = path.join(fixtureBagDir(), 'data', 'asset');
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.jpe?g$/i.test(name))
    .map((name) => path.join(root, name))
    .sort();
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
  const files = fixtureJpegs();
  if (files.length === 0) throw new Error(`no JPEG files under ${fixtureBagDir()}`);
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
    `${files.length} BCCD 640x480 JPEGs -> ${SIZE}px WebP (Q80, effort 2), cold cache, median of ${rounds(context)} round(s)`,
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
      minRatio: 0.9,
      note: notes.join('; '),
    }),
  ];
}
