export {
  LABELME_VERSION,
  MAX_REGION_FILE_BYTES,
  labelmeDocument,
  parseLabelme,
  type LabelmeFile,
} from './labelme.js';
export {
  DEFAULT_IOU_THRESHOLD,
  boxArea,
  compareImage,
  intersectionOverUnion,
  regionAgreement,
  type RaterDrawings,
} from './agreement.js';
export { maximumWeightMatching } from './matching.js';
export { RegionContentStore } from './content-store.js';
export {
  RegionStore,
  checkDrawing,
  type RegionActionResult,
  type RegionDraftEntry,
  type RegionSaveRequest,
  type RegionScope,
} from './store.js';
export { assetFeatures, bagDrawings, featureFiles, readRegionFile, regionFeature } from './bag-files.js';
export { RegionSession, DRAFTS_RATER } from './session.js';
export {
  cocoDocument,
  writeCoco,
  type CocoAnnotation,
  type CocoCategory,
  type CocoDocument,
  type CocoImage,
  type CocoOptions,
  type CocoSummary,
} from './coco.js';
export { regionFileName, regionFilesToUpload, type RegionUpload } from './commit-files.js';
