import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findDerivaCacheBags, MAX_RECENT_BAGS, RecentBags } from '../../main/core/library/index.js';
import { openWorkspaceDb } from '../../main/core/workspace-db/index.js';
import { temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory('satchel-library-');
afterAll(() => scratch.cleanup());

describe('recent bags', () => {
  it('lists the newest first, keeps at most 20, moves a reopened bag to the top and forgets on request', () => {
    const db = openWorkspaceDb(path.join(scratch.dir, 'workspace'));
    try {
      const recent = new RecentBags(db);
      const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 10, minute));
      for (let index = 0; index < 25; index++)
        recent.record({ path: `/bags/b${index}`, rid: `R${index}`, version: null }, at(index));
      let list = recent.list();
      expect(list).toHaveLength(MAX_RECENT_BAGS);
      expect(list[0]).toEqual({
        path: '/bags/b24',
        rid: 'R24',
        version: null,
        openedAt: at(24).toISOString(),
      });
      expect(list.at(-1)!.path).toBe('/bags/b5');
      expect(db.prepare('SELECT count(*) FROM recent_bags').pluck().get()).toBe(MAX_RECENT_BAGS);

      recent.record({ path: '/bags/b10', rid: 'R10', version: '1.1.0' }, at(30));
      list = recent.list();
      expect(list[0]).toMatchObject({ path: '/bags/b10', version: '1.1.0' });
      expect(list.filter((bag) => bag.path === '/bags/b10')).toHaveLength(1);

      expect(recent.forget('/bags/b10')).toBe(true);
      expect(recent.forget('/bags/b10')).toBe(false);
      expect(recent.list().map((bag) => bag.path)).not.toContain('/bags/b10');
    } finally {
      db.close();
    }
  });
});

describe('bags in the deriva-ml cache', () => {
  const home = path.join(scratch.dir, 'home');
  const cache = path.join(home, '.deriva-ml', 'www.example.org', '1', 'cache');
  const bag = (relative: string, withBagit = true) => {
    const dir = path.join(cache, relative);
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
    if (withBagit)
      fs.writeFileSync(
        path.join(dir, 'bagit.txt'),
        'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n',
      );
    return dir;
  };

  it('finds HEAD (bags/<checksum>/) and legacy (<RID>_<sha>/) layouts and nothing else', () => {
    const head = bag('bags/0123456789abcdef_361-XRNG-TRRP/Dataset_58A');
    const legacy = bag('1-ABCD_deadbeef/Dataset_1-ABCD');
    bag('bags/fedcba9876543210_None/Dataset_58C', false);
    bag('bags/a/b/c/d/Dataset_TOO-DEEP');
    bag('bags/0123456789abcdef_361-XRNG-TRRP/not-a-dataset');
    fs.mkdirSync(path.join(scratch.dir, 'elsewhere', 'Dataset_LINKED'), { recursive: true });
    fs.writeFileSync(path.join(scratch.dir, 'elsewhere', 'Dataset_LINKED', 'bagit.txt'), '');
    fs.symlinkSync(path.join(scratch.dir, 'elsewhere'), path.join(cache, 'linked'));

    expect(findDerivaCacheBags(home)).toEqual([
      { path: legacy, rid: '1-ABCD', version: null, source: '~/.deriva-ml/www.example.org/1/cache' },
      { path: head, rid: '58A', version: null, source: '~/.deriva-ml/www.example.org/1/cache' },
    ]);
  });

  it('is empty when deriva-ml was never used', () => {
    expect(findDerivaCacheBags(path.join(scratch.dir, 'nobody'))).toEqual([]);
  });
});
