export { labelmeDocument, parseLabelme, type LabelmeFile } from './labelme.js';
export { compareImage, intersectionOverUnion, regionAgreement, type RaterDrawings } from './agreement.js';
export { maximumWeightMatching } from './matching.js';
export { RegionContentStore } from './content-store.js';
export { RegionStore, type RegionSaveRequest, type RegionScope } from './store.js';
export { featureFiles, regionFeature } from './bag-files.js';
export { RegionSession } from './session.js';
export { writeCoco, type CocoDocument, type CocoOptions, type CocoSummary } from './coco.js';
export { regionDraftsToCommit, regionFileName, type RegionDraftToCommit } from './commit-files.js';
export {
  MAX_ATTACHED_FILE_BYTES,
  parseStagedFileReference,
  StagedFiles,
  stagedFileReference,
  type StagedFile,
  type StagedStore,
} from './staged-files.js';
