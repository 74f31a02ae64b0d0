import type { z } from 'zod';
import type { ApiError } from '../../../shared/contract.js';
import { isCatalogError } from '../catalog/index.js';
import { isSatchelError } from '../common/index.js';

/** Kinds the API itself reports, beside the core's SatchelError kinds. */
export type RequestErrorKind = 'bad-request' | 'unknown-bag' | 'not-found' | 'internal';

/** A failure of the request itself (not of the bag): crosses the door as `{kind, message}`. */
export class RequestError extends Error {
  constructor(
    readonly kind: RequestErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** One sentence naming the first problem zod found. */
export function invalidRequest(channel: string, error: z.ZodError): RequestError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `the field "${issue.path.join('.')}"` : 'its body';
  const why = issue ? issue.message.replace(/\.$/, '') : 'it does not match the contract';
  return new RequestError('bad-request', `The ${channel} request is invalid in ${where}: ${why}.`);
}

/** What an error becomes at the door: Satchel, request and catalog errors keep their sentence; anything else is internal. */
export function toApiError(error: unknown, channel: string): ApiError {
  if (isSatchelError(error) || error instanceof RequestError || isCatalogError(error))
    return { kind: error.kind, message: error.message };
  const detail = firstLine(error instanceof Error ? error.message : String(error));
  return {
    kind: 'internal',
    message: `Satchel could not complete ${channel} because of an unexpected problem: ${detail}.`,
  };
}

function firstLine(text: string): string {
  const line = (text.split('\n')[0] ?? '').trim().replace(/\.$/, '');
  return line.length > 200 ? `${line.slice(0, 200)}…` : line || 'no details';
}
