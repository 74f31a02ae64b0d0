import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel, EventMap, RequestOf, ResponseOf } from '../../shared/contract.js';
import type { ApiHost } from '../../main/core/api/index.js';
import { buildMiniBag, MINI_LABELS, refreshManifests } from '../support/mini-bag.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * A big import must not hold up labeling: while a bag of three large CSVs imports, `labels:set` and
 * `labels:drafts` on another open bag complete, and the import is seen making progress afterwards.
 * No clock is read: the order of events proves it.
 */

const scratch = temporaryDirectory('satchel-import-labeling-');
const ROWS_PER_TABLE = 120_000;
const RCT = '2026-01-01 10:00:00.000000+00';
let host: ApiHost;
const events: EventMap['progress'][] = [];

/** The mini bag with ROWS_PER_TABLE more images, memberships and labels: three CSVs of about 12 MB. */
function buildBigBag(): string {
  const bag = buildMiniBag(path.join(scratch.dir, 'big'), { rid: 'D9' });
  const lab = path.join(bag, 'data', 'lab');
  const system = (rid: string) => `${rid},${RCT},${RCT},tester,tester`;
  const images: string[] = [];
  const members: string[] = [];
  const labels: string[] = [];
  for (let index = 6; index < 6 + ROWS_PER_TABLE; index++) {
    const md5 = index.toString(16).padStart(32, '0');
    images.push(
      `${system(`I${index}`)},/hatrac/Image/${md5}.image_${index}.bin:V1,image_${index}.bin,,14,${md5},64,2026-01-01`,
    );
    members.push(`${system(`M${index}`)},D9,I${index}`);
    labels.push(`${system(`F${index}`)},E1,I${index},Label,${MINI_LABELS[index % 3]},0.5`);
  }
  fs.appendFileSync(path.join(lab, 'Image.csv'), `${images.join('\n')}\n`);
  fs.appendFileSync(path.join(lab, 'Dataset_Image.csv'), `${members.join('\n')}\n`);
  fs.appendFileSync(path.join(lab, 'Execution_Image_Label.csv'), `${labels.join('\n')}\n`);
  refreshManifests(bag);
  return bag;
}

async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = await host.handle(channel, request);
  if (!result.ok) throw new Error(`${channel} failed: ${result.error.message}`);
  return result.value as ResponseOf<C>;
}

beforeAll(async () => {
  const hostEntry = path.join(repoRoot, 'dist', 'main', 'core', 'api', 'host.js');
  expect(fs.existsSync(hostEntry), 'run npm run build first').toBe(true);
  const hostModule = (await import(
    pathToFileURL(hostEntry).href
  )) as typeof import('../../main/core/api/host.js');
  host = await hostModule.startApiHost({
    workspace: path.join(scratch.dir, 'workspace'),
    homeDir: scratch.dir,
  });
  host.onEvent((name, payload) => {
    if (name === 'progress') events.push(payload as EventMap['progress']);
  });
});

afterAll(async () => {
  await host?.close();
  scratch.cleanup();
});

describe('labeling while a big bag imports', () => {
  it('answers labels:set and labels:drafts while the import is still running', async () => {
    const small = await call('bag:open', { path: buildMiniBag(path.join(scratch.dir, 'small')) });
    const big = buildBigBag();
    let openSettled = false;
    const opening = host.handle('bag:open', { path: big }).finally(() => (openSettled = true));
    const importing = () => events.filter((event) => event.path === big && event.task === 'open');
    // The import has begun: its first CSV is in.
    for (let wait = 0; wait < 2_000 && importing().length === 0 && !openSettled; wait++)
      await new Promise((resolve) => setTimeout(resolve, 5));
    expect(importing().length).toBeGreaterThan(0);
    expect(openSettled).toBe(false);

    const change = await call('labels:set', {
      bagId: small.bagId,
      feature: 'Image/Label',
      targets: ['I0'],
      values: { Label: 'Dog' },
    });
    const drafts = await call('labels:drafts', { bagId: small.bagId, feature: 'Image/Label' });
    const seenAtLabel = importing().length;
    const settledAtLabel = openSettled;

    expect(change.changed).toBe(1);
    expect(drafts.map((draft) => [draft.target, draft.values.Label])).toEqual([['I0', 'Dog']]);
    expect(settledAtLabel).toBe(false);
    const opened = await opening;
    expect(opened.ok).toBe(true);
    // The import went on after the labels were answered.
    expect(importing().length).toBeGreaterThan(seenAtLabel);
    expect(importing().at(-1)).toMatchObject({ phase: 'index', done: 1, total: 1 });
  }, 120_000);
});
