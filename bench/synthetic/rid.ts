/** ERMrest-shaped identifiers: Crockford base32, grouped by 4 from the right with dashes (e.g. `1-X4F2`). */

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function encodeErmrestBase32(value: bigint): string {
  let digits = '';
  let rest = value;
  do {
    digits = CROCKFORD[Number(rest % 32n)] + digits;
    rest /= 32n;
  } while (rest > 0n);
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 4) groups.unshift(digits.slice(Math.max(0, end - 4), end));
  return groups.join('-');
}

/**
 * Hands out increasing RIDs like ERMrest's RID sequence, from a seed-dependent multiple of 32^4, so every
 * RID has the catalog's grouped form (`1-0000` and up) and bags of different seeds have different RIDs.
 */
export class RidAllocator {
  private nextValue: bigint;

  constructor(seed: number) {
    this.nextValue = 32n ** 4n * BigInt(1 + ((seed >>> 0) % 31));
  }

  next(): string {
    const rid = encodeErmrestBase32(this.nextValue);
    this.nextValue += 1n;
    return rid;
  }

  many(count: number): string[] {
    return Array.from({ length: count }, () => this.next());
  }
}
