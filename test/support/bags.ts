import { inject } from 'vitest';
import { readGeneratedBags, type GeneratedBags } from './generated/index.js';

let cached: GeneratedBags | undefined;

/** The bags generated for this test run by test/support/global-setup.ts. */
export function generatedBags(): GeneratedBags {
  cached ??= readGeneratedBags(inject('generatedBags'));
  return cached;
}
