// HTTP plumbing shared by the three services: errors, bodies and replies.
import type http from 'node:http';
import crypto from 'node:crypto';

/** A reply that ends request handling; thrown from anywhere inside a handler. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Record<string, string> = { 'content-type': 'text/plain' },
  ) {
    super(body.trim());
  }
}

const ERMREST_TITLES: Record<number, [title: string, htmlTitle: string]> = {
  400: ['Request malformed', 'Bad Request'],
  401: ['Access requires authentication', 'Unauthorized'],
  403: ['Access forbidden', 'Forbidden'],
  404: ['Resource not found', 'Not Found'],
  405: ['Method not allowed', 'Method Not Allowed'],
  409: ['Request conflicts with state of server', 'Conflict'],
  412: ['Resource state does not match requested preconditions', 'Precondition Failed'],
  415: ['Unsupported media type', 'Unsupported Media Type'],
  500: ['Internal server error', 'Internal Server Error'],
};

/** ERMrest's error body: `"<Title>. Detail: <message>\n"` (deriva-protocol.md §5). */
export function ermrestError(status: number, detail: string): HttpError {
  const [title] = ERMREST_TITLES[status] ?? ['Error'];
  return new HttpError(status, `${title}. Detail: ${detail}\n`);
}

/** ERMrest answers `Accept: text/html` with a small HTML page instead of text. */
export function asHtmlIfAsked(error: HttpError, accept: string | undefined): HttpError {
  if (!accept || !/text\/html/.test(accept) || /application\/json|text\/plain/.test(accept)) return error;
  const [, htmlTitle] = ERMREST_TITLES[error.status] ?? ['Error', 'Error'];
  const detail = error.body.replace(/^[^.]*\. Detail: /, '').trim();
  return new HttpError(
    error.status,
    `<html><body><h1>${htmlTitle}</h1><p>${escapeHtml(detail)}</p></body></html>`,
    {
      'content-type': 'text/html',
    },
  );
}

const escapeHtml = (text: string): string => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export interface Reply {
  status: number;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Streams a file slice instead of `body`. */
  file?: { path: string; start: number; end: number };
}

export const jsonReply = (value: unknown, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value) + '\n',
});

export const textReply = (
  text: string,
  status = 200,
  contentType = 'text/plain',
  headers: Record<string, string> = {},
): Reply => ({
  status,
  headers: { 'content-type': contentType, ...headers },
  body: text,
});

/** A strong validator in the spirit of ERMrest's `"<hash>;<type>;<time>"` ETags. */
export const etagFor = (...parts: string[]): string =>
  `"${crypto.createHash('md5').update(parts.join('\0')).digest('base64')}"`;

/** Collects a request body up to `limit` bytes (413 beyond). */
export async function readBody(request: http.IncomingMessage, limit = 128 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new HttpError(413, 'Request payload too large.\n');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The main type of a Content-Type or Accept entry, lower-cased, without parameters. */
export const mainType = (value: string | undefined): string =>
  (value ?? '').split(';')[0]!.trim().toLowerCase();

export function headerValue(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
