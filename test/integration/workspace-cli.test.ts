import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Draft } from '../../shared/labels.js';
import { generatedBags } from '../support/bags.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

/** `satchel workspace check|backup|restore` and the automatic backup on open, through the built CLI. */

const scratch = temporaryDirectory('satchel-workspace-cli-');
afterAll(() => scratch.cleanup());

const bags = generatedBags();
const bag = bags.formatB;
const images = bags.facts.images.filter((image) => image.release === '1.0.0').map((image) => image.rid);
const workspace = path.join(scratch.dir, 'workspace');
const file = path.join(workspace, 'workspace.sqlite');

function satchel(...args: string[]) {
  const result = spawnSync(
    process.execPath,
    [path.join(repoRoot, 'bin', 'satchel.js'), ...args, '--workspace', workspace],
    { encoding: 'utf8', env: { ...process.env, SATCHEL_WORKSPACE: '' } },
  );
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function draftsOf(feature: string): Draft[] {
  const result = satchel('drafts', 'list', bag, '--feature', feature, '--json');
  expect(result.stderr).toBe('');
  return (JSON.parse(result.stdout) as { drafts: Draft[] }).drafts;
}

function sha256(target: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(target)).digest('hex');
}

const backups = () =>
  fs.readdirSync(path.join(workspace, 'backups')).filter((name) => name.endsWith('.sqlite'));

describe('satchel workspace', () => {
  it('backs up on open once there are drafts, checks an intact workspace, and backs up on demand', () => {
    const labeled = images.slice(0, 40);
    const records = labeled.map((rid, index) => ({ Image: rid, Digit: String(index % 10) }));
    const input = path.join(scratch.dir, 'digits.jsonl');
    fs.writeFileSync(input, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    expect(satchel('drafts', 'import', bag, '--feature', 'Image/Digit', '--file', input).status).toBe(0);
    expect(fs.existsSync(path.join(workspace, 'backups'))).toBe(false);
    // The next open finds drafts that no backup holds: it backs them up before the process ends.
    expect(draftsOf('Image/Digit')).toHaveLength(40);
    expect(backups()).toHaveLength(1);

    const check = satchel('workspace', 'check');
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toMatch(
      new RegExp(
        `^${file} is intact: 40 drafts; 1 backups, the latest of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\.\\n$`,
      ),
    );
    const made = satchel('workspace', 'backup', '--json');
    expect(made.status).toBe(0);
    const backup = JSON.parse(made.stdout) as { file: string; drafts: number };
    expect(backup.drafts).toBe(40);
    expect(backups()).toHaveLength(2);
    expect(fs.existsSync(`${backup.file}-wal`)).toBe(false);
  });

  it('reports a damaged workspace, recovers it, leaves it untouched, and restores the latest backup', () => {
    const labelAfterBackup = satchel('label', bag, '--feature', 'Image/Digit', '--set', `${images[50]}=7`);
    expect(labelAfterBackup.status).toBe(0);
    const db = new Database(file, { readonly: true });
    const leaf = db
      .prepare("SELECT pageno FROM dbstat WHERE name = 'label_drafts' AND pagetype = 'leaf' ORDER BY pageno")
      .pluck()
      .get() as number;
    db.close();
    const bytes = fs.readFileSync(file);
    bytes.fill(0x7f, (leaf - 1) * 4096 + 8, leaf * 4096);
    fs.writeFileSync(file, bytes);
    const damaged = sha256(file);

    const label = satchel('label', bag, '--feature', 'Image/Digit', '--set', `${images[0]}=3`);
    expect(label.status).toBe(2);
    expect(label.stdout).toBe('');
    expect(label.stderr).toMatch(
      new RegExp(
        `^satchel: ${file} is damaged \\(.+\\); Satchel stopped before writing to it and kept it as it is: ` +
          'run "satchel workspace check" to recover what can be read, or "satchel workspace restore" to go back ' +
          'to the backup of \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\(40 drafts\\)\\.\\n$',
      ),
    );

    const check = satchel('workspace', 'check');
    expect(check.status).toBe(1);
    const lines = check.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^${file} is damaged \\(.+\\); Satchel does not write to it and keeps it as it is\\.$`),
    );
    const recovered =
      /^Recovered into (\S+\.sqlite): (\d+) drafts of the 41 written, 0 drawings, \d+ history rows, 0 commits, \d+ recent bags\.$/.exec(
        lines[1]!,
      );
    expect(recovered, lines[1]).not.toBeNull();
    expect(fs.existsSync(recovered![1]!)).toBe(true);
    expect(Number(recovered![2])).toBeLessThan(41);
    expect(lines[2]).toMatch(/^The latest backup is \S+ \(\d{4}-\d\d-\d\d \d\d:\d\d UTC, 40 drafts\)\.$/);
    expect(lines[3]).toBe('Put one in place with: satchel workspace restore --from FILE');
    expect(sha256(file)).toBe(damaged);

    const restore = satchel('workspace', 'restore');
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    const replaced = /the database it replaced is kept as (\S+\.sqlite)\.\n$/.exec(restore.stdout)?.[1];
    expect(replaced).toBeDefined();
    expect(sha256(replaced!)).toBe(damaged);
    const drafts = draftsOf('Image/Digit');
    expect(drafts.map((draft) => draft.target).sort()).toEqual(images.slice(0, 40).sort());
  });

  it('says in one sentence what it takes', () => {
    const wrong = satchel('workspace', 'mend');
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toBe(
      'satchel: Use "satchel workspace check", "satchel workspace backup" or "satchel workspace restore [--from FILE]".\n',
    );
    const missing = satchel('workspace', 'restore', '--from', path.join(scratch.dir, 'nowhere.sqlite'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`satchel: ${path.join(scratch.dir, 'nowhere.sqlite')} does not exist.\n`);
  });
});
