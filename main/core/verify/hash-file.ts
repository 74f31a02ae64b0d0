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

/**
 * Reads the file once and feeds every requested algorithm; never throws. Plain blocking reads into
 * one reused buffer: this runs in a hash worker (or on a thread that has nothing else to do), where
 * blocking costs nothing and a stream's per-chunk machinery would cost more than the hashing on a bag
 * of small files.
 */
export function hashFile(request: HashRequest, onBytes: (bytes: number) => void): HashOutcome {
  const hashes = request.algorithms.map((algorithm) => [algorithm, crypto.createHash(algorithm)] as const);
  let bytes = 0;
  let fd: number | null = null;
  try {
    fd = fs.openSync(request.file, OPEN_FLAGS);
    const buffer = readBuffer();
    for (;;) {
      const read = fs.readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) break;
      const chunk = buffer.subarray(0, read);
      for (const [, hash] of hashes) hash.update(chunk);
      bytes += read;
      onBytes(read);
    }
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    return { ok: false, code, message };
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
  const digests = Object.fromEntries(hashes.map(([algorithm, hash]) => [algorithm, hash.digest('hex')]));
  return { ok: true, bytes, digests };
}

let sharedBuffer: Buffer | null = null;

function readBuffer(): Buffer {
  sharedBuffer ??= Buffer.allocUnsafe(CHUNK_BYTES);
  return sharedBuffer;
}
