import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const APP_NAME = 'Satchel';

/** The OS app-data folder Electron would use for Satchel (app.getPath('userData')). */
export function defaultWorkspace(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const home = os.homedir();
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', APP_NAME);
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), APP_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), APP_NAME);
}

/** --workspace wins, then SATCHEL_WORKSPACE, then the app-data folder. The folder is created. */
export function resolveWorkspace(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = path.resolve(option ?? env.SATCHEL_WORKSPACE ?? defaultWorkspace(env));
  fs.mkdirSync(chosen, { recursive: true });
  return chosen;
}
