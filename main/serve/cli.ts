import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SatchelError } from '../core/common/index.js';
import { resolveWorkspace } from '../core/workspace/index.js';
import { openBrowser, removeLaunchFile } from './open-browser.js';
import { startServer } from './server.js';

/** The repository (or installed package) root, seen from dist/main/serve/cli.js. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** How long a clean shutdown may take before the process leaves anyway. */
const SHUTDOWN_GRACE_MS = 5_000;

interface ServeArguments {
  port: number;
  workspace: string | undefined;
  bag: string | undefined;
}

function parseServeArguments(args: string[]): ServeArguments {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { port: { type: 'string' }, workspace: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new SatchelError('bad-argument', `${(error as Error).message.replace(/\.$/, '')}.`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    throw new SatchelError('bad-argument', 'Name at most one bag folder or .zip file.');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SatchelError(
      'bad-argument',
      `--port must be a port number from 0 to 65535, not "${values.port}".`,
    );
  }
  return { port, workspace: values.workspace, bag: positionals[0] };
}

/**
 * `satchel serve [--port N] [BAG] [--workspace DIR]`: prints exactly one line, the URL with its
 * token, opens a browser on a private redirect file (unless BROWSER=none) and serves until SIGINT
 * or SIGTERM.
 */
export async function serveCommand(args: string[]): Promise<number> {
  const options = parseServeArguments(args);
  const workspace = resolveWorkspace(options.workspace);
  const server = await startServer({ workspace, port: options.port, bag: options.bag });
  // Listening for Ctrl-C before the URL is printed: whoever reads the URL may stop us right away.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write(`${server.url}\n`);
  const launchFile = openBrowser(server.url, workspace);
  void server.startup.then(({ error }) => {
    if (error) process.stderr.write(`satchel: ${error.message}\n`);
  });
  await stopped;
  removeLaunchFile(launchFile);
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  await server.close();
  return 0;
}

/**
 * `satchel start`: the Electron app when its binary is installed, else browser mode with one
 * sentence on stderr saying so.
 */
export async function startCommand(args: string[]): Promise<number> {
  const options = parseServeArguments(args);
  const electron = electronBinary();
  if (!electron) {
    process.stderr.write(
      'Electron is not installed on this machine, so Satchel opens in your browser instead.\n',
    );
    return serveCommand(args);
  }
  const env = {
    ...process.env,
    ...(options.workspace ? { SATCHEL_WORKSPACE: resolveWorkspace(options.workspace) } : {}),
  };
  // The package root, not dist/main/app/main.js itself: app.getAppPath() must be the root for renderer-dist.
  const child = spawn(electron, [PACKAGE_ROOT, ...(options.bag ? [options.bag] : [])], {
    stdio: 'inherit',
    env,
  });
  return new Promise((resolve) => {
    child.on('error', (error) => {
      process.stderr.write(`satchel: Electron could not start: ${error.message}\n`);
      resolve(1);
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * The Electron binary's path, asked of `require('electron')` in a child process: the electron
 * package throws when its binary was never downloaded, and main/ never loads it itself.
 */
function electronBinary(): string | null {
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(String(require('electron')))"], {
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    timeout: 10_000,
  });
  const binary = probe.status === 0 ? probe.stdout.trim() : '';
  return binary !== '' && fs.existsSync(binary) ? binary : null;
}
