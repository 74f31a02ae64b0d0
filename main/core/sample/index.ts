export {
  buildSampleBag,
  samplePath,
  isSampleBuilt,
  SAMPLE_DESIGN,
  SAMPLE_DATASET_RID,
  type SampleProgress,
} from './build.js';
export {
  writeFormatBBag,
  csvText,
  pgArray,
  DERIVA_BAG_PROFILE,
  type FormatBBag,
  type BagTable,
  type BagAsset,
  type CsvCell,
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
