export {
  buildSampleBag,
  samplePath,
  isSampleBuilt,
  SAMPLE_DATASET_RID,
  type SampleProgress,
} from './build.js';
export {
  buildWorld,
  worldBag,
  rowsAt,
  hatracQuote,
  RELEASES,
  WORLD_SEED,
  WORLD_ORIGIN,
  WORLD_CATALOG,
  WORLD_SNAPTIMES,
  WORLD_DATASET_RID,
  EXECUTION_DESCRIPTIONS,
  type World,
  type WorldIds,
  type WorldRow,
  type WorldTable,
  type WorldAsset,
} from './world.js';
export {
  WORLD_DESIGN,
  type WorldPlan,
  type PlannedImage,
  type PlannedSubject,
  type PlannedDisagreement,
  type Rater,
  type Release,
} from './plan.js';
export {
  ML as ML_SCHEMA,
  DOMAIN as SAMPLE_DOMAIN_SCHEMA,
  ML_TABLES,
  DOMAIN_TABLES,
  SEEDED_TERMS,
  DOMAIN_TERMS,
} from './model.js';
export {
  writeFormatBBag,
  writeBagIt,
  csvText,
  pgArray,
  DERIVA_BAG_PROFILE,
  type FormatBBag,
  type BagTable,
  type BagAsset,
  type CsvCell,
  type BagItContent,
} from './bag-writer.js';
export {
  ermrestSchemaDocument,
  ermrestTable,
  vocabularyTable,
  assetColumns,
  type TableSpec,
  type ColumnSpec,
  type ForeignKeySpec,
} from './ermrest-schema.js';
