import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where the redirect files live, inside the workspace: a folder only the user may enter. */
const LAUNCH_FOLDER = 'browser-launch';

/**
 * Opens the browser on `url` without putting its token on a command line, where `ps` shows it to
 * every local user: the opener gets a local HTML file, readable only by the user, that redirects
 * to the URL (as Jupyter does). BROWSER=none: no browser; BROWSER=<command> (optionally with %s):
 * that command; else the OS opener. Returns the file, for removeLaunchFile when the server stops,
 * or null when no browser was started.
 */
export function openBrowser(url: string, workspace: string): string | null {
  const chosen = process.env.BROWSER?.trim();
  if (chosen === 'none') return null;
  const file = writeLaunchFile(url, workspace);
  const target = pathToFileURL(file).href;
  let command: string;
  let args: string[];
  if (chosen) {
    const words = chosen.split(/\s+/);
    command = words[0]!;
    args = words.slice(1).map((word) => word.replaceAll('%s', target));
    if (!chosen.includes('%s')) args.push(target);
  } else if (process.platform === 'darwin') {
    [command, args] = ['open', [target]];
  } else if (process.platform === 'win32') {
    [command, args] = ['cmd', ['/c', 'start', '""', file]];
  } else {
    [command, args] = ['xdg-open', [target]];
  }
  const child = spawn(command, args, { detached: true, stdio: 'ignore' });
  child.on('error', () =>
    process.stderr.write(`satchel: could not start a browser (${command}); open the URL above yourself.\n`),
  );
  child.unref();
  return file;
}

export function removeLaunchFile(file: string | null): void {
  if (file) fs.rmSync(file, { force: true });
}

/** `<workspace>/browser-launch/satchel-<pid>.html`, mode 0600 in a 0700 folder, created afresh (never through a link). */
function writeLaunchFile(url: string, workspace: string): string {
  const folder = path.join(workspace, LAUNCH_FOLDER);
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  fs.chmodSync(folder, 0o700);
  const file = path.join(folder, `satchel-${process.pid}.html`);
  fs.rmSync(file, { force: true });
  const descriptor = fs.openSync(file, 'wx', 0o600);
  try {
    fs.fchmodSync(descriptor, 0o600);
    fs.writeFileSync(descriptor, redirectPage(url));
  } finally {
    fs.closeSync(descriptor);
  }
  return file;
}

function redirectPage(url: string): string {
  const href = url.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  return `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="0;url=${href}">
<title>Opening Satchel</title>
</head>
<body>
<p>Opening Satchel… If nothing happens, <a href="${href}">open Satchel here</a>.</p>
</body>
</html>
`;
}
