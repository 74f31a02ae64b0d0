/**
 * Browser mode as a user runs it: `satchel serve` as a child process (the built CLI) and Debian's
 * Chromium driven through playwright-core. Shared by the browser benchmarks and the end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { packageRoot } from './paths.js';

export const CHROMIUM_PATH = process.env.SATCHEL_CHROMIUM ?? '/usr/bin/chromium';

/** The flags that work on these machines (see docs/toolchain.md); playwright adds --headless and a fresh profile. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    headless: true,
  });
}

export interface ServeProcess {
  /** The printed URL with its token: opening it sets the session cookie. */
  url: string;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  token: string;
  child: ChildProcess;
  /** When the process was spawned, in milliseconds since the epoch (performance.timeOrigin based). */
  spawnedAt: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL if it has not left after a grace period; resolves once the process is gone. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  workspace: string;
  /** A bag opened at start (the renderer shows it at once). */
  bag?: string;
  /** How long to wait for the URL line. */
  startTimeoutMs?: number;
}

const URL_LINE = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+)$/;
const STOP_GRACE_MS = 8_000;

/** The files `satchel serve` runs from; `npm run build` makes them. */
export function builtAppMissing(): string | null {
  const root = packageRoot();
  for (const file of ['dist/main/cli/satchel.js', 'renderer-dist/index.html']) {
    if (!fs.existsSync(path.join(root, file))) return `${file} is missing: run npm run build first`;
  }
  return null;
}

/** Starts `node bin/satchel.js serve --port 0 --workspace W [BAG]` with BROWSER=none and reads its URL line. */
export function startServeProcess(options: ServeOptions): Promise<ServeProcess> {
  const missing = builtAppMissing();
  if (missing) return Promise.reject(new Error(missing));
  const args = [path.join(packageRoot(), 'bin', 'satchel.js'), 'serve', '--port', '0'];
  args.push('--workspace', options.workspace, ...(options.bag ? [options.bag] : []));
  const spawnedAt = performance.timeOrigin + performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, BROWSER: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<ServeProcess>((resolve, reject) => {
    let stdout = '';
    let settled = false;
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${message}\nstderr: ${stderr.trim()}`)));
    };
    const timer = setTimeout(
      () => fail('satchel serve printed no URL in time'),
      options.startTimeoutMs ?? 20_000,
    );
    child.once('exit', (code, signal) =>
      fail(`satchel serve exited (${code ?? signal}) before printing a URL`),
    );
    child.once('error', (error) => fail(`satchel serve could not start: ${error.message}`));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout
        .split('\n')
        .map((candidate) => candidate.trim())
        .find((candidate) => URL_LINE.test(candidate));
      const match = line === undefined ? null : URL_LINE.exec(line);
      if (settled || !line || !match) return;
      settled = true;
      clearTimeout(timer);
      const port = Number(match[1]);
      resolve({
        url: line,
        origin: `http://127.0.0.1:${port}`,
        port,
        token: match[2]!,
        child,
        spawnedAt,
        stderr: () => stderr,
        stop,
      });
    });
  });
}
