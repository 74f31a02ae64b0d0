import fs from 'node:fs';

/** Flushes a finished file to the disk before it is renamed into place. */
export function syncFile(file: string): void {
  const descriptor = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
}

/** Makes renames inside `folder` durable, where the OS lets a folder be synced (not on Windows). */
export function syncFolder(folder: string): void {
  try {
    const descriptor = fs.openSync(folder, 'r');
    try {
      fs.fsyncSync(descriptor);
    } finally {
      fs.closeSync(descriptor);
    }
  } catch {
    // Best effort: the files themselves are already synced.
  }
}
