/**
 * Browser mode's door seen from a real browser: no token, no page; other origins (same site or not)
 * and DNS-rebinding names cannot use the API; encoded `..` never escapes the bag.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../bench/browser.js';
import { generatedBags } from '../support/bags.js';
import {
  e2eSkipReason,
  eventually,
  openSession,
  saveScreenshot,
  startupBag,
  suiteName,
  type Session,
} from './support.js';

const REBINDING_HOST = 'rebinding.test';

/** What the attacker's page saw of each request: its status when the browser let it read one. */
interface Attempt {
  name: string;
  outcome: string;
}

describe.skipIf(e2eSkipReason() !== null)(suiteName('browser-mode security in Chromium'), () => {
  const bags = generatedBags();
  const imageTable = encodeURIComponent(`${bags.facts.schemas.domain}:Image`);
  let session: Session;
  let attacker: http.Server;
  let attackerPort: number;
  let rebindingBrowser: Browser | undefined;
  let bagId: string;

  beforeAll(async () => {
    session = await openSession({ bag: bags.formatB });
    attacker = http.createServer((_, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html' });
      response.end('<!doctype html><title>Another site</title><p>Not Satchel.</p>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerPort = (attacker.address() as AddressInfo).port;
    bagId = (await startupBag(session)).bagId;
  });

  afterAll(async () => {
    await rebindingBrowser?.close().catch(() => undefined);
    await new Promise<void>((resolve) => (attacker ? attacker.close(() => resolve()) : resolve()));
    await session?.close();
  });

  it('answers 403 to a browser that never opened the token URL', async () => {
    const stranger = await session.browser.newContext();
    try {
      const page = await stranger.newPage();
      for (const target of ['/', '/index.html', '/api/startup']) {
        const response = await page.goto(`${session.server.origin}${target}`);
        expect(response?.status(), target).toBe(403);
        expect(await page.textContent('body'), target).toContain('Forbidden');
      }
      await saveScreenshot(page, 'security-no-token');
      const wrong = await page.goto(`${session.server.origin}/?token=${'0'.repeat(64)}`);
      expect(wrong?.status()).toBe(403);
    } finally {
      await stranger.close();
    }
  });

  for (const host of ['localhost', '127.0.0.1']) {
    it(`keeps a page served from http://${host}:<other port> away from the API`, async () => {
      // The signed-in context holds the session cookie; a page of another origin runs in it.
      const page = await session.context.newPage();
      try {
        await page.goto(`http://${host}:${attackerPort}/`);
        const traffic = await watchTraffic(page, session.server.origin);
        const attempts = await attack(page, session.server.origin, bags.formatB);
        for (const attempt of attempts) expect(attempt.outcome, attempt.name).toBe('blocked');
        // What reached the server (the JSON POST only as its preflight), and what the server answered.
        await eventually(() => traffic.answered().length).toBe(attempts.length);
        for (const exchange of traffic.answered()) {
          expect(exchange.status, exchange.what).toBe(403);
          // 127.0.0.1 is the same site: the cookie goes along (except on preflights, which never carry
          // credentials), so it is the Origin check that refuses. localhost is another site: no cookie.
          if (exchange.method !== 'OPTIONS')
            expect(exchange.withCookie, exchange.what).toBe(host === '127.0.0.1');
        }
      } finally {
        await page.close();
      }
      // The recent-bags list the attack tried to empty is intact.
      const state = await session.page.request.post(`${session.server.origin}/api/library:state`, {
        data: {},
      });
      const library = (await state.json()) as { ok: true; value: { recent: unknown[] } };
      expect(library.value.recent).toHaveLength(1);
    });
  }

  it('refuses a DNS-rebinding name that resolves to 127.0.0.1 (Host check), token or not', async () => {
    rebindingBrowser = await launchChromium([`--host-resolver-rules=MAP ${REBINDING_HOST} 127.0.0.1`]);
    const page = await rebindingBrowser.newPage();
    const base = `http://${REBINDING_HOST}:${session.server.port}`;
    for (const target of [`/?token=${session.server.token}`, '/', '/api/startup']) {
      const response = await page.goto(`${base}${target}`);
      expect(response?.status(), target).toBe(403);
      expect(await page.textContent('body'), target).toContain('answers only to 127.0.0.1 and localhost');
    }
  });

  it('answers 404 to encoded .. segments in asset and thumbnail paths', async () => {
    const targets = [
      '/asset/..%2f..%2fetc%2fpasswd',
      '/asset/..%2F..%2F..%2Fetc%2Fpasswd',
      `/asset/${bagId}/${imageTable}/..%2f..%2f..%2f..%2fetc%2fpasswd`,
      `/thumb/${bagId}/..%2f..%2f..%2fetc/passwd`,
      '/asset/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2f..%2fetc%2fpasswd',
    ];
    for (const target of targets) {
      const reply = await session.page.request.get(`${session.server.origin}${target}`);
      expect(reply.status(), target).toBe(404);
      expect(await reply.text(), target).not.toContain('root:');
    }
    // The same routes do serve what is in the bag: the 404s above are refusals, not wrong addresses.
    const image = bags.facts.images[0]!;
    for (const route of ['asset', 'thumb']) {
      const reply = await session.page.request.get(
        `${session.server.origin}/${route}/${bagId}/${imageTable}/${encodeURIComponent(image.rid)}`,
      );
      expect(reply.status(), route).toBe(200);
      expect(reply.headers()['content-type'], route).toMatch(/^image\//);
    }
  });
});

/**
 * From the attacker's page: read the library, forget the recent bag with a "simple" request (no
 * preflight), read the startup bag. Each resolves to 'blocked' when the page learnt nothing.
 */
function attack(page: Page, satchel: string, recentBag: string): Promise<Attempt[]> {
  return page.evaluate(
    async ({ origin, bag }) => {
      const outcome = async (request: () => Promise<Response>): Promise<string> => {
        try {
          const response = await request();
          // An opaque (no-cors) response tells the page nothing, not even the status.
          return response.type === 'opaque' ? 'blocked' : `read ${response.status}`;
        } catch {
          return 'blocked';
        }
      };
      return [
        {
          name: 'POST /api/library:state (JSON, CORS)',
          outcome: await outcome(() =>
            fetch(`${origin}/api/library:state`, {
              method: 'POST',
              credentials: 'include',
              headers: { 'content-type': 'application/json' },
              body: '{}',
            }),
          ),
        },
        {
          name: 'POST /api/library:forget (simple request)',
          outcome: await outcome(() =>
            fetch(`${origin}/api/library:forget`, {
              method: 'POST',
              mode: 'no-cors',
              credentials: 'include',
              headers: { 'content-type': 'text/plain' },
              body: JSON.stringify({ path: bag }),
            }),
          ),
        },
        {
          name: 'GET /api/startup (CORS)',
          outcome: await outcome(() => fetch(`${origin}/api/startup`, { credentials: 'include' })),
        },
      ];
    },
    { origin: satchel, bag: recentBag },
  );
}

interface Exchange {
  what: string;
  method: string;
  withCookie: boolean;
  status: number | null;
}

/**
 * The raw requests to Satchel and the server's status codes, from the DevTools protocol: CORS and
 * Cross-Origin-Resource-Policy hide them from the page and from playwright's response events.
 */
async function watchTraffic(page: Page, origin: string): Promise<{ answered(): Exchange[] }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const exchanges = new Map<string, Exchange>();
  const exchange = (id: string): Exchange => {
    let found = exchanges.get(id);
    if (!found) {
      found = { what: '', method: '', withCookie: false, status: null };
      exchanges.set(id, found);
    }
    return found;
  };
  cdp.on('Network.requestWillBeSent', ({ requestId, request }) => {
    if (!request.url.startsWith(origin)) return;
    Object.assign(exchange(requestId), { what: `${request.method} ${request.url}`, method: request.method });
  });
  cdp.on('Network.requestWillBeSentExtraInfo', ({ requestId, headers }) => {
    exchange(requestId).withCookie = Object.keys(headers).some((name) => name.toLowerCase() === 'cookie');
  });
  cdp.on('Network.responseReceivedExtraInfo', ({ requestId, statusCode }) => {
    exchange(requestId).status = statusCode;
  });
  return {
    answered: () => [...exchanges.values()].filter((entry) => entry.what !== '' && entry.status !== null),
  };
}
