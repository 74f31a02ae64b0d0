/**
 * PEP 440 ordering for dataset versions (deriva-ml uses `packaging.version`): release segments
 * compared numerically, then pre-releases < final < post-releases, with `.devN` sorting before the
 * release it qualifies (so `1.0.0.post1.dev2` > `1.0.0` and < `1.0.0.post1`).
 */
interface ParsedVersion {
  epoch: number;
  release: number[];
  pre: [number, number] | null;
  post: number | null;
  dev: number | null;
}

const PATTERN =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|rc|c|pre|preview)[-_.]?(\d*))?(?:(?:-(\d+))|(?:[-_.]?(?:post|rev|r)[-_.]?(\d*)))?(?:[-_.]?dev[-_.]?(\d*))?(?:\+[a-z0-9.]+)?$/i;
const PRE_RANK: Record<string, number> = { a: 0, alpha: 0, b: 1, beta: 1, rc: 2, c: 2, pre: 2, preview: 2 };

export function parseVersion(text: string): ParsedVersion | null {
  const match = PATTERN.exec(text.trim());
  if (!match) return null;
  const [, epoch, release, preLabel, preNumber, postImplicit, postExplicit, dev] = match;
  const postText = postImplicit ?? postExplicit;
  return {
    epoch: epoch ? Number(epoch) : 0,
    release: release!.split('.').map(Number),
    pre: preLabel ? [PRE_RANK[preLabel.toLowerCase()] ?? 0, Number(preNumber || 0)] : null,
    post: postText !== undefined ? Number(postText || 0) : null,
    dev: dev !== undefined ? Number(dev || 0) : null,
  };
}

/** What follows the release segment, as numbers that compare in PEP 440 order. */
function suffixKey(version: ParsedVersion): number[] {
  // A bare dev release (1.0.dev1) sorts before every pre-release of the same release.
  const pre = version.pre
    ? version.pre
    : version.post === null && version.dev !== null
      ? [-1, 0]
      : [Number.MAX_SAFE_INTEGER, 0];
  const post = version.post === null ? -1 : version.post;
  const dev = version.dev === null ? Number.MAX_SAFE_INTEGER : version.dev;
  return [...pre, post, dev];
}

/** Compares two version labels; unparseable labels sort before every valid one, then by text. */
export function compareVersions(a: string, b: string): number {
  const left = parseVersion(a);
  const right = parseVersion(b);
  if (!left || !right) return left ? 1 : right ? -1 : a.localeCompare(b);
  if (left.epoch !== right.epoch) return Math.sign(left.epoch - right.epoch);
  const width = Math.max(left.release.length, right.release.length);
  for (let i = 0; i < width; i++) {
    const difference = (left.release[i] ?? 0) - (right.release[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  const leftKey = suffixKey(left);
  const rightKey = suffixKey(right);
  for (let i = 0; i < leftKey.length; i++) {
    const difference = leftKey[i]! - rightKey[i]!;
    if (difference !== 0) return Math.sign(difference);
  }
  return 0;
}

export function highestVersion(labels: Iterable<string>): string | null {
  let best: string | null = null;
  for (const label of labels) if (best === null || compareVersions(label, best) > 0) best = label;
  return best;
}
