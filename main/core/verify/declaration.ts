import { readTagFile, type ProblemList } from './problems.js';

export interface PayloadOxum {
  text: string;
  bytes: number;
  count: number;
}

/** bagit.txt must be exactly the two lines of RFC 8493 §2.1.1 (CRLF and a final newline tolerated). */
export async function checkBagitDeclaration(root: string, problems: ProblemList): Promise<void> {
  const file = await readTagFile(root, 'bagit.txt', problems);
  if (file.state === 'absent') {
    problems.add(
      'bagit.txt',
      'missing-bagit',
      'The bag has no bagit.txt, the file that declares a BagIt bag.',
    );
  }
  if (file.state !== 'read') return;
  const lines = splitLines(file.text);
  const bad = (why: string) => problems.add('bagit.txt', 'bad-bagit', `bagit.txt ${why}.`);
  if (lines.length !== 2) bad(`has ${lines.length} lines instead of exactly two`);
  if (!/^BagIt-Version: \d+\.\d+$/.test(lines[0] ?? ''))
    bad('does not start with a "BagIt-Version: N.N" line');
  if (!/^Tag-File-Character-Encoding: UTF-8$/i.test(lines[1] ?? '')) {
    bad('does not declare "Tag-File-Character-Encoding: UTF-8" on its second line');
  }
}

/** Returns the Payload-Oxum of bag-info.txt, or null when the bag declares none (it is optional). */
export async function readPayloadOxum(root: string, problems: ProblemList): Promise<PayloadOxum | null> {
  const file = await readTagFile(root, 'bag-info.txt', problems);
  if (file.state !== 'read') return null;
  const line = splitLines(file.text).find((candidate) => /^Payload-Oxum\s*:/i.test(candidate));
  if (line === undefined) return null;
  const text = line.slice(line.indexOf(':') + 1).trim();
  const match = /^(\d+)\.(\d+)$/.exec(text);
  if (match === null) {
    problems.add(
      'bag-info.txt',
      'bad-bag-info',
      `bag-info.txt has the Payload-Oxum "${text}", which is not <bytes>.<files>.`,
    );
    return null;
  }
  return { text, bytes: Number(match[1]), count: Number(match[2]) };
}

export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/**
 * Payload-Oxum describes the complete bag, so it is compared with the manifests' view rather than
 * with what happens to be on disk: every payload path a manifest lists counts as one file, sized by
 * the disk when present or by fetch.txt when not fetched yet. A holey bag therefore matches its
 * Oxum. When some size is unknown (a missing file, a "-" length) only the file count is compared.
 */
export function checkPayloadOxum(
  oxum: PayloadOxum,
  listedFiles: number,
  listedBytes: number | null,
  problems: ProblemList,
): void {
  const bytesDiffer = listedBytes !== null && listedBytes !== oxum.bytes;
  if (listedFiles === oxum.count && !bytesDiffer) return;
  const described =
    listedBytes === null ? `${listedFiles} files` : `${listedBytes} bytes in ${listedFiles} files`;
  problems.add(
    'bag-info.txt',
    'oxum-mismatch',
    `bag-info.txt declares the Payload-Oxum ${oxum.text}, but the manifests describe ${described}.`,
  );
}
