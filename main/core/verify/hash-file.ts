import crypto from 'node:crypto';
import fs from 'node:fs';

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface HashRequest {
  file: string;
  algorithms: HashAlgorithm[];
}

export type HashOutcome =
  | { ok: true; bytes: number; digests: Partial<Record<HashAlgorithm, string>> }
  | { ok: false; code: string | undefined; message: string };

const CHUNK_BYTES = 1024 * 1024;
// A link swapped in after the path was checked must not be followed (the flag is absent on Windows).
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0);

/** Reads the file once and feeds every requested algorithm; never rejects. */
export async function hashFile(request: HashRequest, onBytes: (bytes: number) => void): Promise<HashOutcome> {
  const hashes = request.algorithms.map((algorithm) => [algorithm, crypto.createHash(algorithm)] as const);
  let bytes = 0;
  try {
    const handle = await fs.promises.open(request.file, OPEN_FLAGS);
    for await (const chunk of handle.createReadStream({
      highWaterMark: CHUNK_BYTES,
    }) as AsyncIterable<Buffer>) {
      for (const [, hash] of hashes) hash.update(chunk);
      bytes += chunk.length;
      onBytes(chunk.length);
    }
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { ok: false, code, message };
  }
  const digests = Object.fromEntries(hashes.map(([algorithm, hash]) => [algorithm, hash.digest('hex')]));
  return { ok: true, bytes, digests };
}
