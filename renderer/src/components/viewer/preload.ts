import type { Size } from '../../geometry.js';

/** Images of the neighbouring members, fetched and decoded ahead; held so their downloads are not dropped. */
const preloaded = new Map<string, HTMLImageElement>();
/** URLs whose image has been decoded: the viewer can show them at full size from the first frame. */
const decoded = new Map<string, Size>();
const KEEP = 12;

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

/**
 * Runs `task` right after the next frame's rendering work (a task posted from its animation frame
 * callback): soon enough to fetch ahead of fast typing, late enough not to hold that frame up.
 */
export function afterNextFrame(task: () => void): void {
  requestAnimationFrame(() => setTimeout(task, 0));
}
