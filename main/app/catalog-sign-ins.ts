import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ApiResult, Channel, RequestOf } from '../../shared/contract.js';
import type { ApiHost } from '../core/api/host.js';
import { deleteSecret, readSecret, storeSecret } from './secrets.js';

/**
 * Catalog sign-ins (a pasted token, or a user name and password) survive restarts encrypted with
 * safeStorage: the IPC router hands every answered call here, a successful `catalog:connect` with
 * a secret is stored, `catalog:disconnect` forgets it, and at start-up each one is replayed to the
 * API host. The secrets never reach the renderer or a plain file.
 */
const PREFIX = 'catalog-';

function secretName(url: string): string {
  return `${PREFIX}${crypto.createHash('sha256').update(url).digest('hex').slice(0, 32)}`;
}

type ConnectRequest = RequestOf<'catalog:connect'>;

export async function rememberCatalogSignIn(
  workspace: string,
  channel: Channel,
  request: unknown,
  result: ApiResult<Channel>,
): Promise<void> {
  if (!result.ok) return;
  if (channel === 'catalog:disconnect') {
    deleteSecret(workspace, secretName((request as RequestOf<'catalog:disconnect'>).url));
    return;
  }
  if (channel !== 'catalog:connect') return;
  const connect = request as ConnectRequest;
  if (!connect.token && !connect.username) return;
  const url = (result.value as { url: string }).url;
  const kept: ConnectRequest = {
    url,
    token: connect.token,
    username: connect.username,
    password: connect.password,
  };
  await storeSecret(workspace, secretName(url), JSON.stringify(kept));
}

/** Reconnects every remembered catalog; one that fails (offline, expired) is left for the user. */
export async function restoreCatalogSignIns(
  workspace: string,
  host: Pick<ApiHost, 'handle'>,
): Promise<number> {
  const folder = path.join(workspace, 'secrets');
  const names = fs.existsSync(folder)
    ? fs.readdirSync(folder).filter((file) => file.startsWith(PREFIX) && file.endsWith('.bin'))
    : [];
  let restored = 0;
  for (const file of names) {
    const secret = await readSecret(workspace, file.slice(0, -'.bin'.length)).catch(() => null);
    if (!secret) continue;
    const result = await host.handle('catalog:connect', JSON.parse(secret) as ConnectRequest);
    if (result.ok) restored++;
  }
  return restored;
}
