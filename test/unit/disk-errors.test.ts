import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openBag } from '../../main/core/bag/index.js';
import { extractBagZip } from '../../main/core/archive/index.js';
import {
  describeDatabaseError,
  describeIoError,
  isSatchelError,
  type SatchelError,
} from '../../main/core/common/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

/**
 * Issue 9, item 10: a full disk, a read-only workspace and a damaged database each become one
 * sentence naming the file. The SQLite errors here are real ones, provoked on scratch databases; the
 * read-only file system is injected at the file layer (errno EROFS, and ENOENT from a recursive
 * mkdir, which is what Node reports there). test/integration/cli-disk-errors.test.ts does the same
 * through the CLI on real tmpfs mounts.
 */

let scratch: ReturnType<typeof temporaryDirectory>;
let workspace: string;

beforeEach(() => {
  scratch = temporaryDirectory();
  workspace = path.join(scratch.dir, 'workspace');
});
afterEach(() => {
  vi.restoreAllMocks();
  scratch.cleanup();
});

function caught(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

function sentence(described: unknown): string {
  expect(isSatchelError(described)).toBe(true);
  return (described as SatchelError).message;
}

function scratchDatabase(name: string): string {
  const file = path.join(scratch.dir, name);
  const db = new Database(file);
  db.exec(
    'CREATE TABLE t (x); INSERT INTO t SELECT randomblob(3000) FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3);',
  );
  db.close();
  return file;
}

describe('SQLite failures named by their file', () => {
  it('a full disk', () => {
    const file = scratchDatabase('full.sqlite');
    const db = new Database(file);
    db.pragma('max_page_count = 4');
    const error = caught(() => db.exec('INSERT INTO t VALUES (randomblob(100000))'));
    db.close();
    expect((error as { code: string }).code).toBe('SQLITE_FULL');
    expect(sentence(describeIoError(error, file))).toBe(`No space left on the disk while writing ${file}.`);
  });

  it('a file that is not a database', () => {
    const file = path.join(scratch.dir, 'garbage.sqlite');
    fs.writeFileSync(file, Buffer.alloc(8192, 'not a database '));
    const error = caught(() => new Database(file).prepare('SELECT * FROM sqlite_master').all());
    expect((error as { code: string }).code).toBe('SQLITE_NOTADB');
    expect(sentence(describeIoError(error, file))).toBe(`${file} is damaged: it is not a SQLite database.`);
  });

  it('a damaged page, with the remedy when the database can be rebuilt', () => {
    const file = scratchDatabase('damaged.sqlite');
    const bytes = fs.readFileSync(file);
    bytes.fill(0xa5, 4096 + 8, 4096 + 200);
    fs.writeFileSync(file, bytes);
    const db = new Database(file, { readonly: true });
    const error = caught(() => db.prepare('SELECT length(x) FROM t').all());
    db.close();
    expect((error as { code: string }).code).toMatch(/^SQLITE_CORRUPT/);
    expect(sentence(describeDatabaseError(error, file))).toBe(
      `${file} is damaged (database disk image is malformed).`,
    );
    expect(sentence(describeDatabaseError(error, file, { rebuildable: true }))).toBe(
      `${file} is damaged (database disk image is malformed); Satchel imports the bag again once it is deleted.`,
    );
  });

  it('a database path that is a folder', () => {
    const file = path.join(scratch.dir, 'folder.sqlite');
    fs.mkdirSync(file);
    const error = caught(() => new Database(file));
    expect((error as { code: string }).code).toBe('SQLITE_CANTOPEN');
    expect(sentence(describeIoError(error, file))).toBe(`${file} cannot be opened: it is a folder.`);
  });

  it('passes other errors through unchanged', () => {
    const error = new Error('something else');
    expect(describeDatabaseError(error, 'x.sqlite')).toBe(error);
    const missing = caught(() => fs.readFileSync(path.join(scratch.dir, 'data.csv')));
    expect(describeDatabaseError(missing, 'x.sqlite')).toBe(missing);
  });
});

describe('a read-only workspace, injected at the file layer', () => {
  /** What Linux reports on a read-only mount: EROFS, except Node's recursive mkdir, which says ENOENT. */
  function readOnlyBelow(root: string): void {
    const errno = (code: string, syscall: string, target: string) =>
      Object.assign(new Error(`${code}: ${syscall} '${target}'`), { code, syscall, path: target });
    const { mkdirSync, accessSync } = fs;
    vi.spyOn(fs, 'mkdirSync').mockImplementation(((
      target: fs.PathLike,
      options?: fs.MakeDirectoryOptions,
    ) => {
      const text = String(target);
      if (!text.startsWith(root) || fs.existsSync(text)) return mkdirSync(target, options);
      throw errno(options?.recursive ? 'ENOENT' : 'EROFS', 'mkdir', text);
    }) as typeof fs.mkdirSync);
    vi.spyOn(fs, 'accessSync').mockImplementation((target: fs.PathLike, mode?: number) => {
      if (String(target).startsWith(root) && mode === fs.constants.W_OK)
        throw errno('EROFS', 'access', String(target));
      accessSync(target, mode);
    });
  }

  it('opening a bag folder names the databases folder, not the bag', async () => {
    fs.mkdirSync(workspace);
    readOnlyBelow(workspace);
    const error = await openBag(generatedBags().formatB, { workspace }).catch((failure: unknown) => failure);
    expect(sentence(error)).toBe(
      `${path.join(workspace, 'databases')} cannot be written: the file system holding it is read-only.`,
    );
  });

  it('opening a bag zip names the extraction folder, not the zip', async () => {
    fs.mkdirSync(workspace);
    readOnlyBelow(workspace);
    const error = await extractBagZip(generatedBags().formatBZip, workspace).catch(
      (failure: unknown) => failure,
    );
    expect(sentence(error)).toBe(
      `${path.join(workspace, 'extracted')} cannot be written: the file system holding it is read-only.`,
    );
  });
});
