/**
 * The bag viewer's "Fetch files" on a holey copy of the generated 1.0.0 bag, in Chromium. The same bag,
 * materialized, sits in the deriva-ml cache of the server's home, so every file is found on disk: the
 * fetch reuses all of them and nothing goes over the network (fetch.txt names www.example.org).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, chromiumAvailable } from '../../bench/browser.js';
import { generatedBags } from '../support/bags.js';
import { copyFixtureBag, temporaryDirectory } from '../support/fixtures.js';
import { eventually, openSession, saveScreenshot, type Session } from './support.js';

const bags = generatedBags();
const { facts } = bags;
const noChromium = !chromiumAvailable();

describe.skipIf(noChromium)(
  `Fetch files in the bag viewer${noChromium ? ` (skipped: no Chromium at ${CHROMIUM_PATH})` : ''}`,
  () => {
    const scratch = temporaryDirectory('satchel-e2e-fetch-');
    let session: Session;
    let holey = '';

    beforeAll(async () => {
      const home = path.join(scratch.dir, 'home');
      const cached = path.join(
        home,
        '.deriva-ml',
        'www.example.org',
        '1',
        'cache',
        'bags',
        `0123456789abcdef_${facts.snaptimes['1.0.0']}`,
      );
      fs.mkdirSync(cached, { recursive: true });
      copyFixtureBag(bags.formatB, cached);
      holey = copyFixtureBag(bags.holey, path.join(scratch.dir, 'bags'));
      const previousHome = process.env.HOME;
      process.env.HOME = home;
      try {
        session = await openSession({ bag: holey });
      } finally {
        process.env.HOME = previousHome;
      }
    });

    afterAll(async () => {
      await session?.close();
      scratch.cleanup();
    });

    const page = () => session.page;
    const fact = (label: string) =>
      page()
        .getByTestId('bag-header')
        .locator('.fact', { has: page().getByText(label, { exact: true }) })
        .locator('dd')
        .textContent();

    it('says the holey bag is incomplete, as expected, when verified', async () => {
      await page().getByTestId('bag-header').waitFor();
      expect(await fact('Files')).toBe('not materialized');
      expect(await page().getByTestId('fetch-files').textContent()).toContain('This bag is holey');
      await page().getByTestId('verify-button').click();
      const report = page().getByTestId('verify-report');
      await report.waitFor();
      expect(await report.getAttribute('data-ok')).toBe('false');
      expect(await report.textContent()).toContain('The bag is incomplete.');
      expect(await page().getByTestId('verify-incomplete').textContent()).toBe(
        `${facts.assets['1.0.0']} files are listed in fetch.txt and none fetched yet: expected for a holey bag. Fetch the files to make it complete.`,
      );
    });

    it('fetches the files, reusing the copies already on disk, and the bag becomes complete', async () => {
      await page().getByTestId('fetch-files-button').click();
      const done = page().getByTestId('fetch-files-done');
      await done.waitFor();
      expect(await done.textContent()).toContain(
        `Every file is in the bag: ${facts.assets['1.0.0']} reused, 0 fetched, 0.0 MB.`,
      );
      await eventually(() => fact('Files')).toBe('materialized');
      await saveScreenshot(page(), 'fetch-files-done');
      await page().getByTestId('verify-button').click();
      const report = page().getByTestId('verify-report');
      await eventually(() => report.getAttribute('data-ok')).toBe('true');
      expect(await report.textContent()).toContain('The bag is intact.');
      expect(session.pageErrors).toEqual([]);
    });
  },
);
