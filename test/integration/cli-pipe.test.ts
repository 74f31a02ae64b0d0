import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * Issue 9, item 11: when the program reading satchel's output goes away (`satchel … | head -5`), the
 * command ends quietly with status 0, as Unix tools do, instead of printing a Node stack trace. The
 * built CLI writes into a real pipe whose reader, `head -5`, has read its five lines and exited.
 */

const CLI = path.join(repoRoot, 'bin', 'satchel.js');
const scratch = temporaryDirectory();
const workspace = path.join(scratch.dir, 'workspace');
afterAll(() => scratch.cleanup());

function satchelArgs(...args: string[]): string[] {
  return [CLI, ...args, '--workspace', workspace];
}

/**
 * The writing end of a pipe (a named one, so that its reader is a separate program) whose reader,
 * `head -5`, has read five lines and exited: the next write into it fails with EPIPE, every time.
 */
async function pipeToExitedHead(): Promise<number> {
  const fifo = path.join(scratch.dir, `pipe-${Date.now()}-${Math.random().toString(16).slice(2)}`);
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  const head = spawn('sh', ['-c', 'exec head -5 < "$0" > /dev/null', fifo], { stdio: 'ignore' });
  const exited = once(head, 'exit') as Promise<[number | null]>;
  const writer = await openWhenRead(fifo);
  fs.writeSync(writer, '1\n2\n3\n4\n5\n');
  expect((await exited)[0]).toBe(0);
  return writer;
}

/** Opening a FIFO for writing succeeds once a reader has it open; until then it fails with ENXIO. */
async function openWhenRead(fifo: string): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    try {
      return fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENXIO') throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  throw new Error(`Nothing opened ${fifo} for reading within 5 s.`);
}

async function runIntoGonePipe(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  const pipe = await pipeToExitedHead();
  const child = spawn(process.execPath, satchelArgs(...args), {
    stdio: ['ignore', pipe, 'pipe'],
    env: { ...process.env, SATCHEL_WORKSPACE: '' },
  });
  fs.closeSync(pipe);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stderr };
}

describe('a reader that goes away (issue 9, item 11)', () => {
  const bags = generatedBags();
  const images = bags.facts.images.slice(0, 8);

  it('needs a built CLI', () => {
    expect(fs.existsSync(path.join(repoRoot, 'dist', 'main', 'cli', 'satchel.js'))).toBe(true);
  });

  it('members --recurse ends quietly with status 0', async () => {
    expect(await runIntoGonePipe('members', bags.formatB, '--recurse')).toEqual({ status: 0, stderr: '' });
  });

  it('verify ends quietly with status 0', async () => {
    expect(await runIntoGonePipe('verify', bags.formatB)).toEqual({ status: 0, stderr: '' });
  });

  it('drafts list ends quietly with status 0', async () => {
    const set = images.flatMap((image) => ['--set', `${image.rid}=${image.digit}`]);
    const labeled = spawnSync(
      process.execPath,
      satchelArgs('label', bags.formatB, '--feature', 'Image/Digit', ...set),
      { encoding: 'utf8' },
    );
    expect([labeled.status, labeled.stderr]).toEqual([0, '']);
    expect(await runIntoGonePipe('drafts', 'list', bags.formatB, '--feature', 'Image/Digit')).toEqual({
      status: 0,
      stderr: '',
    });
  });

  it('members --recurse --json | head -5 in a shell prints five lines and the pipeline succeeds', () => {
    const command = `set -o pipefail; "${process.execPath}" ${satchelArgs(
      'members',
      bags.formatB,
      '--recurse',
      '--json',
    )
      .map((arg) => `'${arg}'`)
      .join(' ')} | head -5`;
    const result = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
    expect(result.stdout.split('\n')).toHaveLength(6);
    expect([result.status, result.stderr]).toEqual([0, '']);
  });
});
