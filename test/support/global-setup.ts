import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { writeGeneratedBags } from './generated/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Folder of the bags generated for this run (see test/support/generated). */
    generatedBags: string;
  }
}

/** Generates the test bags once per run; every test file reads them, none may change them. */
export default async function setup(project: TestProject): Promise<() => void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'satchel-generated-'));
  await writeGeneratedBags(root);
  project.provide('generatedBags', root);
  return () => fs.rmSync(root, { recursive: true, force: true });
}
