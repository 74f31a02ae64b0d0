/** Originals of the neighbouring members, fetched ahead; held so their downloads are not dropped. */
const preloaded = new Map<string, HTMLImageElement>();
const KEEP = 6;

export function preloadImage(url: string): void {
  if (preloaded.has(url)) return;
  const image = new Image();
  image.decoding = 'async';
  image.src = url;
  preloaded.set(url, image);
  if (preloaded.size > KEEP) preloaded.delete(preloaded.keys().next().value!);
}
