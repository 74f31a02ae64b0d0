import type { Point, Size } from '../../geometry.js';

/** Where the image sits on the stage: its top-left corner (stage pixels) and its scale. */
export interface View {
  x: number;
  y: number;
  scale: number;
}

const MIN_SCALE = 0.01;
const MAX_SCALE = 32;

/** The whole image, centred, as large as the stage allows. */
export function fitView(image: Size, stage: Size): View {
  const scale = Math.min(stage.width / image.width, stage.height / image.height) || 1;
  return centred(image, stage, scale);
}

export function centred(image: Size, stage: Size, scale: number): View {
  return { scale, x: (stage.width - image.width * scale) / 2, y: (stage.height - image.height * scale) / 2 };
}

/** Scales by `factor` keeping the image point under `at` (stage pixels) where it is. */
export function zoomAt(view: View, factor: number, at: Point): View {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, view.scale * factor));
  const applied = scale / view.scale;
  return { scale, x: at.x - (at.x - view.x) * applied, y: at.y - (at.y - view.y) * applied };
}

export function panBy(view: View, dx: number, dy: number): View {
  return { ...view, x: view.x + dx, y: view.y + dy };
}

/** Keeps what is on screen when the same picture gets a new pixel size (thumbnail → original). */
export function resized(view: View, from: Size, to: Size): View {
  return { ...view, scale: (view.scale * from.width) / to.width };
}
