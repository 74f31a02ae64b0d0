import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBag } from '../../main/core/bag/index.js';
import { CatalogClient } from '../../main/core/catalog/index.js';
import { listDatasets } from '../../main/core/download/index.js';
import type { DatasetListing } from '../../shared/catalog.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * A version is shown as it was: its member counts, description and types are read at its snapshot,
 * so they agree with the bag downloaded at that version (Training: 200 images at 1.0.0, 210 at 1.1.0),
 * not with the catalog as it is today.
 */
const bags = generatedBags();
const { facts } = bags;
const scratch = temporaryDirectory('satchel-versions-');
let standIn: StandIn;
let listing: DatasetListing[] = [];

beforeAll(async () => {
  standIn = await startStandIn({ seed: 'world' });
  const client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
    credential: { kind: 'cookie', value: standIn.login('testuser') },
  });
  listing = await listDatasets(client);
});
afterAll(async () => {
  await standIn?.close();
  scratch.cleanup();
});

const dataset = (rid: string) => listing.find((entry) => entry.rid === rid)!;
const versionOf = (rid: string, version: string) =>
  dataset(rid).versions.find((info) => info.version === version)!;

describe('satchel catalog datasets shows each version at its snapshot', () => {
  it('Training has 200 images at 1.0.0 and 210 at 1.1.0; today it has 210', () => {
    const training = facts.datasets.training;
    expect(versionOf(training, '1.0.0').atSnapshot?.members).toEqual({ Image: 200 });
    expect(versionOf(training, '1.1.0').atSnapshot?.members).toEqual({ Image: 210 });
    expect(dataset(training).members).toEqual({ Image: 210 });
    expect(versionOf(facts.datasets.testing, '1.0.0').atSnapshot?.members).toEqual({ Image: 100 });
  });

  it("every version's description, types, members and nested datasets are those of its bag", async () => {
    for (const [release, bagDir] of [
      ['1.0.0', bags.formatB],
      ['1.1.0', bags.newer],
    ] as const) {
      const bag = await openBag(bagDir, { workspace: path.join(scratch.dir, 'workspace') });
      try {
        for (const inBag of bag.datasets()) {
          const shown = versionOf(inBag.rid, release).atSnapshot!;
          expect([inBag.rid, release, shown]).toEqual([
            inBag.rid,
            release,
            {
              description: inBag.description,
              types: [...inBag.types].sort(),
              members: Object.fromEntries(
                Object.entries(inBag.members).filter(([type, count]) => type !== 'Dataset' && count > 0),
              ),
              children: [...inBag.children].sort(),
            },
          ]);
        }
      } finally {
        bag.close();
      }
    }
  });

  it('prints one row per version with the counts of that version', async () => {
    const home = path.join(scratch.dir, 'home');
    fs.mkdirSync(path.join(home, '.deriva'), { recursive: true });
    fs.writeFileSync(
      path.join(home, '.deriva', 'credential.json'),
      JSON.stringify({ '127.0.0.1': { cookie: standIn.login('testuser') } }),
    );
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [
          path.join(repoRoot, 'bin', 'satchel.js'),
          'catalog',
          'datasets',
          `${standIn.origin}/ermrest/catalog/1`,
          '--home',
          home,
        ],
        { encoding: 'utf8' },
        (error, out) => (error ? reject(error) : resolve(out)),
      ),
    );
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RID\s+version\s+snapshot\s+types\s+members\s+description$/);
    const line = (rid: string, version: string) =>
      lines.find((text) => text.startsWith(`${rid} `) && text.split(/\s+/)[1] === version);
    const snapshot = (version: string) => versionOf(facts.datasets.training, version).snapshot!;
    expect(line(facts.datasets.training, '1.0.0')).toMatch(
      new RegExp(
        `^${facts.datasets.training}\\s+1\\.0\\.0\\s+${snapshot('1.0.0')}\\s+Training\\s+Image 200\\b`,
      ),
    );
    expect(line(facts.datasets.training, '1.1.0')).toMatch(
      new RegExp(
        `^${facts.datasets.training}\\s+1\\.1\\.0\\s+${snapshot('1.1.0')}\\s+Training\\s+Image 210\\b`,
      ),
    );
    expect(lines).toHaveLength(1 + listing.reduce((sum, entry) => sum + entry.versions.length, 0));
  });
});
