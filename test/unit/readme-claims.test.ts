import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/fixtures.js';

/**
 * The README's "How it works" names a test for every promise. These checks keep the names true: each
 * top-level promise names at least one test file, every named file exists, and a test title quoted in
 * parentheses right after a file is found in that file.
 */
const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const section = readme.slice(
  readme.indexOf('## How it works'),
  readme.indexOf('\n## ', readme.indexOf('## How it works') + 1),
);
const promises = section.split('\n- ').slice(1);
const TEST_FILE = /`((?:unit|integration|e2e|renderer|conformance)\/[\w./-]+\.test\.ts)`(?: \(([^)]*)\))?/g;

/** Quoted titles inside the parentheses after a file name; a title ending in "…" is a prefix. */
function quotedTitles(note: string | undefined): string[] {
  return [...(note ?? '').matchAll(/"([^"]+)"/g)].map((match) =>
    match[1]!.replace(/\s+/g, ' ').replace(/…$/, ''),
  );
}

describe('the README names the tests behind its promises', () => {
  it('has the promises to check', () => {
    expect(promises.length).toBeGreaterThanOrEqual(10);
  });

  it('names at least one test for each promise, except the one about deliberate differences', () => {
    const without = promises
      .filter((promise) => !promise.startsWith('**Where Satchel differs'))
      .filter((promise) => [...promise.matchAll(TEST_FILE)].length === 0)
      .map((promise) => promise.slice(0, 40));
    expect(without).toEqual([]);
  });

  it('names only test files that exist, with the titles it quotes', () => {
    const problems: string[] = [];
    for (const [, file, note] of section.matchAll(TEST_FILE)) {
      const full = path.join(repoRoot, 'test', file!);
      if (!fs.existsSync(full)) {
        problems.push(`${file} does not exist`);
        continue;
      }
      const text = fs.readFileSync(full, 'utf8');
      for (const title of quotedTitles(note))
        if (!text.includes(title)) problems.push(`${file} has no test titled "${title}"`);
    }
    expect(problems).toEqual([]);
  });
});
