import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractBagZip } from '../../main/core/archive/index.js';
import { verifyBag } from '../../main/core/verify/index.js';
import { fixtureBags, fixturesAbsentReason, hasFixtures, temporaryDirectory } from '../support/fixtures.js';

// The bags and zips bdbag wrote from a real ERMrest 0.5.0 catalog: their exact file counts and bytes,
// and zips made by Python's zipfile rather than by the project's own zip writer.
describe.skipIf(!hasFixtures)(
  hasFixtures
    ? 'the real fixture bags verify'
    : `the real fixture bags verify (skipped: ${fixturesAbsentReason})`,
  () => {
    it('accepts the materialized bccd bag: 321 files, md5 and sha256 each', async () => {
      const progress: [number, number][] = [];
      const report = await verifyBag(fixtureBags.formatB, {
        onProgress: (done, total) => progress.push([done, total]),
      });
      expect(report).toEqual({
        ok: true,
        complete: true,
        files: 321,
        bytes: 6641182,
        checks: 642,
        materialized: true,
        fetchListed: 300,
        unfetched: 0,
        missing: [],
        problems: [],
      });
      expect(progress.at(-1)).toEqual([6641182, 6641182]);
    });

    it('accepts the legacy bag with its md5 manifest only', async () => {
      const report = await verifyBag(fixtureBags.formatA);
      expect(report).toMatchObject({ ok: true, files: 329, checks: 329, materialized: true, problems: [] });
    });

    it('finds the holey bag intact but incomplete, so not valid (RFC 8493)', async () => {
      const report = await verifyBag(fixtureBags.holey, { concurrency: 1 });
      expect(report).toMatchObject({
        ok: false,
        complete: false,
        files: 21,
        checks: 42,
        materialized: false,
        unfetched: 300,
        problems: [],
      });
    });
  },
);

describe.skipIf(!hasFixtures)(
  hasFixtures
    ? 'extractBagZip on the real fixture zips'
    : `extractBagZip on the real fixture zips (skipped: ${fixturesAbsentReason})`,
  () => {
    let scratch: ReturnType<typeof temporaryDirectory>;
    beforeEach(() => {
      scratch = temporaryDirectory();
    });
    afterEach(() => scratch.cleanup());

    it('extracts the bccd zip into a bag that verifies', async () => {
      const bag = await extractBagZip(fixtureBags.formatBZip, path.join(scratch.dir, 'workspace'));
      expect(path.basename(bag)).toBe('Dataset_58A');
      expect(await verifyBag(bag)).toMatchObject({ ok: true, files: 321, checks: 642, materialized: true });
      expect(fs.existsSync(path.join(bag, 'bagit.txt'))).toBe(true);
    });

    it('extracts the holey zip into an intact bag that is not materialized', async () => {
      const bag = await extractBagZip(fixtureBags.holeyZip, path.join(scratch.dir, 'workspace'));
      expect(await verifyBag(bag)).toMatchObject({
        problems: [],
        complete: false,
        materialized: false,
        unfetched: 300,
      });
    });
  },
);
