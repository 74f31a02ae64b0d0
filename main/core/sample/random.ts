/** A small seeded generator (mulberry32), so the sample bag comes out byte-identical every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

const URLB32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** ERMrest RIDs: Crockford base32 in groups of four from the right, e.g. 1-A00C. */
export function ridOf(value: number): string {
  let text = '';
  for (let rest = value; rest > 0; rest = Math.floor(rest / 32)) text = URLB32[rest % 32] + text;
  const groups: string[] = [];
  for (let end = text.length; end > 0; end -= 4) groups.unshift(text.slice(Math.max(0, end - 4), end));
  return groups.join('-') || '0';
}

/** Hatrac-style version ids: 26 base32 characters derived from a hex digest. */
export function versionIdOf(hex: string): string {
  let text = '';
  for (let i = 0; i < 26; i++) text += URLB32[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % 32];
  return text;
}
