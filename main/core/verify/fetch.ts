import { SatchelError, safeRelativePath } from '../common/index.js';
import { decodeBagitPath } from './manifests.js';
import { leadsThroughLink, type PayloadListing } from './payload.js';
import { readTagFile, type ProblemList } from './problems.js';
import { forEachLine, isAt, isPayloadPath, isPlainPath } from './scan.js';

/** fetch.txt's entries by bag path: each one's declared length in bytes, null for "-" (unknown). */
export type FetchLengths = Map<string, number | null>;

interface FetchItem {
  url: string;
  length: number | null;
}

const FETCH = 'fetch.txt';

/**
 * Reads fetch.txt ("<url> <length|-> <path>", tab-separated as bdbag writes it), keyed by bag path.
 * The common line (an http(s) URL of printable ASCII whose origin was seen before, a length, a plain
 * path under data/) is taken apart in place; any other goes through parseFetchLine, which words the
 * problems. Verifying needs no URL once it is checked, so only the lengths are kept.
 */
export async function readFetchFile(
  root: string,
  listing: PayloadListing,
  manifestPaths: Iterable<string>,
  problems: ProblemList,
): Promise<FetchLengths> {
  const items: FetchLengths = new Map();
  const file = await readTagFile(root, FETCH, problems);
  if (file.state !== 'read') return items;
  const { text } = file;
  const origins = new Origins();
  const paths = new KnownPaths(manifestPaths);
  forEachLine(text, (start, end, lineNumber) => {
    try {
      let parsed = plainFetchLine(text, start, end, origins, paths);
      if (parsed === null) {
        const line = text.slice(start, end);
        if (line.trim() === '') return;
        const { path, item } = parseFetchLine(line, lineAt(lineNumber));
        origins.add(new URL(item.url).origin);
        parsed = { path, length: item.length };
      }
      const { path, length } = parsed;
      if (items.has(path))
        throw new SatchelError('bad-fetch', `${lineAt(lineNumber)} lists "${path}" a second time.`, FETCH);
      // Materializing writes to this path later: it must not lead through a link.
      if (leadsThroughLink(path, listing)) {
        throw new SatchelError(
          'unsafe-path',
          `${lineAt(lineNumber)} names "${path}", which leads through a symbolic link.`,
          path,
        );
      }
      items.set(path, length);
    } catch (error) {
      problems.addError(error, FETCH);
    }
  });
  return items;
}

function lineAt(lineNumber: number): string {
  return `${FETCH} line ${lineNumber}`;
}

/**
 * A line parseFetchLine would accept as it is, read in place: tab-separated, the URL of an http(s)
 * origin already accepted (the rest of such a URL always parses), a decimal length or "-", a plain
 * path under data/. Null for any other line.
 */
function plainFetchLine(
  text: string,
  start: number,
  end: number,
  origins: Origins,
  paths: KnownPaths,
): { path: string; length: number | null } | null {
  const firstTab = text.indexOf('\t', start);
  if (firstTab === -1 || firstTab >= end) return null;
  const secondTab = text.indexOf('\t', firstTab + 1);
  if (secondTab === -1 || secondTab >= end) return null;
  const pathStart = secondTab + 1;
  if (!isPlainPath(text, pathStart, end) || !isPayloadPath(text, pathStart, end)) return null;
  const schemeEnd = text.startsWith('https://', start) ? 8 : text.startsWith('http://', start) ? 7 : -1;
  const pathSlash = schemeEnd === -1 ? -1 : text.indexOf('/', start + schemeEnd);
  if (pathSlash === -1 || pathSlash >= firstTab || !origins.has(text, start, pathSlash)) return null;
  const length = lengthOf(text, firstTab + 1, secondTab);
  if (length === undefined) return null;
  return { path: paths.find(text, pathStart, end), length };
}

/**
 * The manifest's paths, in its order, which fetch.txt usually follows: a line's path is looked for
 * a little ahead of the last one found (only at the next one after a miss, so another order costs
 * one comparison a line) and, found, taken from the manifest: no copy, and a lookup by it finds the
 * very same string.
 */
class KnownPaths {
  private readonly paths: string[];
  private next = 0;
  private lookAhead = LOOK_AHEAD;

  constructor(paths: Iterable<string>) {
    this.paths = [...paths];
  }

  /** text[start, end) as a string, the manifest's own when it is near the last one found. */
  find(text: string, start: number, end: number): string {
    const last = Math.min(this.next + this.lookAhead, this.paths.length);
    for (let index = this.next; index < last; index++) {
      const path = this.paths[index]!;
      if (isAt(text, start, end, path)) {
        this.next = index + 1;
        this.lookAhead = LOOK_AHEAD;
        return path;
      }
    }
    this.lookAhead = 1;
    return text.slice(start, end);
  }
}

const LOOK_AHEAD = 32;

/** The origins of the URLs accepted so far; the last one found is compared in place, without a copy. */
class Origins {
  private readonly seen = new Set<string>();
  private last = '';

  add(origin: string): void {
    this.seen.add(origin);
  }

  /** Whether text[start, end) is an origin seen before. */
  has(text: string, start: number, end: number): boolean {
    if (this.last !== '' && isAt(text, start, end, this.last)) return true;
    const origin = text.slice(start, end);
    if (!this.seen.has(origin)) return false;
    this.last = origin;
    return true;
  }
}

/** A decimal length, null for "-", undefined for anything else. */
function lengthOf(text: string, start: number, end: number): number | null | undefined {
  if (end - start === 1 && text.charCodeAt(start) === 0x2d) return null;
  if (end === start || end - start > 15) return undefined;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

function parseFetchLine(line: string, where: string): { path: string; item: FetchItem } {
  const bad = (why: string) => new SatchelError('bad-fetch', `${where} ${why}.`, FETCH);
  const fields = splitFetchFields(line);
  if (fields === null) throw bad('is not "<url> <length> <path>"');
  const [url, length, rawPath] = fields;
  if (!URL.canParse(url)) throw bad(`has "${url}", which is not a URL`);
  // Materializing fetches these URLs: file:, javascript: and the like must never be followed.
  const { protocol } = new URL(url);
  if (protocol !== 'http:' && protocol !== 'https:')
    throw bad(`has "${url}", which is not an http or https URL`);
  if (!/^(\d+|-)$/.test(length)) throw bad(`has the length "${length}", which is neither a number nor "-"`);
  const path = safeRelativePath(decodeBagitPath(rawPath), where);
  if (!path.startsWith('data/')) throw bad(`names "${path}", which is not under data/`);
  return { path, item: { url, length: length === '-' ? null : Number(length) } };
}

function splitFetchFields(line: string): [string, string, string] | null {
  const tabbed = line.split('\t');
  if (tabbed.length === 3) return tabbed as [string, string, string];
  // RFC 8493 only asks for whitespace between the fields; the path is the rest of the line.
  const spaced = /^(\S+)[ \t]+(\S+)[ \t]+(.+)$/.exec(line);
  return spaced === null ? null : [spaced[1] ?? '', spaced[2] ?? '', spaced[3] ?? ''];
}
