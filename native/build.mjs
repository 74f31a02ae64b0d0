// Builds the importer's SQLite extension (native/build/Release/satchel_csv.node) with node-gyp, the
// toolchain that builds better-sqlite3. `npm install` and `npm run build` run it (a build that is up to
// date is skipped). Without a compiler the importer keeps its JavaScript reader, so a failed build
// prints one line and never fails the install.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const output = path.join(here, 'build', 'Release', 'satchel_csv.node');
const inputs = ['satchel_csv.c', 'binding.gyp', 'build.mjs'].map((name) => path.join(here, name));

const modified = (file) => fs.statSync(file).mtimeMs;
if (fs.existsSync(output) && inputs.every((input) => modified(input) <= modified(output))) process.exit(0);

// npm hands lifecycle scripts its own node-gyp and names it in `npm_config_node_gyp`.
const nodeGyp = process.env.npm_config_node_gyp;
const [command, args] = nodeGyp
  ? [process.execPath, [nodeGyp, 'rebuild', '--release']]
  : ['node-gyp', ['rebuild', '--release']];
const result = spawnSync(command, args, {
  cwd: here,
  stdio: ['ignore', 'pipe', 'pipe'],
  shell: !nodeGyp && process.platform === 'win32',
  encoding: 'utf8',
});
if (result.status === 0 && fs.existsSync(output)) {
  console.log(`satchel: built the bag importer's C extension ${path.relative(process.cwd(), output)}`);
} else {
  console.log(
    `satchel: the bag importer's C extension was not built (${failureReason(result)}); bags import with the slower JavaScript reader.`,
  );
}

/** The most telling line of a failed build: the compiler's error, else node-gyp's. */
function failureReason(result) {
  if (result.error) return result.error.message;
  const lines = `${result.stdout}\n${result.stderr}`.split('\n').map((line) => line.trim());
  const compiler = lines.find((line) =>
    /: (fatal )?error:|command not found|No such file or directory/i.test(line),
  );
  const nodeGypError = lines.find((line) => line.startsWith('gyp ERR! stack Error:'));
  return (compiler ?? nodeGypError?.slice('gyp ERR! stack '.length) ?? `exit ${result.status}`).slice(0, 200);
}
