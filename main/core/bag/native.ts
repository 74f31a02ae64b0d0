import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

/**
 * The importer's SQLite extension (native/satchel_csv.c): `npm install` builds it with node-gyp
 * (native/build.mjs). Where it was not built (no compiler) or cannot be loaded, bags import with the
 * JavaScript reader, and the same database comes out.
 */
const EXTENSION = path.join('native', 'build', 'Release', 'satchel_csv.node');

let located: string | null | undefined;
let noticeGiven = false;

/** The built extension, or null. In a packaged app it sits unpacked beside app.asar (SQLite cannot read inside it). */
export function csvExtensionPath(): string | null {
  if (located !== undefined) return located;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  located = null;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) {
      const candidate = path.join(dir.replace(/app\.asar$/, 'app.asar.unpacked'), EXTENSION);
      located = fs.existsSync(candidate) ? candidate : null;
      return located;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return located;
    dir = parent;
  }
}

/** Loads the extension into `db`; false (after a one-line notice, once per process) if it cannot be. */
export function loadCsvExtension(db: Database.Database, extension: string): boolean {
  try {
    // SQLite finds the entry point sqlite3_satchelcsv_init from the file name.
    db.loadExtension(extension);
    return true;
  } catch (error) {
    if (!noticeGiven) {
      noticeGiven = true;
      const reason = error instanceof Error ? error.message : String(error);
      console.error(
        `satchel: ${extension} did not load (${reason}); bags import with the JavaScript reader.`,
      );
    }
    return false;
  }
}
