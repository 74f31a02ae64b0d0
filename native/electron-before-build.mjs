// electron-builder's beforeBuild hook (electron-builder.yml): rebuilds the importer's SQLite extension
// with the headers and architecture of the Electron being packaged, as npmRebuild rebuilds
// better-sqlite3, before the app is packed. A packaged app must not ship without it, so a failed
// build fails the packaging.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export default async function rebuildForElectron({ electronVersion, arch }) {
  execFileSync(
    process.execPath,
    [
      createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'),
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      `--arch=${arch}`,
      '--dist-url=https://electronjs.org/headers',
    ],
    { cwd: here, stdio: 'inherit' },
  );
  fs.accessSync(path.join(here, 'build', 'Release', 'satchel_csv.node'));
}
