// Identifier encodings of ERMrest and Hatrac (deriva-protocol.md §12.4, §13.3).
import crypto from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RFC4648 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** ERMrest's `urlb32_encode`: value shifted left one bit, 13 Crockford symbols, dashes every 4 from the right. */
export function encodeSnaptime(microseconds: number | bigint): string {
  let raw = BigInt.asUintN(64, BigInt(microseconds)) << 1n;
  let out = '';
  for (let digit = 1; digit <= 13; digit++) {
    if (digit > 2 && (digit - 1) % 4 === 0) out = '-' + out;
    out = CROCKFORD[Number(raw & 31n)]! + out;
    raw >>= 5n;
  }
  return out.replace(/^[0-]+/, '') || '0';
}

/** Inverse of `encodeSnaptime`; undefined when the text is not Crockford base32. */
export function decodeSnaptime(text: string): number | undefined {
  const symbols = text.replace(/-/g, '').toUpperCase();
  if (symbols === '' || symbols.length > 13) return undefined;
  let value = 0n;
  for (const symbol of symbols) {
    const index = CROCKFORD.indexOf(symbol);
    if (index < 0) return undefined;
    value = value * 32n + BigInt(index);
  }
  return Number(BigInt.asIntN(64, value >> 1n));
}

/** RIDs use the snaptime encoder on the catalog's RID sequence number. */
export const encodeRid = (sequence: number): string => encodeSnaptime(sequence);
export const decodeRid = (rid: string): number | undefined => decodeSnaptime(rid);

/** An opaque Hatrac version or upload job id like `34J4RSBZEXV6XLDZOJW5NRS2YI` (RFC 4648 base32 of 16 random bytes). */
export function randomHatracId(): string {
  let bits = 0n;
  for (const byte of crypto.randomBytes(16)) bits = (bits << 8n) | BigInt(byte);
  let out = '';
  for (let index = 0; index < 26; index++) {
    out = RFC4648[Number(bits & 31n)]! + out;
    bits >>= 5n;
  }
  return out;
}

/** A random token for cookies and temp-relation names. */
export const randomToken = (bytes = 18): string => crypto.randomBytes(bytes).toString('base64url');
