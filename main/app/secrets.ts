import fs from 'node:fs';
import path from 'node:path';
import { safeStorage } from 'electron';

/**
 * Secrets (catalog credentials) encrypted with the OS keychain through safeStorage and kept as
 * blobs in the workspace. Never handed to the renderer, never logged.
 */
export class SecretStorageUnavailable extends Error {
  override readonly name = 'SecretStorageUnavailable';
}

const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export async function storeSecret(workspace: string, name: string, value: string): Promise<void> {
  await requireEncryption();
  const file = secretFile(workspace, name);
  const encrypted = await safeStorage.encryptStringAsync(value);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // Write then rename, so a crash never leaves half a secret behind.
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, encrypted, { mode: 0o600 });
  fs.renameSync(partial, file);
}

/** The secret, or null when none is stored under that name. */
export async function readSecret(workspace: string, name: string): Promise<string | null> {
  await requireEncryption();
  const file = secretFile(workspace, name);
  let encrypted: Buffer;
  try {
    encrypted = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(encrypted);
  if (shouldReEncrypt) await storeSecret(workspace, name, result);
  return result;
}

export function deleteSecret(workspace: string, name: string): void {
  fs.rmSync(secretFile(workspace, name), { force: true });
}

async function requireEncryption(): Promise<void> {
  // On Linux without a keyring Chromium falls back to a hard-coded key: that is not encryption.
  if (safeStorage.getSelectedStorageBackend?.() === 'basic_text') {
    throw new SecretStorageUnavailable(
      'Satchel will not store secrets: no system keyring (GNOME Keyring or KWallet) is available, so they could only be kept in plain text.',
    );
  }
  if (!(await safeStorage.isAsyncEncryptionAvailable())) {
    throw new SecretStorageUnavailable(
      "Satchel will not store secrets: the system's secure storage is not available.",
    );
  }
}

function secretFile(workspace: string, name: string): string {
  if (!SECRET_NAME.test(name)) throw new Error(`"${name}" is not a valid secret name.`);
  return path.join(workspace, 'secrets', `${name}.bin`);
}
