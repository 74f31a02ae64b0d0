import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFetchFile } from '../../main/core/bag/fetch.js';
import { CatalogClient } from '../../main/core/catalog/index.js';
import { downloadBag, type DownloadProgress } from '../../main/core/download/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import { transferText } from '../../shared/catalog.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * Bytes travel once: an asset already on disk (in any cached bag, or the workspace's store) is
 * linked or copied after its MD5 is checked, and only new bytes are fetched. The world's 1.1.0 adds
 * ten Training images to 1.0.0, one of them a byte-identical copy of an older image.
 */
const { facts } = generatedBags();
const scratch = temporaryDirectory('satchel-bytes-once-');
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

const hatracGets = (from: number) =>
  standIn.requests
    .slice(from)
    .filter((request) => request.method === 'GET' && request.path.startsWith('/hatrac/'));

/** Bag path → md5 of the asset files, from a bag's manifest-md5.txt. */
function assetMd5s(bagDir: string): Map<string, string> {
  const byPath = new Map<string, string>();
  for (const line of fs.readFileSync(path.join(bagDir, 'manifest-md5.txt'), 'utf8').split('\n')) {
    const match = /^([0-9a-f]{32}) {2}(data\/asset\/.+)$/.exec(line);
    if (match)
      byPath.set(
        match[2]!.replace(/%(0A|0D|25)/g, (escape) => decodeURIComponent(escape)),
        match[1]!,
      );
  }
  return byPath;
}

/** The file name of the 1.1.0 image that repeats an older image's bytes (the last one added). */
const copyName = () => facts.images.filter((image) => image.release === '1.1.0').at(-1)!.filename;

/** A home with a credential.json that lets the CLI read the world catalog and its files. */
function homeWithCookie(name: string): string {
  const home = path.join(scratch.dir, name);
  fs.mkdirSync(path.join(home, '.deriva'), { recursive: true });
  fs.writeFileSync(
    path.join(home, '.deriva', 'credential.json'),
    JSON.stringify({ '127.0.0.1': { cookie } }),
  );
  return home;
}

function satchel(args: string[], started?: (child: ChildProcess) => void) {
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) => {
      const child = execFile(
        process.execPath,
        [path.join(repoRoot, 'bin', 'satchel.js'), ...args],
        { encoding: 'utf8', env: { ...process.env, SATCHEL_WORKSPACE: '' } },
        (error, stdout, stderr) =>
          resolve({
            code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
            signal: error?.signal ?? null,
            stdout,
            stderr,
          }),
      );
      started?.(child);
    },
  );
}

describe('a newer version downloads only new bytes', () => {
  const home = path.join(scratch.dir, 'home');
  const workspace = path.join(scratch.dir, 'workspace');
  let olderDir = '';
  let newerDir = '';

  it('1.0.0 fetches every file', async () => {
    const first = standIn.requests.length;
    const bag = await downloadBag(client, { rid: facts.rid, version: '1.0.0', homeDir: home, workspace });
    olderDir = bag.bagDir;
    expect(hatracGets(first)).toHaveLength(facts.assets['1.0.0']);
    expect(bag.assets).toMatchObject({
      files: facts.assets['1.0.0'],
      downloaded: facts.assets['1.0.0'],
      reused: 0,
    });
    expect(bag.assets.fetchedBytes).toBe(bag.assets.bytes);
  });

  it('1.1.0 reuses the 1.0.0 files and the byte-identical copy, and fetches the nine new images', async () => {
    const older = new Set(assetMd5s(olderDir).values());
    const first = standIn.requests.length;
    const progress: DownloadProgress[] = [];
    const bag = await downloadBag(client, {
      rid: facts.rid,
      version: '1.1.0',
      homeDir: home,
      workspace,
      onProgress: (step) => progress.push(step),
    });
    newerDir = bag.bagDir;
    const entries = readFetchFile(bag.bagDir);
    const newer = assetMd5s(bag.bagDir);
    const isNew = (entry: { path: string }) => !older.has(newer.get(entry.path)!);
    const fetchedEntries = entries.filter(isNew);
    const newImages = facts.images.filter((image) => image.release === '1.1.0');
    expect(newImages).toHaveLength(facts.design.addedImages);
    expect(entries).toHaveLength(facts.assets['1.1.0']);
    // Ten images are new to the dataset; one of them has the bytes of an image of 1.0.0.
    expect(fetchedEntries).toHaveLength(facts.design.addedImages - 1);
    const fetchedBytes = fetchedEntries.reduce((sum, entry) => sum + entry.length!, 0);

    const gets = hatracGets(first);
    expect(gets).toHaveLength(fetchedEntries.length);
    expect(new Set(gets.map((request) => request.path))).toEqual(
      new Set(fetchedEntries.map((entry) => new URL(entry.url).pathname)),
    );
    expect(bag.assets).toEqual({
      files: facts.assets['1.1.0'],
      bytes: entries.reduce((sum, entry) => sum + entry.length!, 0),
      downloaded: fetchedEntries.length,
      skipped: 0,
      reused: facts.assets['1.1.0'] - fetchedEntries.length,
      fetchedBytes,
    });
    expect(progress.at(-1)!.transfer).toEqual({
      reused: facts.assets['1.1.0'] - fetchedEntries.length,
      fetched: fetchedEntries.length,
      fetchedBytes,
    });
    expect(transferText(progress.at(-1)!.transfer!)).toBe(
      `351 reused, 9 fetched, ${(fetchedBytes / 1e6).toFixed(1)} MB`,
    );

    // The copy is the same bytes on disk as the 1.0.0 image it repeats: linked, not fetched.
    const copy = newImages.find((image) =>
      older.has(newer.get(`data/asset/${image.rid}/Image/${image.filename}`)!),
    )!;
    expect(copy.filename).toBe(copyName());
    const copyPath = path.join(bag.bagDir, 'data', 'asset', copy.rid, 'Image', copy.filename);
    const md5 = newer.get(`data/asset/${copy.rid}/Image/${copy.filename}`)!;
    const [originalPath] = [...assetMd5s(olderDir)].find(([, sum]) => sum === md5)!;
    const original = path.join(olderDir, ...originalPath.split('/'));
    expect(fs.statSync(copyPath).ino).toBe(fs.statSync(original).ino);
    expect((await verifyBag(bag.bagDir)).ok).toBe(true);
  });

  it('the workspace store holds one link per distinct file', () => {
    const store = path.join(workspace, 'assets', 'md5');
    const stored = fs
      .readdirSync(store, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && /^[0-9a-f]{32}$/.test(entry.name))
      .map((entry) => entry.name);
    const distinct = new Set([...assetMd5s(olderDir).values(), ...assetMd5s(newerDir).values()]);
    expect(distinct.size).toBe(facts.assets['1.1.0'] - 1);
    expect(new Set(stored)).toEqual(distinct);
  });
});

