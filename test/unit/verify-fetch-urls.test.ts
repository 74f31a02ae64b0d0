import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyBag } from '../../main/core/verify/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

/** Issue 9, item 12: fetch.txt may only name http and https URLs; anything else is a problem of the bag. */

let scratch: ReturnType<typeof temporaryDirectory>;
let bag: string;
let fetchTxt: string;

beforeEach(() => {
  scratch = temporaryDirectory();
  const source = generatedBags().holey;
  bag = path.join(scratch.dir, path.basename(source));
  fs.cpSync(source, bag, { recursive: true });
  fetchTxt = path.join(bag, 'fetch.txt');
});
afterEach(() => scratch.cleanup());

describe('URLs in fetch.txt (issue 9, item 12)', () => {
  it('accepts the http(s) URLs of a holey bag', async () => {
    const report = await verifyBag(bag);
    expect(report.problems).toEqual([]);
    expect(report.unfetched).toBe(fs.readFileSync(fetchTxt, 'utf8').trimEnd().split('\n').length);
  });

  it('refuses file:, javascript: and ftp: URLs, one problem per line', async () => {
    const lines = fs.readFileSync(fetchTxt, 'utf8').trimEnd().split('\n');
    const replaced = ['file:///etc/passwd', 'javascript:alert(1)', 'ftp://example.org/x.png'];
    replaced.forEach((url, index) => {
      const [, length, file] = lines[index + 1]!.split('\t');
      lines[index + 1] = [url, length, file].join('\t');
    });
    lines[4] = lines[4]!.replace(/^https:/, 'HTTP:');
    fs.writeFileSync(fetchTxt, `${lines.join('\n')}\n`);
    const report = await verifyBag(bag);
    expect(report.ok).toBe(false);
    expect(report.problems.filter((problem) => problem.kind === 'bad-fetch')).toEqual(
      replaced.map((url, index) => ({
        path: 'fetch.txt',
        kind: 'bad-fetch',
        message: `fetch.txt line ${index + 2} has "${url}", which is not an http or https URL.`,
      })),
    );
  });
});
