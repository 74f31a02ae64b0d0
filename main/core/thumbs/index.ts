export { ThumbnailCache, THUMBNAIL_SIZE, MAX_INPUT_PIXELS, type Thumbnail } from './cache.js';
export {
  sniffImageFormat,
  readHead,
  THUMBNAIL_FORMATS,
  type SniffedFormat,
  type ThumbnailFormat,
} from './formats.js';
export type { Priority as ThumbnailPriority } from './queue.js';
