// webauthn's /authn service (database provider) and the client identity of every request (deriva-protocol.md §1).
import type http from 'node:http';
import { randomToken } from './base32.js';
import { HttpError, jsonReply, mainType, textReply, type Reply } from './http.js';
import { formatTimestamp } from './values.js';

export interface UserAccount {
  password: string;
  /** Group ids; they join the client's attributes, so ACLs may name them. */
  groups?: string[];
}

/** Who is calling: `id` goes into RCB/RMB; ACLs match any of `attributes` (id and groups). */
export interface Client {
  id: string;
  attributes: string[];
}

interface Session {
  user: string;
  since: number;
  expires: number;
}

const SESSION_MICROSECONDS = 30 * 60 * 1_000_000;
export const COOKIE_NAME = 'webauthn';
const nowMicroseconds = (): number => Date.now() * 1000;

export class Authn {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly users: Record<string, UserAccount>,
    private readonly tokens: Record<string, string>,
    /** What /authn/discovery advertises as `oauth2_scopes` (a Globus deployment); none: database auth. */
    private readonly oauth2Scopes: Record<string, string> | null = null,
  ) {}

  /** The caller of a request: a bearer token wins over the cookie; neither means anonymous (null). */
  clientOf(request: http.IncomingMessage): Client | null {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const user = bearer !== undefined ? this.tokens[bearer] : this.sessionOf(request)?.user;
    return user !== undefined && this.users[user] ? this.clientFor(user) : null;
  }

  clientFor(user: string): Client {
    return { id: user, attributes: [user, ...(this.users[user]?.groups ?? [])] };
  }

  /** Logs `user` in without HTTP (for tests); returns the cookie value. */
  createSession(user: string): string {
    if (!this.users[user]) throw new Error(`unknown user ${user}`);
    const key = randomToken();
    const since = nowMicroseconds();
    this.sessions.set(key, { user, since, expires: since + SESSION_MICROSECONDS });
    return key;
  }

  handle(request: http.IncomingMessage, path: string, body: Buffer): Reply {
    const method = request.method ?? 'GET';
    if (path === '/authn/preauth' && method === 'GET') {
      return jsonReply({
        login_form: {
          method: 'POST',
          action: '/authn/session',
          input_fields: [
            { name: 'username', type: 'text' },
            { name: 'password', type: 'password' },
          ],
        },
        authentication_type: 'database',
      });
    }
    if (path === '/authn/discovery' && method === 'GET')
      return jsonReply(this.oauth2Scopes ? { oauth2_scopes: this.oauth2Scopes } : {});
    if (path !== '/authn/session') throw new HttpError(404, 'Not found.\n');

    const cookieKey = this.cookieKey(request);
    const session = this.sessionOf(request) ?? this.bearerSession(request);
    const noSession = (): HttpError => new HttpError(404, 'No existing login session found.\n');
    switch (method) {
      case 'POST': {
        if (session) throw new HttpError(409, 'Login session already exists.\n');
        const form =
          mainType(request.headers['content-type']) === 'application/json'
            ? new URLSearchParams(
                Object.entries(JSON.parse(body.toString('utf8') || '{}') as Record<string, string>),
              )
            : new URLSearchParams(body.toString('utf8'));
        const user = form.get('username') ?? '';
        if (!this.users[user] || this.users[user].password !== form.get('password'))
          throw new HttpError(401, 'Session establishment failed.\n');
        const key = this.createSession(user);
        return {
          ...this.sessionReply(this.sessions.get(key)!),
          headers: { 'content-type': 'application/json', 'set-cookie': `${COOKIE_NAME}=${key}; Path=/` },
        };
      }
      case 'GET':
        if (!session) throw noSession();
        return this.sessionReply(session);
      case 'PUT':
        if (!session) throw noSession();
        session.expires = nowMicroseconds() + SESSION_MICROSECONDS;
        return this.sessionReply(session);
      case 'DELETE': {
        if (!session || cookieKey === undefined) throw noSession();
        this.sessions.delete(cookieKey);
        const expired = 'Expires=Wed, 31 Dec 1969 23:59:59 GMT; Path=/';
        return {
          ...jsonReply({ logout_url: null }),
          headers: {
            'content-type': 'application/json',
            'set-cookie': [`webauthn2_referrer=; ${expired}`, `${COOKIE_NAME}=; ${expired}`],
          },
        };
      }
      default:
        throw new HttpError(405, 'Method not allowed.\n');
    }
  }

  private sessionReply(session: Session): Reply {
    const client = this.clientFor(session.user);
    const groups = client.attributes.slice(1).map((group) => ({ id: group, display_name: group }));
    const body = {
      client: { id: session.user, display_name: session.user, identities: [session.user] },
      attributes: [...groups, { id: session.user, display_name: session.user, identities: [session.user] }],
      since: formatTimestamp(session.since, ' ', '+00:00'),
      expires: formatTimestamp(session.expires, ' ', '+00:00'),
      seconds_remaining: Math.max(0, Math.floor((session.expires - nowMicroseconds()) / 1_000_000)),
      vary_headers: ['cookie'],
      tracking: null,
    };
    return textReply(JSON.stringify(body) + '\n', 200, 'application/json');
  }

  /** A bearer token acts as a login session that lasts as long as the token is registered. */
  private bearerSession(request: http.IncomingMessage): Session | undefined {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const user = bearer === undefined ? undefined : this.tokens[bearer];
    if (user === undefined || !this.users[user]) return undefined;
    const since = nowMicroseconds();
    return { user, since, expires: since + SESSION_MICROSECONDS };
  }

  private cookieKey(request: http.IncomingMessage): string | undefined {
    for (const part of (request.headers.cookie ?? '').split(';')) {
      const [name, ...value] = part.trim().split('=');
      if (name === COOKIE_NAME && value.length) return value.join('=');
    }
    return undefined;
  }

  private sessionOf(request: http.IncomingMessage): Session | undefined {
    const key = this.cookieKey(request);
    const session = key === undefined ? undefined : this.sessions.get(key);
    if (session && session.expires < nowMicroseconds()) {
      this.sessions.delete(key!);
      return undefined;
    }
    return session;
  }
}
