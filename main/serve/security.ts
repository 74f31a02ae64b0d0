import crypto from 'node:crypto';
import type http from 'node:http';

/** The browser-mode door: loopback only, a random token, a Host check against DNS rebinding. */

export const APP_CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
/** Bag files are untrusted: even when opened directly they may not run anything. */
export const ASSET_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

export function newToken(): string {
  return crypto.randomBytes(32).toString('hex');
}

export function cookieName(port: number): string {
  // Cookies ignore ports: two servers on one machine need two names.
  return `satchel_token_${port}`;
}

export function sameToken(candidate: string | undefined | null, token: string): boolean {
  if (typeof candidate !== 'string' || candidate.length !== token.length) return false;
  return crypto.timingSafeEqual(Buffer.from(candidate), Buffer.from(token));
}

/** Only `127.0.0.1:<port>` and `localhost:<port>`: a rebinding attacker's page carries its own name. */
export function hostAllowed(request: http.IncomingMessage, port: number): boolean {
  const host = request.headers.host;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** A cross-origin page may not post to the API even if the browser would send the cookie. */
export function originAllowed(request: http.IncomingMessage, port: number): boolean {
  const origin = request.headers.origin;
  return (
    origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
  );
}

export function authorized(request: http.IncomingMessage, token: string, port: number): boolean {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header.startsWith('token ') && sameToken(header.slice(6).trim(), token))
    return true;
  return sameToken(readCookie(request.headers.cookie, cookieName(port)), token);
}

function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return null;
}

export function sessionCookie(token: string, port: number): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
