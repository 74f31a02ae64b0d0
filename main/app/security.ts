import { app, shell, type Session, type WebContents } from 'electron';
import { isAppUrl, parseUrl } from './origin.js';
import { routeAppUrl } from './protocol-routes.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "script-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Bag files opened as a document (never meant to happen) get no script and an opaque origin. */
export const ASSET_CONTENT_SECURITY_POLICY =
  "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

/** Links leave the app only as https, without credentials, and only through the OS browser. */
export function isSafeExternalUrl(raw: string): boolean {
  const url = parseUrl(raw);
  return (
    url !== null &&
    url.protocol === 'https:' &&
    url.hostname !== '' &&
    url.username === '' &&
    url.password === ''
  );
}

/** The window may only (re)load the app itself; asset URLs are never documents. */
export function isAppNavigation(raw: string): boolean {
  return isAppUrl(raw) && routeAppUrl(raw).kind === 'renderer';
}

function openExternalIfSafe(url: string): void {
  if (!isSafeExternalUrl(url)) return;
  shell.openExternal(url).catch((error: unknown) => console.error(`Satchel could not open ${url}:`, error));
}

/** Blocks navigation away from the app, new windows and webviews for one web contents. */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (isAppNavigation(url)) return;
    event.preventDefault();
    openExternalIfSafe(url);
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppNavigation(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    openExternalIfSafe(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Every web contents ever created (the window, devtools, anything unexpected) gets the same rules. */
export function hardenAllWebContents(): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
}

/** CSP on every response (kept alongside any stricter one the response has) and no permissions. */
export function secureSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withContentSecurityPolicy(details.responseHeaders ?? {}) });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Several CSP headers are all enforced, so adding ours can only tighten the response's own. */
export function withContentSecurityPolicy(headers: Record<string, string[]>): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  const policies: string[] = [];
  for (const [name, values] of Object.entries(headers)) {
    if (name.toLowerCase() === 'content-security-policy') policies.push(...values);
    else result[name] = values;
  }
  result['Content-Security-Policy'] = [
    ...policies.filter((policy) => policy !== CONTENT_SECURITY_POLICY),
    CONTENT_SECURITY_POLICY,
  ];
  return result;
}
