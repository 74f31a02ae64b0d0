import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesAbsentReason, fixturesDir, hasFixtures } from './support/fixtures.js';

// The suites in test/conformance check Satchel against bags and transcripts from a real ERMrest 0.5.0
// server (../shared/fixtures). Where those files are absent, as in a newcomer's clone, the layer is left
// out and this one skipped test says why; everything else stands on bags the project generates.
describe.skipIf(!hasFixtures)(
  hasFixtures
    ? 'the real-server conformance layer'
    : `the real-server conformance layer (skipped: ${fixturesAbsentReason})`,
  () => {
    it('has the fixture bags and transcripts its suites read', () => {
      const facts = JSON.parse(fs.readFileSync(path.join(fixturesDir, 'expected.json'), 'utf8')) as object;
      expect(Object.keys(facts)).toEqual(expect.arrayContaining(['bccd', 'bags']));
      for (const transcript of ['authn', 'ermrest', 'hatrac'])
        expect(fs.existsSync(path.join(fixturesDir, 'transcripts', `${transcript}.jsonl`)), transcript).toBe(
          true,
        );
    });
  },
);
