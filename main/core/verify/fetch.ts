import { SatchelError, safeRelativePath } from '../common/index.js';
import { splitLines } from './declaration.js';
import { decodeBagitPath } from './manifests.js';
import { leadsThroughLink, type PayloadListing } from './payload.js';
import { readTagFile, type ProblemList } from './problems.js';

export interface FetchItem {
  url: string;
  /** Declared length in bytes; null for "-" (unknown). */
  length: number | null;
}

const FETCH = 'fetch.txt';

/** Reads fetch.txt ("<url> <length|-> <path>", tab-separated as bdbag writes it), keyed by bag path. */
export async function readFetchFile(
  root: string,
  listing: PayloadListing,
  problems: ProblemList,
): Promise<Map<string, FetchItem>> {
  const items = new Map<string, FetchItem>();
  const file = await readTagFile(root, FETCH, problems);
  if (file.state !== 'read') return items;
  splitLines(file.text).forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${FETCH} line ${index + 1}`;
    try {
      const { path, item } = parseFetchLine(line, where);
      if (items.has(path))
        throw new SatchelError('bad-fetch', `${where} lists "${path}" a second time.`, FETCH);
      // Materializing writes to this path later: it must not lead through a link.
      if (leadsThroughLink(path, listing)) {
        throw new SatchelError(
          'unsafe-path',
          `${where} names "${path}", which leads through a symbolic link.`,
          path,
        );
      }
      items.set(path, item);
    } catch (error) {
      problems.addError(error, FETCH);
    }
  });
  return items;
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
