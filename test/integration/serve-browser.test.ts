import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchChromium } from '../../bench/browser.js';
import { repoRoot, temporaryDirectory } from '../support/fixtures.js';

/**
 * `satchel serve` opens the browser without the token on any command line (where `ps` shows it to
 * every local user): the opener gets a private local file that redirects to the tokened URL.
 */

const scratch = temporaryDirectory('satchel-serve-browser-');
afterAll(() => scratch.cleanup());

const URL_LINE = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]{64})$/;
/** Bounds for waiting on the child process; only reached when something is broken. */
const GIVE_UP_MS = 20_000;

interface Served {
  url: string;
  token: string;
  /** Every argument the fake browser was started with, one per line. */
  openerArgs: string[];
  stop(): Promise<number | null>;
}

/** Runs the built `satchel serve` with BROWSER set to a script that records its arguments. */
async function serveWithRecordingBrowser(workspace: string, browserTemplate: (script: string) => string) {
  expect(fs.existsSync(path.join(repoRoot, 'dist', 'main', 'cli', 'satchel.js')), 'run npm run build').toBe(
    true,
  );
  const recorded = path.join(scratch.dir, `opener-args-${path.basename(workspace)}.txt`);
  // Written whole, then renamed: the test never reads a half-written list.
  const script = path.join(scratch.dir, 'record-args.sh');
  fs.writeFileSync(
    script,
    `#!/bin/sh\nfor arg in "$@"; do printf '%s\\n' "$arg"; done > "$RECORD_TO.partial"\nmv "$RECORD_TO.partial" "$RECORD_TO"\n`,
    {
      mode: 0o755,
    },
  );
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin', 'satchel.js'), 'serve', '--port', '0', '--workspace', workspace],
    {
      env: { ...process.env, SATCHEL_WORKSPACE: '', BROWSER: browserTemplate(script), RECORD_TO: recorded },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + GIVE_UP_MS;
  while (
    !(stdout.includes('\n') && fs.existsSync(recorded)) &&
    Date.now() < deadline &&
    child.exitCode === null
  )
    await new Promise((resolve) => setTimeout(resolve, 50));
  const line = stdout.trim();
  const match = URL_LINE.exec(line);
  if (!match) {
    child.kill('SIGKILL');
    throw new Error(`satchel serve printed no URL: ${stdout} ${stderr}`);
  }
  const served: Served = {
    url: line,
    token: match[2]!,
    openerArgs: fs.existsSync(recorded) ? fs.readFileSync(recorded, 'utf8').split('\n').filter(Boolean) : [],
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
  return served;
}

/** The file behind the opener's one argument (a file: URL). */
function openedFile(served: Served): string {
  expect(served.openerArgs).toHaveLength(1);
  const [argument] = served.openerArgs;
  expect(argument).toMatch(/^file:\/\//);
  return fileURLToPath(argument!);
}

describe('satchel serve opens the browser without putting the token on a command line', () => {
  it('gives the opener a private file that redirects to the tokened URL, and removes it on exit', async () => {
    const workspace = path.join(scratch.dir, 'workspace-plain');
    const served = await serveWithRecordingBrowser(workspace, (script) => script);
    try {
      for (const argument of served.openerArgs) expect(argument).not.toContain(served.token);
      const file = openedFile(served);
      expect(path.relative(workspace, file).startsWith('..')).toBe(false);
      const stat = fs.statSync(file);
      expect(stat.mode & 0o777).toBe(0o600);
      expect(stat.uid).toBe(process.getuid!());
      expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
      const html = fs.readFileSync(file, 'utf8');
      const refresh = /<meta http-equiv="refresh" content="0;url=([^"]+)">/.exec(html);
      expect(refresh?.[1]?.replaceAll('&amp;', '&')).toBe(served.url);

      if (chromiumAvailable()) {
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          await page.goto(`file://${file}`);
          await page.waitForURL(`http://127.0.0.1:${new URL(served.url).port}/`, { timeout: GIVE_UP_MS });
          const cookies = await page.context().cookies();
          expect(cookies.map((cookie) => cookie.value)).toContain(served.token);
        } finally {
          await browser.close();
        }
      }
      expect(await served.stop()).toBe(0);
      expect(fs.existsSync(file)).toBe(false);
    } finally {
      await served.stop();
    }
  });

  it('puts the file, not the URL, where a BROWSER template says %s', async () => {
    const workspace = path.join(scratch.dir, 'workspace-template');
    const served = await serveWithRecordingBrowser(workspace, (script) => `${script} %s`);
    try {
      for (const argument of served.openerArgs) expect(argument).not.toContain(served.token);
      const file = openedFile(served);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(file, 'utf8')).toContain(served.token);
    } finally {
      expect(await served.stop()).toBe(0);
    }
  });
});
