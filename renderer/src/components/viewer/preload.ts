import type { Size } from '../../geometry.js';

/** Images of the neighbouring members, fetched and decoded ahead; held so their downloads are not dropped. */
const preloaded = new Map<string, HTMLImageElement>();
/** URLs whose image has been decoded: the viewer can show them at full size from the first frame. */
const decoded = new Map<string, Size>();
const KEEP = 12;
/** Work put off until the page is idle still starts within this time when it never is (fast typing). */
const IDLE_TIMEOUT_MS = 50;

export function preloadImage(url: string): void {
  if (preloaded.has(url)) return;
  const image = new Image();
  image.decoding = 'async';
  image.src = url;
  preloaded.set(url, image);
  image.decode().then(
    () => {
      if (preloaded.get(url) === image)
        decoded.set(url, { width: image.naturalWidth, height: image.naturalHeight });
    },
    () => undefined,
  );
  if (preloaded.size > KEEP) {
    const oldest = preloaded.keys().next().value!;
    preloaded.delete(oldest);
    decoded.delete(oldest);
  }
}

/** The pixel size of an image already preloaded and decoded, or null. */
export function preloadedSize(url: string): Size | null {
  return decoded.get(url) ?? null;
}

/** Runs `task` once the frame in hand has been produced and the page is idle (or after IDLE_TIMEOUT_MS). */
export function whenIdle(task: () => void): void {
  requestIdleCallback(task, { timeout: IDLE_TIMEOUT_MS });
}
