import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type Api } from '../../main/core/api/index.js';
import { readFetchFile } from '../../main/core/bag/fetch.js';
import { CatalogClient } from '../../main/core/catalog/index.js';
import { downloadBag } from '../../main/core/download/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import type { FetchSummary } from '../../shared/catalog.js';
import type { ApiResult, Channel, EventMap, OpenedBag } from '../../shared/contract.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

/** The bag viewer's "Fetch files": bag:fetch and bag:fetch-cancel through the typed contract. */
const { facts } = generatedBags();
const scratch = temporaryDirectory('satchel-fetch-api-');
let standIn: StandIn;
let client: CatalogClient;
let cookie = '';

beforeAll(async () => {
  standIn = await startStandIn({ seed: 'world' });
  cookie = standIn.login('testadmin');
  client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
    credential: { kind: 'cookie', value: cookie },
  });
});
afterAll(async () => {
  await standIn?.close();
  scratch.cleanup();
});

/** A home whose deriva-py credential.json signs in to the stand-in, with a holey 1.1.0 bag in its cache. */
async function holeyBagIn(name: string): Promise<{ home: string; bagDir: string }> {
  const home = path.join(scratch.dir, name);
  fs.mkdirSync(path.join(home, '.deriva'), { recursive: true });
  fs.writeFileSync(
    path.join(home, '.deriva', 'credential.json'),
    JSON.stringify({ '127.0.0.1': { cookie } }),
  );
  const bag = await downloadBag(client, {
    rid: facts.rid,
    version: '1.1.0',
    homeDir: home,
    materialize: false,
  });
  return { home, bagDir: bag.bagDir };
}

function apiFor(home: string, name: string) {
  const events: EventMap['progress'][] = [];
  const api = createApi({
    workspace: path.join(scratch.dir, `${name}-workspace`),
    homeDir: home,
    emit: (event, payload) => {
      if (event === 'progress') events.push(payload as EventMap['progress']);
    },
  });
  const call = async <C extends Channel>(channel: C, request: unknown) =>
    api.handle(channel, request) as Promise<ApiResult<C>>;
  return { api, events, call };
}

const valueOf = <T>(result: ApiResult<Channel>): T => {
  if (!result.ok) throw new Error(result.error.message);
  return result.value as T;
};

describe('bag:fetch', () => {
  let api: Api | undefined;
  afterAll(async () => api?.close());

  it('brings every file into the open holey bag, with "N reused, M fetched, X MB" progress', async () => {
    const { home, bagDir } = await holeyBagIn('home');
    const session = apiFor(home, 'one');
    api = session.api;
    const opened = valueOf<OpenedBag>(await session.call('bag:open', { path: bagDir }));
    expect(opened.report.materialized).toBe(false);
    const entries = readFetchFile(bagDir);
    const copy = facts.images.filter((image) => image.release === '1.1.0').at(-1)!;
    const copyBytes = entries.find((entry) => entry.path.endsWith(`/${copy.filename}`))!.length!;
    const bytes = entries.reduce((sum, entry) => sum + entry.length!, 0);

    const summary = valueOf<FetchSummary>(await session.call('bag:fetch', { bagId: opened.bagId }));
    expect(summary).toEqual({
      files: facts.assets['1.1.0'],
      skipped: 0,
      transfer: { reused: 1, fetched: facts.assets['1.1.0'] - 1, fetchedBytes: bytes - copyBytes },
      materialized: true,
    });
    const fetchEvents = session.events.filter((event) => event.task === 'fetch');
    expect(fetchEvents.length).toBeGreaterThan(1);
    for (const event of fetchEvents) {
      expect(event.detail).toMatch(/^\d+ of 360 files: \d+ reused, \d+ fetched, \d+\.\d MB$/);
      expect(event.path).toBe(fs.realpathSync(bagDir));
    }
    expect(fetchEvents.at(-1)!.detail).toBe(
      `360 of 360 files: 1 reused, 359 fetched, ${((bytes - copyBytes) / 1e6).toFixed(1)} MB`,
    );
    expect(valueOf<{ closed: boolean }>(await session.call('bag:close', { bagId: opened.bagId }))).toEqual({
      closed: true,
    });
    const reopened = valueOf<OpenedBag>(await session.call('bag:open', { path: bagDir }));
    expect(reopened.report.materialized).toBe(true);
    expect(await verifyBag(bagDir)).toMatchObject({ ok: true, complete: true });
  });

  it('bag:fetch-cancel stops it with a sentence, keeps what came, and fetching again resumes', async () => {
    const { home, bagDir } = await holeyBagIn('home-cancel');
    const session = apiFor(home, 'two');
    try {
      const opened = valueOf<OpenedBag>(await session.call('bag:open', { path: bagDir }));
      standIn.failNext({ pathPrefix: '/hatrac/', delayMs: 40, times: 100_000 });
      const running = session.call('bag:fetch', { bagId: opened.bagId });
      for (let round = 0; round < 5000; round++) {
        const latest = session.events.filter((event) => event.task === 'fetch').at(-1);
        if (latest && Number(/^(\d+) of/.exec(latest.detail ?? '')?.[1] ?? 0) >= 20) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(
        valueOf<{ cancelled: boolean }>(await session.call('bag:fetch-cancel', { bagId: opened.bagId })),
      ).toEqual({
        cancelled: true,
      });
      const stopped = await running;
      standIn.clearFailures();
      expect(stopped.ok).toBe(false);
      const error = (stopped as { ok: false; error: { kind: string; message: string } }).error;
      expect(error.kind).toBe('cancelled');
      const done = Number(
        new RegExp(
          `^Fetching the files of Dataset_${facts.rid} was cancelled after (\\d+) of 360; fetch the files again to resume\\.$`,
        ).exec(error.message)?.[1],
      );
      expect(done).toBeGreaterThanOrEqual(20);
      expect(
        valueOf<{ cancelled: boolean }>(await session.call('bag:fetch-cancel', { bagId: opened.bagId })),
      ).toEqual({
        cancelled: false,
      });
      const resumed = valueOf<FetchSummary>(await session.call('bag:fetch', { bagId: opened.bagId }));
      expect(resumed.skipped).toBe(done);
      expect(resumed.skipped + resumed.transfer.reused + resumed.transfer.fetched).toBe(360);
      expect(resumed.materialized).toBe(true);
    } finally {
      await session.api.close();
    }
  });
});
