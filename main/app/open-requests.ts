import fs from 'node:fs';
import path from 'node:path';

/**
 * Bag paths on a command line (first launch, or a second launch forwarded by the single-instance
 * lock). Skips the executable (and the app folder when run as `electron .`) and every switch;
 * keeps only paths that exist, so stray arguments from launchers are ignored.
 */
export function bagPathsFromArgv(
  argv: string[],
  options: { leadingArguments: number; cwd: string; exists?: (file: string) => boolean },
): string[] {
  const exists = options.exists ?? fs.existsSync;
  return argv
    .slice(options.leadingArguments)
    .filter((argument) => argument !== '' && !argument.startsWith('-'))
    .map((argument) => path.resolve(options.cwd, argument))
    .filter((file) => exists(file));
}

export interface OpenQueue {
  request(bagPath: string): void;
  /** Whether the renderer has loaded and can be handed bags now. */
  setReady(ready: boolean): void;
}

/** Holds bags asked for before the renderer has loaded (e.g. macOS open-file at launch). */
export function createOpenQueue(deliver: (bagPath: string) => void): OpenQueue {
  const pending: string[] = [];
  let ready = false;
  return {
    request(bagPath) {
      if (ready) deliver(bagPath);
      else pending.push(bagPath);
    },
    setReady(value) {
      ready = value;
      while (ready && pending.length > 0) deliver(pending.shift()!);
    },
  };
}
