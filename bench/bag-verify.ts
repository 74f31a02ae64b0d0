/**
 * Verifying a bag: Satchel's verifyBag (declaration, Payload-Oxum, manifests, tag manifests, fetch.txt,
 * md5 and sha256 of every file on disk) beside coreutils doing the same checksum work: `md5sum -c` then
 * `sha256sum -c` over the bag's own payload and tag manifests. Two bags: the scale's holey bag (one
 * image in ten on disk, so reading 100k-line manifests weighs as much as hashing) and, at the 100k
 * scale, a fully materialized bag of over 2 GB, written for this figure and removed after it. Rounds
 * alternate the tools on a warm page cache; medians are reported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { verifyBag } from '../main/core/verify/index.js';
import {
  SYNTHETIC_SEED,
  median,
  syntheticBag,
  timed,
  throughputFigure,
  type BenchContext,
  type Figure,
} from './context.js';
import { coreutilsManifestSeconds } from './peers.js';
import { writeSyntheticBag } from './synthetic-bag.js';

const MB = 1e6;
const PEER = 'md5sum -c + sha256sum -c';
const GOAL_RATIO = 1.6;
/** The materialized bag: every image on disk, about 2.2 GB of 640×480 JPEGs at ~50 KB. */
const MATERIALIZED_IMAGES = { '100k': 45_000, small: 1_000 } as const;

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

interface Measured {
  satchel: number[];
  peer: number[];
  /** Bytes Satchel reported hashing (payload files on disk and tag files). */
  bytes: number;
  files: number;
  ok: boolean;
}

async function measure(
  context: BenchContext,
  bagDir: string,
  holey: boolean,
  label: string,
): Promise<Measured> {
  const measured: Measured = { satchel: [], peer: [], bytes: 0, files: 0, ok: true };
  for (let round = 1; round <= context.scale.rounds; round++) {
    const [report, seconds] = await timed(() => verifyBag(bagDir));
    measured.satchel.push(seconds);
    measured.bytes = report.bytes;
    measured.files = report.files;
    measured.ok &&= report.ok && report.materialized === !holey;
    const peer = coreutilsManifestSeconds(context, bagDir, holey);
    measured.peer.push(peer.md5 + peer.sha256);
    context.log(
      `verify ${label} round ${round}: Satchel ${seconds.toFixed(2)} s, ${PEER} ${(peer.md5 + peer.sha256).toFixed(2)} s`,
    );
  }
  return measured;
}

function figures(name: string, measured: Measured, setting: string): Figure[] {
  const satchel = median(measured.satchel);
  const peer = median(measured.peer);
  const times = (values: number[]) => values.map((value) => value.toFixed(2)).join(', ');
  const note =
    `${setting}; Satchel hashed ${measured.files} files, ${(measured.bytes / MB).toFixed(1)} MB` +
    `${measured.ok ? '' : ' and reported problems (ok=false)'}; median of ${measured.satchel.length}: ` +
    `Satchel ${times(measured.satchel)} s, peer ${times(measured.peer)} s (md5sum then sha256sum); warm page cache`;
  return [
    throughputFigure({
      name: `${name}.megabytes-per-second`,
      value: measured.bytes / MB / satchel,
      unit: 'MB/s',
      peer: PEER,
      peerValue: measured.bytes / MB / peer,
      minRatio: GOAL_RATIO,
      note,
    }),
    {
      name: `${name}.seconds`,
      value: satchel,
      unit: 's',
      peer: PEER,
      peerValue: peer,
      ratio: satchel / peer,
      goal: null,
      met: null,
      note,
    },
  ];
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await syntheticBag(context);
  const holey = await measure(context, bag.bagDir, true, 'holey');
  const result = figures(
    'bag-verify',
    holey,
    `the holey synthetic bag: ${bag.imageRids.length} images in the manifests and fetch.txt, ${bag.assetFiles} on disk`,
  );
  const images = MATERIALIZED_IMAGES[context.scale.name as keyof typeof MATERIALIZED_IMAGES];
  if (images === undefined) return result;
  const dir = path.join(context.workDir, 'materialized');
  context.log(`verify: writing a materialized bag of ${images} images`);
  try {
    const materialized = await writeSyntheticBag(dir, {
      images,
      featureRows: images,
      jpegFiles: 'all',
      distinctJpegs: 2_000,
      seed: SYNTHETIC_SEED + 1,
    });
    const onDisk = filesUnder(path.join(materialized.bagDir, 'data')).reduce(
      (sum, file) => sum + fs.statSync(file).size,
      0,
    );
    const measured = await measure(context, materialized.bagDir, false, 'materialized');
    return [
      ...result,
      ...figures(
        'bag-verify.materialized',
        measured,
        `a fully materialized synthetic bag: ${images} images, ${(onDisk / 1e9).toFixed(2)} GB of payload on disk`,
      ),
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
