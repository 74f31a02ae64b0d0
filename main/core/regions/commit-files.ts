import { isSatchelError, SatchelError } from '../common/index.js';
import { parseLabelme } from './labelme.js';
import type { RegionStore } from './store.js';
import type { StagedFile } from './staged-files.js';

/**
 * The seam to the commit: the drawings of a bag as the commit plans them, one labelme file per image
 * and feature, straight from the content-addressed store. The commit module uploads each file to
 * Hatrac (once per name and MD5), creates its asset row, Asset_Type and Execution link, then the
 * feature row with the new asset's RID in the feature's (first) asset column.
 */
export interface RegionDraftToCommit {
  /** The feature table, qualified (`digits:Execution_Image_Region`). */
  feature: string;
  /** The image (the feature's target) the drawing is on. */
  target: string;
  file: StagedFile;
  /** The term every region of the drawing carries; null when they differ or some carry none. */
  sharedLabel: string | null;
  /** The image's file name as the drawing records it (labelme's imagePath). */
  imagePath: string;
  /** The newest region_history entry behind the drawing. */
  historyId: number | null;
  /** When the drawing last changed. */
  updatedAt: string;
}

/** The file name a drawing gets as an asset, as the sample world and deriva-ml name region files. */
export function regionFileName(target: string): string {
  return `regions_${target}.json`;
}

export function regionDraftsToCommit(
  store: RegionStore,
  bag: { bagRid: string; snaptime: string },
): RegionDraftToCommit[] {
  return store.committable(bag).map((entry) => {
    const { regions, imagePath } = readDrawing(store, entry.target, entry.sha256);
    const labels = new Set(regions.map((region) => region.label));
    const [only] = labels;
    return {
      feature: entry.feature,
      target: entry.target,
      file: { store: 'regions', sha256: entry.sha256, filename: regionFileName(entry.target) },
      sharedLabel: labels.size === 1 && typeof only === 'string' ? only : null,
      imagePath,
      historyId: entry.historyId,
      updatedAt: entry.updatedAt,
    };
  });
}

/** A drawing's file, or one sentence naming the image and the file when it cannot be read. */
function readDrawing(store: RegionStore, target: string, sha256: string) {
  try {
    return parseLabelme(store.content.read(sha256), store.content.pathOf(sha256));
  } catch (error) {
    if (!isSatchelError(error)) throw error;
    throw new SatchelError(
      error.kind,
      `The regions drawn on ${target} cannot be committed: ${error.message}`,
      error.path,
    );
  }
}
