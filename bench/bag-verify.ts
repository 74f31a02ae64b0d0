/** Figure (b): MB/s checking md5 + sha256 of every payload file on disk, vs md5sum then sha256sum. */
import fs from 'node:fs';
import path from 'node:path';
import { verifyBag } from '../main/core/verify/index.js';
import { median, syntheticBag, timed, throughputFigure, type BenchContext, type Figure } from './context.js';
import { coreutilsHashSeconds } from './peers.js';

const ROUNDS = 3;
const MB = 1e6;

function payloadFilesOnDisk(bagDir: string): string[] {
  return fs
    .readdirSync(path.join(bagDir, 'data'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await syntheticBag(context);
  const files = payloadFilesOnDisk(bag.bagDir);
  const diskBytes = files.reduce((sum, file) => sum + fs.statSync(file).size, 0);
  const satchelSeconds: number[] = [];
  const coreutilsSeconds: number[] = [];
  let verified = { ok: true, files: 0, bytes: 0 };
  // Rounds alternate the two tools so both see the same (warm) page cache; medians damp outliers.
  for (let round = 1; round <= ROUNDS; round++) {
    const [result, seconds] = await timed(() => verifyBag(bag.bagDir));
    verified = { ok: result.ok, files: result.files, bytes: result.bytes };
    satchelSeconds.push(seconds);
    const coreutils = coreutilsHashSeconds(files, context);
    coreutilsSeconds.push(coreutils.md5 + coreutils.sha256);
    context.log(
      `verify round ${round}: satchel ${seconds.toFixed(2)} s, md5sum+sha256sum ${(coreutils.md5 + coreutils.sha256).toFixed(2)} s`,
    );
  }
  const notes = [
    `${files.length} payload files on disk, ${(diskBytes / MB).toFixed(1)} MB; median of ${ROUNDS} rounds`,
  ];
  if (!verified.ok) notes.push('verifyBag reported ok=false');
  if (verified.bytes !== diskBytes)
    notes.push(`verifyBag reported ${verified.bytes} bytes in ${verified.files} files`);
  return [
    throughputFigure({
      name: 'bag-verify.megabytes-per-second',
      value: verified.bytes / MB / median(satchelSeconds),
      unit: 'MB/s',
      peer: 'md5sum + sha256sum',
      peerValue: diskBytes / MB / median(coreutilsSeconds),
      minRatio: 1.6,
      note: notes.join('; '),
    }),
  ];
}
