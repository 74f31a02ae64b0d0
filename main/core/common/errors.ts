/** Every user-facing failure has a kind (stable, for tests and the UI) and one readable sentence. */
export type ProblemKind =
  | 'not-a-bag'
  | 'missing-bagit'
  | 'bad-bagit'
  | 'bad-bag-info'
  | 'missing-schema'
  | 'bad-schema'
  | 'csv-header'
  | 'csv-syntax'
  | 'bad-value'
  | 'duplicate-rid'
  | 'checksum-mismatch'
  | 'missing-file'
  | 'unexpected-file'
  | 'oxum-mismatch'
  | 'bad-manifest'
  | 'bad-fetch'
  | 'unsafe-path'
  | 'zip-bomb'
  | 'bad-zip'
  | 'empty-bag'
  | 'unknown-table'
  | 'unknown-column'
  | 'unknown-dataset'
  | 'unknown-feature'
  | 'bad-argument'
  | 'io-error'
  | 'schema-drift'
  | 'nothing-to-commit'
  | 'workspace-damaged';

export class SatchelError extends Error {
  constructor(
    readonly kind: ProblemKind,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'SatchelError';
  }
}

export function isSatchelError(error: unknown): error is SatchelError {
  return error instanceof SatchelError;
}

/** Turns a Node fs error into a sentence naming the file; anything else passes through unchanged. */
export function describeIoError(error: unknown, path: string): SatchelError | unknown {
  if (error instanceof SatchelError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return new SatchelError('missing-file', `${path} does not exist.`, path);
    case 'EACCES':
    case 'EPERM':
      return new SatchelError('io-error', `${path} cannot be read: permission denied.`, path);
    case 'EISDIR':
      return new SatchelError('io-error', `${path} is a directory, not a file.`, path);
    case 'ENOSPC':
      return new SatchelError('io-error', `No space left on the disk while writing ${path}.`, path);
    default:
      return error;
  }
}
