import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFetchFile } from '../../main/core/bag/fetch.js';
import { verifyBag } from '../../main/core/verify/index.js';
import type { VerifyReport } from '../../shared/bag.js';
import { generatedBags } from '../support/bags.js';
import { copyFixtureBag, repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * RFC 8493 §3: a bag is complete when every payload file its manifests list is present, and valid
 * only when it is complete. A fetch.txt entry that is not on disk therefore makes the bag incomplete
 * and not valid, whether the bag was downloaded holey on purpose or lost a file later.
 */
const bags = generatedBags();
const { facts } = bags;
const scratch = temporaryDirectory('satchel-complete-');
afterAll(() => scratch.cleanup());

function satchel(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'bin', 'satchel.js'), ...args, '--workspace', path.join(scratch.dir, 'ws')],
    { encoding: 'utf8', env: { ...process.env, SATCHEL_WORKSPACE: '' } },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A materialized copy of the 1.0.0 bag with the first image's file deleted. */
function bagMissingOneFile(name: string): { bag: string; missing: string } {
  const bag = copyFixtureBag(bags.formatB, path.join(scratch.dir, name));
  const image = facts.images[0]!;
  const missing = `data/asset/${image.rid}/Image/${image.filename}`;
  fs.rmSync(path.join(bag, missing));
  return { bag, missing };
}

describe('verify states completeness', () => {
  it('a materialized bag is complete and valid', async () => {
    const report = await verifyBag(bags.formatB);
    expect(report).toMatchObject({ ok: true, complete: true, materialized: true, unfetched: 0, missing: [] });
    expect(report.problems).toEqual([]);
  });

  it('a bag that lost one fetched file is incomplete and not valid, and names the file', async () => {
    const { bag, missing } = bagMissingOneFile('lost');
    const report = await verifyBag(bag);
    expect(report).toMatchObject({ ok: false, complete: false, materialized: false, unfetched: 1 });
    expect(report.missing).toEqual([missing]);
    // Nothing is corrupt: the only thing wrong is the absent file.
    expect(report.problems).toEqual([]);
    expect(report.files).toBe((await verifyBag(bags.formatB)).files - 1);
  });

  it('a holey bag is incomplete: every fetch.txt entry is counted and named', async () => {
    const report = await verifyBag(bags.holey);
    const listed = readFetchFile(bags.holey).map((entry) => entry.path);
    expect(listed).toHaveLength(facts.assets['1.0.0']);
    expect(report).toMatchObject({ ok: false, complete: false, materialized: false, problems: [] });
    expect(report.unfetched).toBe(facts.assets['1.0.0']);
    expect([...report.missing].sort()).toEqual([...listed].sort());
  });

  it('satchel verify exits 1 on a lost file, counts and names it, and points to satchel fetch', () => {
    const { bag, missing } = bagMissingOneFile('cli-lost');
    const result = satchel('verify', bag);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^INCOMPLETE: 1 file listed in fetch\.txt is not in the bag/);
    expect(result.stdout).toContain(missing);
    expect(result.stdout).toContain(`satchel fetch ${bag}`);
    expect(result.stdout).not.toMatch(/^OK/m);
    const json = JSON.parse(satchel('verify', bag, '--json').stdout) as VerifyReport;
    expect(json).toMatchObject({ ok: false, complete: false, unfetched: 1, missing: [missing] });
  });

  it('satchel verify on a holey bag says it is incomplete and that this is expected', () => {
    const result = satchel('verify', bags.holey);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(
      new RegExp(`^INCOMPLETE: ${facts.assets['1.0.0']} files listed in fetch\\.txt are not in the bag`),
    );
    expect(result.stdout).toContain('expected for a holey bag');
    expect(result.stdout).toContain(`satchel fetch ${bags.holey}`);
    // The human report names a first few files and says how many more the JSON lists.
    expect(result.stdout).toContain(`and ${facts.assets['1.0.0'] - 20} more`);
  });
});
