import fs from 'node:fs';
import { SatchelError, safeRelativePath } from '../common/index.js';
import type { HashAlgorithm } from './hash-file.js';
import { BAG_ROOT, readTagFile, type ProblemList } from './problems.js';
import { forEachLine, isAt, isLowerHex, isPayloadPath, isPlainPath, isTwoSpaces } from './scan.js';

export type ManifestKind = 'manifest' | 'tagmanifest';

/** A listed file's expected digest per algorithm (a plain object: 100k Maps cost more to make). */
export type ExpectedDigests = Partial<Record<HashAlgorithm, string>>;

/** Every path listed by the manifests of one kind, with its expected digests. */
export type ManifestListing = Map<string, ExpectedDigests>;

/** The algorithms of a file's expected digests, in the order of the manifests. */
export function algorithmsOf(expected: ExpectedDigests): HashAlgorithm[] {
  return Object.keys(expected) as HashAlgorithm[];
}

const HEX_LENGTHS: Record<HashAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };
const MANIFEST_NAME = /^(manifest|tagmanifest)-([a-z0-9]+)\.txt$/;
// "<hex>  <path>" as bagit writes it; one space, "<hex> *<path>" (md5sum binary mode) and a tab are tolerated.
const MANIFEST_LINE = /^([0-9a-fA-F]+)(?: \*| {1,2}|\t)(.+)$/;

export function manifestName(kind: ManifestKind, algorithm: HashAlgorithm): string {
  return `${kind}-${algorithm}.txt`;
}

/** The algorithms of the manifests of one kind that Satchel can check; other algorithms are left alone. */
export function listManifestAlgorithms(root: string, kind: ManifestKind): HashAlgorithm[] {
  const algorithms: HashAlgorithm[] = [];
  for (const name of fs.readdirSync(root)) {
    const match = MANIFEST_NAME.exec(name);
    if (match?.[1] === kind && isSupported(match[2])) algorithms.push(match[2]);
  }
  return algorithms.sort();
}

function isSupported(algorithm: string | undefined): algorithm is HashAlgorithm {
  return algorithm !== undefined && Object.hasOwn(HEX_LENGTHS, algorithm);
}

export async function readManifests(
  root: string,
  kind: ManifestKind,
  problems: ProblemList,
): Promise<ManifestListing> {
  const listing: ManifestListing = new Map();
  const algorithms = listManifestAlgorithms(root, kind);
  if (kind === 'manifest' && algorithms.length === 0) {
    problems.add(
      BAG_ROOT,
      'bad-manifest',
      'The bag has no payload manifest (manifest-md5.txt, -sha1, -sha256 or -sha512).',
    );
  }
  for (const algorithm of algorithms) {
    const name = manifestName(kind, algorithm);
    const file = await readTagFile(root, name, problems);
    if (file.state === 'read') addManifestLines(file.text, name, kind, algorithm, listing, problems);
  }
  return listing;
}

/**
 * Reads the lines of one manifest in place. The common line, "<lower-case hex>  <plain path>",
 * is taken apart in place; any other line goes through parseManifestLine, which accepts the other
 * forms and words the problems (a manifest of 100k lines reads in a tenth of the time). A second
 * manifest usually lists the paths of the first in the same order: a line naming the next path of
 * the first is matched in place, without cutting out its path or looking it up.
 */
function addManifestLines(
  text: string,
  name: string,
  kind: ManifestKind,
  algorithm: HashAlgorithm,
  listing: ManifestListing,
  problems: ProblemList,
): void {
  const digestLength = HEX_LENGTHS[algorithm];
  const ofKind = kind === 'manifest';
  const knownPaths = [...listing.keys()];
  const knownDigests = [...listing.values()];
  let nextKnown = 0;
  forEachLine(text, (start, end, lineNumber) => {
    try {
      const pathStart = start + digestLength + 2;
      if (
        end > pathStart &&
        isTwoSpaces(text, start + digestLength) &&
        isLowerHex(text, start, start + digestLength) &&
        isPlainPath(text, pathStart, end) &&
        isPayloadPath(text, pathStart, end) === ofKind
      ) {
        const nextPath = knownPaths[nextKnown];
        const nextDigests = knownDigests[nextKnown];
        if (
          nextPath !== undefined &&
          nextDigests !== undefined &&
          nextDigests[algorithm] === undefined &&
          isAt(text, pathStart, end, nextPath)
        ) {
          nextDigests[algorithm] = text.slice(start, start + digestLength);
          nextKnown += 1;
          return;
        }
        const path = text.slice(pathStart, end);
        addDigest(listing, path, algorithm, text.slice(start, start + digestLength), name, lineNumber);
        return;
      }
      const line = text.slice(start, end);
      if (line.trim() === '') return;
      const where = `${name} line ${lineNumber}`;
      const { path, digest } = parseManifestLine(line, { name, where, kind, algorithm });
      addDigest(listing, path, algorithm, digest, name, lineNumber);
    } catch (error) {
      problems.addError(error, name);
    }
  });
}

function addDigest(
  listing: ManifestListing,
  path: string,
  algorithm: HashAlgorithm,
  digest: string,
  name: string,
  lineNumber: number,
): void {
  const digests = listing.get(path);
  if (digests === undefined) {
    listing.set(path, firstDigest(algorithm, digest));
    return;
  }
  if (digests[algorithm] !== undefined) {
    throw new SatchelError('bad-manifest', `${name} line ${lineNumber} lists "${path}" a second time.`, name);
  }
  digests[algorithm] = digest;
}

/** A literal per algorithm: an object made with a computed key costs more. */
function firstDigest(algorithm: HashAlgorithm, digest: string): ExpectedDigests {
  switch (algorithm) {
    case 'md5':
      return { md5: digest };
    case 'sha1':
      return { sha1: digest };
    case 'sha256':
      return { sha256: digest };
    case 'sha512':
      return { sha512: digest };
  }
}

interface LineOrigin {
  name: string;
  where: string;
  kind: ManifestKind;
  algorithm: HashAlgorithm;
}

function parseManifestLine(line: string, { name, where, kind, algorithm }: LineOrigin) {
  const bad = (why: string) => new SatchelError('bad-manifest', `${where} ${why}.`, name);
  const match = MANIFEST_LINE.exec(line);
  if (match === null) throw bad('is not "<checksum>  <path>"');
  const [, digest = '', rawPath = ''] = match;
  if (digest.length !== HEX_LENGTHS[algorithm]) {
    throw bad(`has a checksum of ${digest.length} hex digits, not ${HEX_LENGTHS[algorithm]}`);
  }
  const path = safeRelativePath(decodeBagitPath(rawPath), where);
  const isPayload = path.startsWith('data/');
  if (kind === 'manifest' && !isPayload) throw bad(`lists "${path}", which is not under data/`);
  if (kind === 'tagmanifest' && isPayload) throw bad(`lists the payload file "${path}"`);
  return { path, digest: digest.toLowerCase() };
}

/** BagIt (RFC 8493 §2.1.3) percent-encodes only CR, LF and % itself in manifest and fetch paths. */
export function decodeBagitPath(raw: string): string {
  return raw.replace(/%(0A|0D|25)/gi, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)));
}
