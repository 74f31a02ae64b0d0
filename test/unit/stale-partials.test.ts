import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractBagZip } from '../../main/core/archive/index.js';
import { openBag } from '../../main/core/bag/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

/**
 * Issue 9, item 12: an import or extraction killed half-way leaves `*.partial-<pid>-<random>` behind.
 * Opening a bag removes those whose process is gone, and leaves alone those of a live process, which
 * may still be writing them.
 */

let scratch: ReturnType<typeof temporaryDirectory>;
let workspace: string;
let live: ReturnType<typeof spawn> | undefined;

beforeEach(() => {
  scratch = temporaryDirectory();
  workspace = path.join(scratch.dir, 'workspace');
});
afterEach(async () => {
  if (live && live.exitCode === null) {
    live.kill();
    await once(live, 'exit');
  }
  live = undefined;
  scratch.cleanup();
});

/** The pid of a process that has just ended. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  return child.pid!;
}

/** The pid of another process that stays alive until the test ends. */
function livePid(): number {
  live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
  return live.pid!;
}

function leave(folder: string, name: string, directory = false): string {
  fs.mkdirSync(folder, { recursive: true });
  const target = path.join(folder, name);
  if (directory) {
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'bagit.txt'), 'half an extraction');
  } else fs.writeFileSync(target, 'half an import');
  return target;
}

describe('stale partial files (issue 9, item 12)', () => {
  it('opening a bag removes the half-written databases of dead processes only', async () => {
    const databases = path.join(workspace, 'databases');
    const dead = leave(
      databases,
      `0123456789abcdef0123456789abcdef.sqlite.partial-${await deadPid()}-00c0ffee`,
    );
    const other = leave(databases, `fedcba9876543210fedcba9876543210.sqlite.partial-${livePid()}-0badf00d`);
    const mine = leave(databases, `00000000000000000000000000000000.sqlite.partial-${process.pid}-12345678`);
    const unrelated = leave(databases, 'notes.partial-x');
    const bag = await openBag(generatedBags().formatB, { workspace });
    bag.close();
    expect([dead, other, mine, unrelated].map((file) => fs.existsSync(file))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(fs.readdirSync(databases).filter((name) => name.endsWith('.sqlite'))).toHaveLength(1);
  });

  it('extracting a zip removes the half-written extractions of dead processes, whatever zip they were', async () => {
    const extracted = path.join(workspace, 'extracted');
    const dead = leave(extracted, `aaaaaaaaaaaaaaaaaaaaaaaa.partial-${await deadPid()}-0123456789ab`, true);
    const other = leave(extracted, `bbbbbbbbbbbbbbbbbbbbbbbb.partial-${livePid()}-0123456789ab`, true);
    const bag = await extractBagZip(generatedBags().formatBZip, workspace);
    expect([dead, other].map((folder) => fs.existsSync(folder))).toEqual([false, true]);
    expect(fs.existsSync(path.join(bag, 'bagit.txt'))).toBe(true);
  });
});
