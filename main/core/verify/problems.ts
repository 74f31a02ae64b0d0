import { constants } from 'node:buffer';
import fs from 'node:fs';
import type { VerifyProblem } from '../../../shared/bag.js';
import { describeIoError, isSatchelError, resolveInside, type ProblemKind } from '../common/index.js';

const { MAX_STRING_LENGTH } = constants;

/** Path used for problems about the bag as a whole rather than one file. */
export const BAG_ROOT = '.';

export class ProblemList {
  private readonly problems: VerifyProblem[] = [];

  add(path: string, kind: ProblemKind, message: string): void {
    this.problems.push({ path, kind, message });
  }

  /** Records a SatchelError as it is; other errors become an io-error about `path`. */
  addError(error: unknown, path: string): void {
    const described = describeIoError(error, path);
    if (isSatchelError(described)) {
      this.add(described.path ?? path, described.kind, described.message);
      return;
    }
    const reason = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
    this.add(path, 'io-error', `${path} could not be read: ${reason}.`);
  }

  sorted(): VerifyProblem[] {
    return [...this.problems].sort((a, b) => compareText(a.path, b.path) || compareText(a.kind, b.kind));
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type Location = { state: 'present'; absolute: string } | { state: 'absent' } | { state: 'refused' };
export type TagFile = { state: 'read'; text: string } | { state: 'absent' } | { state: 'refused' };

/**
 * Finds a bag-relative path without ever leaving the bag: absolute paths, `..` and symbolic links
 * are recorded as unsafe-path and refused, so the caller never touches them.
 */
export function locate(root: string, relative: string, origin: string, problems: ProblemList): Location {
  try {
    const absolute = resolveInside(root, relative, origin);
    return absolute === null ? { state: 'absent' } : { state: 'present', absolute };
  } catch (error) {
    // A path running through a regular file ("data/a.csv/x") simply does not exist.
    if ((error as NodeJS.ErrnoException).code === 'ENOTDIR') return { state: 'absent' };
    problems.addError(error, relative);
    return { state: 'refused' };
  }
}

/** Reads a small tag file of the bag as UTF-8; a file that cannot be read is recorded and refused. */
export async function readTagFile(root: string, name: string, problems: ProblemList): Promise<TagFile> {
  const location = locate(root, name, 'The bag', problems);
  if (location.state !== 'present') return location;
  try {
    // Decoded in one piece: readFile's own decoding goes chunk by chunk and costs several times more.
    // A file too long for one string is left to readFile, which fails on it as it always did.
    const bytes = await fs.promises.readFile(location.absolute);
    const text =
      bytes.length <= MAX_STRING_LENGTH
        ? bytes.toString('utf8')
        : await fs.promises.readFile(location.absolute, 'utf8');
    return { state: 'read', text };
  } catch (error) {
    problems.addError(error, name);
    return { state: 'refused' };
  }
}
