import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * deriva-ml's `.deriva-context.json` (deriva-ml: core/base.py `DerivaML.from_context`,
 * `_find_context_file`): looked for in a folder and its parents, it names the catalog a project works
 * with and, optionally, the `working_dir` deriva-ml uses for it (as given, cache in `<working_dir>/cache`).
 */
export const DERIVA_CONTEXT_FILE = '.deriva-context.json';

export interface DerivaContext {
  file: string;
  hostname: string;
  catalogId: string;
  workingDir: string | null;
}

const contextSchema = z.looseObject({
  hostname: z.string(),
  catalog_id: z.union([z.string(), z.number()]).transform(String),
  working_dir: z.string().nullable().optional(),
});

/** The nearest `.deriva-context.json` from `start` upwards; null when none (or none readable) is found. */
export function findDerivaContext(start: string = process.cwd()): DerivaContext | null {
  let current = path.resolve(start);
  for (;;) {
    const file = path.join(current, DERIVA_CONTEXT_FILE);
    if (fs.existsSync(file)) return readContext(file);
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/** The working folder the context names for this host and catalog, if it names one. */
export function contextWorkingDir(
  context: DerivaContext | null,
  hostname: string,
  catalogId: string,
): string | null {
  if (!context?.workingDir) return null;
  return context.hostname.toLowerCase() === hostname.toLowerCase() && context.catalogId === catalogId
    ? context.workingDir
    : null;
}

function readContext(file: string): DerivaContext | null {
  try {
    const parsed = contextSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) return null;
    // deriva-ml makes a relative working_dir absolute against the current folder (Path.absolute()).
    const workingDir = parsed.data.working_dir ? path.resolve(parsed.data.working_dir) : null;
    return { file, hostname: parsed.data.hostname, catalogId: parsed.data.catalog_id, workingDir };
  } catch {
    return null;
  }
}