describe('satchel fetch materializes a holey bag', () => {
  it('fetches every file of a holey bag, then reuses them all for another holey bag', async () => {
    const home = homeWithCookie('fetch-home');
    const workspace = path.join(scratch.dir, 'fetch-ws');
    const newer = await downloadBag(client, {
      rid: facts.rid,
      version: '1.1.0',
      homeDir: home,
      workspace,
      materialize: false,
    });
    const bytes = readFetchFile(newer.bagDir).reduce((sum, entry) => sum + entry.length!, 0);
    let first = standIn.requests.length;
    const fetched = await satchel(['fetch', newer.bagDir, '--home', home, '--workspace', workspace]);
    expect(fetched).toMatchObject({ code: 0, stdout: '' });
    // Within the bag too, the byte-identical copy is linked to its original instead of fetched again.
    const copyBytes = readFetchFile(newer.bagDir).find((entry) =>
      entry.path.endsWith(`/${copyName()}`),
    )!.length!;
    expect(fetched.stderr).toBe(
      `${newer.bagDir}: 360 files in place: 1 reused, 359 fetched, ${((bytes - copyBytes) / 1e6).toFixed(1)} MB.\n`,
    );
    expect(hatracGets(first)).toHaveLength(facts.assets['1.1.0'] - 1);
    expect((await verifyBag(newer.bagDir)).ok).toBe(true);

    const older = await downloadBag(client, {
      rid: facts.rid,
      version: '1.0.0',
      homeDir: home,
      workspace,
      materialize: false,
    });
    first = standIn.requests.length;
    const reused = await satchel(['fetch', older.bagDir, '--home', home, '--workspace', workspace]);
    expect(reused.stderr).toBe(`${older.bagDir}: 350 files in place: 350 reused, 0 fetched, 0.0 MB.\n`);
    expect(hatracGets(first)).toEqual([]);
    const report = await verifyBag(older.bagDir);
    expect(report).toMatchObject({ ok: true, complete: true });
    // Fetching again finds nothing missing.
    const again = await satchel(['fetch', older.bagDir, '--home', home, '--workspace', workspace, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ files: 350, skipped: 350, reused: 0, downloaded: 0 });
  });

  it('stops on Ctrl-C, keeps what it fetched, and a second run resumes', async () => {
    const home = homeWithCookie('interrupt-home');
    const workspace = path.join(scratch.dir, 'interrupt-ws');
    const bag = await downloadBag(client, {
      rid: facts.rid,
      version: '1.1.0',
      homeDir: home,
      workspace,
      materialize: false,
    });
    // Every file answer waits a little, so the interruption lands while files are still coming.
    standIn.failNext({ pathPrefix: '/hatrac/', delayMs: 50, times: 100_000 });
    const first = standIn.requests.length;
    const interrupted = await satchel(
      ['fetch', bag.bagDir, '--home', home, '--workspace', workspace, '--concurrency', '2'],
      (child) => {
        const poll = (round: number) => {
          if (hatracGets(first).length >= 20 || round > 2000) child.kill('SIGINT');
          else setTimeout(() => poll(round + 1), 10);
        };
        poll(0);
      },
    );
    standIn.clearFailures();
    expect(interrupted.code).toBe(130);
    const match = new RegExp(
      `^\\nsatchel: Fetching the files of Dataset_${facts.rid} was cancelled after (\\d+) of 360; run satchel fetch ${bag.bagDir.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')} again to resume\\.\\n$`,
    ).exec(interrupted.stderr);
    expect(match).not.toBeNull();
    const done = Number(match![1]);
    expect(done).toBeGreaterThanOrEqual(10);
    expect(done).toBeLessThan(360);

    const resumed = await satchel(['fetch', bag.bagDir, '--home', home, '--workspace', workspace, '--json']);
    expect(resumed.code).toBe(0);
    const result = JSON.parse(resumed.stdout) as { skipped: number; downloaded: number; reused: number };
    expect(result.skipped).toBe(done);
    expect(result.skipped + result.downloaded + result.reused).toBe(360);
    expect((await verifyBag(bag.bagDir)).ok).toBe(true);
  });
});
