import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';

export interface FileDigest {
  bytes: number;
  md5: string;
  sha256: string;
}

const FLUSH_CHARS = 1 << 20;

/** Buffered synchronous file writer that computes md5 + sha256 of what it writes, so manifests need no re-read. */
export class HashingFileWriter {
  private readonly fd: number;
  private readonly md5: Hash = createHash('md5');
  private readonly sha256: Hash = createHash('sha256');
  private pending = '';
  private bytes = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'wx');
  }

  writeText(text: string): void {
    this.pending += text;
    if (this.pending.length >= FLUSH_CHARS) this.flush();
  }

  writeBytes(data: Buffer): void {
    this.flush();
    this.writeBuffer(data);
  }

  close(): FileDigest {
    this.flush();
    fs.closeSync(this.fd);
    return { bytes: this.bytes, md5: this.md5.digest('hex'), sha256: this.sha256.digest('hex') };
  }

  private flush(): void {
    if (this.pending === '') return;
    const data = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.writeBuffer(data);
  }

  private writeBuffer(data: Buffer): void {
    this.md5.update(data);
    this.sha256.update(data);
    for (let offset = 0; offset < data.length;) offset += fs.writeSync(this.fd, data, offset);
    this.bytes += data.length;
  }
}

export function digestOf(data: Buffer): FileDigest {
  return {
    bytes: data.length,
    md5: createHash('md5').update(data).digest('hex'),
    sha256: createHash('sha256').update(data).digest('hex'),
  };
}

export function writeFileWithDigest(file: string, data: Buffer | string): FileDigest {
  const writer = new HashingFileWriter(file);
  if (typeof data === 'string') writer.writeText(data);
  else writer.writeBytes(data);
  return writer.close();
}
