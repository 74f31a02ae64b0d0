export { labelmeDocument, parseLabelme, type LabelmeFile } from './labelme.js';
export { compareImage, intersectionOverUnion, regionAgreement, type RaterDrawings } from './agreement.js';
export { maximumWeightMatching } from './matching.js';
export { RegionContentStore } from './content-store.js';
export { RegionStore, type RegionSaveRequest, type RegionScope } from './store.js';
export { featureFiles, regionFeature } from './bag-files.js';
export { RegionSession } from './session.js';
export { writeCoco, type CocoDocument, type CocoOptions, type CocoSummary } from './coco.js';
export { regionFilesToUpload, type RegionUpload } from './commit-files.js';
