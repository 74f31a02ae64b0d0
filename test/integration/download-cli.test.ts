import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../main/cli/satchel.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

const facts = generatedBags().facts;
const { complete, training, testing } = facts.datasets;
const trainingImages = facts.images.filter((image) => image.split === 'Training').length;
const scratch = temporaryDirectory('satchel-download-cli-');
let standIn: StandIn;
let url = '';

beforeAll(async () => {
  standIn = await startStandIn({ seed: 'world' });
  url = `${standIn.origin}/ermrest/catalog/1`;
});
afterAll(async () => {
  await standIn?.close();
  scratch.cleanup();
});

/** Runs the satchel CLI in this process, capturing its output and exit code. */
async function satchel(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  const previous = process.exitCode;
  try {
    process.exitCode = 0;
    await main(args);
    return { status: Number(process.exitCode ?? 0), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = previous;
  }
}

function credentialFile(name: string, entry: Record<string, string>): string {
  const file = path.join(scratch.dir, name);
  fs.writeFileSync(file, JSON.stringify({ '127.0.0.1': entry }));
  return file;
}

describe('satchel catalog / satchel download, on the sample world', () => {
  it('lists datasets with a cookie from a deriva-py credential file', async () => {
    const file = credentialFile('cookie.json', { cookie: standIn.login('testadmin') });
    const result = await satchel('catalog', 'datasets', url, '--json', '--credential', file);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const datasets = JSON.parse(result.stdout) as { rid: string; versions: { version: string }[] }[];
    expect(
      datasets.map((dataset) => [dataset.rid, dataset.versions.map((version) => version.version)]),
    ).toEqual([
      [complete, ['1.0.0', '1.1.0']],
      [training, ['1.0.0', '1.1.0']],
      [testing, ['1.0.0', '1.1.0']],
    ]);
    const human = await satchel('catalog', 'datasets', url, '--credential', file);
    expect(human.stdout.split('\n')[0]).toMatch(/^RID\s+version\s+snapshot\s+types\s+members/);
    // One row per version, as the dataset was at that version's snapshot.
    const at100 = trainingImages - facts.design.addedImages;
    expect(human.stdout).toMatch(
      new RegExp(`${training}\\s+1\\.0\\.0\\s+\\S+\\s+Training\\s+Image ${at100}\\b`),
    );
    expect(human.stdout).toMatch(
      new RegExp(`${training}\\s+1\\.1\\.0\\s+\\S+\\s+Training\\s+Image ${trainingImages}\\b`),
    );
  });

  it('downloads a bag, signing in with the user name and password of the credential file', async () => {
    const file = credentialFile('password.json', { username: 'testadmin', password: 'testadmin' });
    const home = path.join(scratch.dir, 'home');
    const args = [
      'download',
      url,
      '--dataset',
      complete,
      '--version',
      '1.0.0',
      '--credential',
      file,
      '--home',
      home,
      '--workspace',
      path.join(scratch.dir, 'ws'),
    ];
    const result = await satchel(...args, '--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      bagDir: string;
      cached: boolean;
      assets: { downloaded: number };
      datasets: { rid: string; version: string; members: Record<string, number> }[];
    };
    expect(summary.bagDir.startsWith(path.join(home, '.deriva-ml', '127.0.0.1', '1', 'cache', 'bags'))).toBe(
      true,
    );
    const files = facts.assets['1.0.0'];
    expect(summary).toMatchObject({ cached: false, assets: { downloaded: files } });
    expect(summary.datasets.map((dataset) => [dataset.rid, dataset.version, dataset.members.Image])).toEqual([
      [complete, '1.0.0', 0],
      [training, '1.0.0', trainingImages - facts.design.addedImages],
      [testing, '1.0.0', 100],
    ]);
    expect(JSON.stringify(summary)).not.toContain('testadmin=');

    const again = await satchel(...args);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(`${summary.bagDir}\n`);
    expect(again.stderr).toMatch(
      new RegExp(
        `Dataset ${complete} 1\\.0\\.0 at snapshot \\S+, from the cache: ${files} files: 0 reused, 0 fetched, 0\\.0 MB \\(${files} were there already\\)\\.`,
      ),
    );
  });

  it('explains a missing sign-in and a refused URL in one line', async () => {
    const anonymous = await satchel('catalog', 'datasets', url, '--home', path.join(scratch.dir, 'nobody'));
    expect(anonymous.status).toBe(3);
    expect(anonymous.stdout).toBe('');
    expect(anonymous.stderr).toBe(
      'satchel: The server requires you to sign in for GET /ermrest/catalog/1/schema (401): enumerate access on catalog/1.\n',
    );

    const plain = await satchel(
      'download',
      'http://www.example.org/ermrest/catalog/1',
      '--dataset',
      complete,
    );
    expect(plain.status).toBe(2);
    expect(plain.stderr).toBe(
      'satchel: Satchel talks to www.example.org only over https; plain http is allowed only for 127.0.0.1, localhost and [::1].\n',
    );

    const noDataset = await satchel(
      'download',
      url,
      '--credential',
      credentialFile('c2.json', { cookie: standIn.login('testadmin') }),
    );
    expect(noDataset.status).toBe(2);
    expect(noDataset.stderr).toBe('satchel: The option --dataset is required.\n');
  });
});
