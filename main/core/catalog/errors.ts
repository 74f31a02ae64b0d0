/**
 * Failures of the Deriva client. Each carries a stable kind (for the UI and tests), the HTTP status
 * when there was one, the URL path it concerns, and one readable sentence.
 */
export type CatalogErrorKind =
  | 'auth-required'
  | 'forbidden'
  | 'conflict'
  | 'not-found'
  | 'bad-request'
  | 'server'
  | 'network'
  | 'timeout'
  | 'cancelled'
  | 'bad-response'
  | 'bad-url'
  | 'bad-credential';

/** What a 409 body says went wrong, when it says so. */
export type ConflictReason = 'duplicate' | 'foreign-key' | 'not-null' | 'precondition' | 'other';

export interface CatalogErrorDetails {
  status?: number;
  /** The URL path (and query) the request went to, without the origin. */
  path?: string;
  /** The server's own explanation, first line, when it gave one. */
  detail?: string;
  conflict?: ConflictReason;
  cause?: unknown;
}

export class CatalogError extends Error {
  readonly status: number | undefined;
  readonly path: string | undefined;
  readonly detail: string | undefined;
  readonly conflict: ConflictReason | undefined;

  constructor(
    readonly kind: CatalogErrorKind,
    message: string,
    details: CatalogErrorDetails = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'CatalogError';
    this.status = details.status;
    this.path = details.path;
    this.detail = details.detail;
    this.conflict = details.conflict;
  }
}

export function isCatalogError(error: unknown): error is CatalogError {
  return error instanceof CatalogError;
}

/**
 * ERMrest and Hatrac answer errors as text/plain `"<Title>. Detail: <message>"` (sometimes HTML);
 * this keeps the first line of the message part, without markup, short enough for one sentence.
 */
export function serverDetail(body: string): string {
  const text = body
    .replace(/<[^>]*>/g, ' ')
    .replace(/^[^.\n]*\.\s*Detail:\s*/, '')
    .trim();
  const firstLine = (text.split('\n')[0] ?? '').replace(/\s+/g, ' ').trim();
  const withoutPeriod = firstLine.replace(/[.\s]+$/, '');
  return withoutPeriod.length > 300 ? `${withoutPeriod.slice(0, 297)}...` : withoutPeriod;
}

/** Reads which integrity rule a 409 body reports (PostgreSQL's wording, passed through by ERMrest). */
export function conflictReason(body: string): ConflictReason {
  if (/duplicate key value|already exists/i.test(body)) return 'duplicate';
  if (/foreign key constraint/i.test(body)) return 'foreign-key';
  if (/not-null constraint|null value in column/i.test(body)) return 'not-null';
  return 'other';
}

/** Maps an HTTP error status and body to a CatalogError whose sentence names the method and path. */
export function errorForStatus(status: number, method: string, path: string, body: string): CatalogError {
  const detail = serverDetail(body);
  const said = detail ? `: ${detail}` : '';
  const where = `${method} ${path}`;
  const details = { status, path, detail: detail || undefined };
  if (status === 401) {
    return new CatalogError(
      'auth-required',
      `The server requires you to sign in for ${where} (401)${said}.`,
      details,
    );
  }
  if (status === 403) {
    return new CatalogError('forbidden', `Your account is not allowed to do ${where} (403)${said}.`, details);
  }
  if (status === 404)
    return new CatalogError('not-found', `The server has nothing at ${where} (404)${said}.`, details);
  if (status === 409 || status === 412) {
    const conflict = status === 412 ? 'precondition' : conflictReason(body);
    const what = {
      duplicate: 'a row with the same key already exists',
      'foreign-key': 'a value does not match any row of the table it refers to',
      'not-null': 'a required value is missing',
      precondition: 'the resource changed since it was read',
      other: 'it conflicts with the state of the catalog',
    }[conflict];
    return new CatalogError('conflict', `The server refused ${where} because ${what} (${status})${said}.`, {
      ...details,
      conflict,
    });
  }
  if (status >= 500) {
    return new CatalogError('server', `The server failed on ${where} (${status})${said}.`, details);
  }
  return new CatalogError(
    'bad-request',
    `The server rejected ${where} as malformed (${status})${said}.`,
    details,
  );
}
