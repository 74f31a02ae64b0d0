import path from 'node:path';
import { HashingFileWriter, writeFileWithDigest, type FileDigest } from './hashing-writer.js';

/** A payload file listed in the manifests; it may exist only as a fetch.txt entry (holey bag). */
export interface PayloadEntry extends FileDigest {
  /** Bag-relative POSIX path, e.g. data/digits/Image.csv. */
  path: string;
}

export interface FetchEntry {
  url: string;
  bytes: number;
  path: string;
}

const BAG_INFO_PROFILE =
  'https://raw.githubusercontent.com/informatics-isi-edu/deriva-py/deriva-ml/deriva/bag/profiles/deriva-bag-profile.json';
const BAG_SOFTWARE_AGENT = 'Satchel bench synthetic-bag (BDBag 1.8 layout)';

/** bdbag escapes %, CR and LF in fetch.txt and manifest paths. */
function encodeBagPath(bagPath: string): string {
  return bagPath.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function writeFetchFile(bagDir: string, entries: Iterable<FetchEntry>): FileDigest {
  const writer = new HashingFileWriter(path.join(bagDir, 'fetch.txt'));
  for (const entry of entries)
    writer.writeText(`${entry.url}\t${entry.bytes}\t${encodeBagPath(entry.path)}\n`);
  return writer.close();
}

/**
 * Writes bagit.txt, bag-info.txt, the payload manifests and the tag manifests. Payload-Oxum counts every
 * manifest entry, fetched or not, as bdbag does (a holey bag keeps the materialized Oxum).
 */
export function writeBagMetadata(
  bagDir: string,
  payload: readonly PayloadEntry[],
  fetchDigest: FileDigest,
): void {
  const tagDigests = new Map<string, FileDigest>();
  const writeTag = (name: string, text: string): void => {
    tagDigests.set(name, writeFileWithDigest(path.join(bagDir, name), text));
  };
  const payloadBytes = payload.reduce((sum, entry) => sum + entry.bytes, 0);
  writeTag('bagit.txt', 'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n');
  writeTag(
    'bag-info.txt',
    `Bag-Software-Agent: ${BAG_SOFTWARE_AGENT}\nBagIt-Profile-Identifier: ${BAG_INFO_PROFILE}\n` +
      `Payload-Oxum: ${payloadBytes}.${payload.length}\n`,
  );
  tagDigests.set('fetch.txt', fetchDigest);
  writeTag('manifest-md5.txt', payloadManifest(payload, 'md5'));
  writeTag('manifest-sha256.txt', payloadManifest(payload, 'sha256'));
  for (const algorithm of ['md5', 'sha256'] as const) {
    const lines = [...tagDigests].map(([name, digest]) => `${digest[algorithm]} ${name}\n`);
    writeFileWithDigest(path.join(bagDir, `tagmanifest-${algorithm}.txt`), lines.sort(byPath).join(''));
  }
}

function payloadManifest(payload: readonly PayloadEntry[], algorithm: 'md5' | 'sha256'): string {
  return payload.map((entry) => `${entry[algorithm]}  ${encodeBagPath(entry.path)}\n`).join('');
}

function byPath(a: string, b: string): number {
  const pathOf = (line: string): string => line.slice(line.indexOf(' ') + 1);
  return pathOf(a) < pathOf(b) ? -1 : pathOf(a) > pathOf(b) ? 1 : 0;
}
