import { defineConfig } from 'vitest/config';
import { hasFixtures } from './test/support/fixtures.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-server fixtures (../shared/fixtures) are an extra conformance layer: its suites live in
    // test/conformance and run only where the fixtures are; test/conformance-layer.test.ts says why not.
    exclude: ['**/node_modules/**', ...(hasFixtures ? [] : ['test/conformance/**'])],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
