import { assetColumns, vocabularyTable, type ForeignKeySpec, type TableSpec } from './ermrest-schema.js';

/** The catalog model of the sample bag: deriva-ml's own schema (HEAD) and the domain schema `digits`. */

export const ML = 'deriva-ml';
export const DOMAIN = 'digits';
const CURIE = 'sample';

const fk = (
  column: string,
  schema: string,
  table: string,
  referenced = 'RID',
  onDelete?: 'CASCADE',
): ForeignKeySpec => ({
  column,
  schema,
  table,
  referenced,
  ...(onDelete ? { onDelete } : {}),
});

/** An association table: one NOT NULL column per end, unique together. */
function association(
  ends: { column: string; schema: string; table: string; referenced?: string }[],
  extra: { columns: TableSpec['columns']; foreignKeys: ForeignKeySpec[] } = { columns: [], foreignKeys: [] },
): TableSpec {
  return {
    columns: [...ends.map((end) => ({ name: end.column, type: 'text', nullok: false })), ...extra.columns],
    keys: [ends.map((end) => end.column)],
    foreignKeys: [
      ...ends.map((end) => fk(end.column, end.schema, end.table, end.referenced ?? 'RID', 'CASCADE')),
      ...extra.foreignKeys,
    ],
  };
}

export const ML_TABLES: Record<string, TableSpec> = {
  Dataset: {
    columns: [
      { name: 'Description', type: 'markdown' },
      { name: 'Deleted', type: 'boolean' },
      { name: 'Version', type: 'text' },
    ],
    foreignKeys: [fk('Version', ML, 'Dataset_Version')],
  },
  Dataset_Type: vocabularyTable(CURIE, 'A type of dataset'),
  Dataset_Dataset: association([
    { column: 'Dataset', schema: ML, table: 'Dataset' },
    { column: 'Nested_Dataset', schema: ML, table: 'Dataset' },
  ]),
  Dataset_Dataset_Type: association([
    { column: 'Dataset', schema: ML, table: 'Dataset' },
    { column: 'Dataset_Type', schema: ML, table: 'Dataset_Type', referenced: 'Name' },
  ]),
  Dataset_Version: {
    columns: [
      { name: 'Version', type: 'text', default: '0.1.0' },
      { name: 'Description', type: 'markdown' },
      { name: 'Dataset', type: 'text' },
      { name: 'Execution', type: 'text' },
      { name: 'Minid', type: 'text' },
      { name: 'Minid_Spec_Hash', type: 'text' },
      { name: 'Snapshot', type: 'text' },
    ],
    keys: [['Dataset', 'Version']],
    foreignKeys: [fk('Dataset', ML, 'Dataset'), fk('Execution', ML, 'Execution')],
  },
  Dataset_Execution: association(
    [
      { column: 'Dataset', schema: ML, table: 'Dataset' },
      { column: 'Execution', schema: ML, table: 'Execution' },
    ],
    {
      columns: [{ name: 'Dataset_Version', type: 'text' }],
      foreignKeys: [fk('Dataset_Version', ML, 'Dataset_Version')],
    },
  ),
  Workflow: {
    columns: [
      { name: 'Name', type: 'text' },
      { name: 'Description', type: 'markdown' },
      { name: 'URL', type: 'ermrest_uri' },
      { name: 'Checksum', type: 'text' },
      { name: 'Version', type: 'text' },
    ],
  },
  Execution: {
    columns: [
      { name: 'Workflow', type: 'text' },
      { name: 'Description', type: 'markdown' },
      { name: 'Execution_Duration', type: 'text' },
      { name: 'Download_Duration', type: 'text' },
      { name: 'Upload_Duration', type: 'text' },
      { name: 'Status', type: 'text' },
      { name: 'Status_Detail', type: 'text' },
    ],
    foreignKeys: [fk('Workflow', ML, 'Workflow'), fk('Status', ML, 'Execution_Status', 'Name')],
  },
  Execution_Status: vocabularyTable(CURIE, 'Status of an execution'),
  Feature_Name: vocabularyTable(CURIE, 'Names of features'),
  Asset_Type: vocabularyTable(CURIE, 'Type of an asset'),
  Asset_Role: vocabularyTable(CURIE, 'Role of an asset in an execution (input or output)'),
};

export const DOMAIN_TABLES: Record<string, TableSpec> = {
  Image: {
    comment: 'Handwritten digit images (MNIST, upscaled to 112×112).',
    columns: [
      ...assetColumns(DOMAIN, 'Image'),
      { name: 'Width', type: 'int4' },
      { name: 'Height', type: 'int4' },
    ],
    keys: [['URL']],
  },
  Image_Asset_Type: association([
    { column: 'Image', schema: DOMAIN, table: 'Image' },
    { column: 'Asset_Type', schema: ML, table: 'Asset_Type', referenced: 'Name' },
  ]),
  Image_Execution: {
    columns: [
      { name: 'Image', type: 'text', nullok: false },
      { name: 'Execution', type: 'text', nullok: false },
      { name: 'Asset_Role', type: 'text', nullok: false },
    ],
    keys: [['Image', 'Execution']],
    foreignKeys: [
      fk('Image', DOMAIN, 'Image', 'RID', 'CASCADE'),
      fk('Execution', ML, 'Execution', 'RID', 'CASCADE'),
      fk('Asset_Role', ML, 'Asset_Role', 'Name'),
    ],
  },
  Dataset_Image: association([
    { column: 'Dataset', schema: ML, table: 'Dataset' },
    { column: 'Image', schema: DOMAIN, table: 'Image' },
  ]),
  Digit: vocabularyTable(CURIE, 'The digits 0 to 9.'),
  Execution_Image_Digit: {
    comment: 'Which digit an image shows, by execution.',
    columns: [
      { name: 'Execution', type: 'text', nullok: false },
      { name: 'Image', type: 'text', nullok: false },
      { name: 'Feature_Name', type: 'text', nullok: false, default: 'Digit' },
      { name: 'Digit', type: 'text', nullok: false },
      { name: 'Confidence', type: 'float4' },
    ],
    keys: [['Execution', 'Image', 'Feature_Name']],
    foreignKeys: [
      fk('Execution', ML, 'Execution', 'RID', 'CASCADE'),
      fk('Image', DOMAIN, 'Image', 'RID', 'CASCADE'),
      fk('Feature_Name', ML, 'Feature_Name', 'Name'),
      fk('Digit', DOMAIN, 'Digit', 'Name'),
    ],
  },
};

/** deriva-ml's seeded vocabulary terms (HEAD texts). */
export const SEEDED_TERMS: Record<string, [name: string, description: string][]> = {
  Dataset_Type: [
    ['Complete', 'A dataset containing all available records of a given type.'],
    ['File', 'A dataset that contains file assets.'],
    [
      'Directory',
      'A dataset auto-created by add_files to mirror an ingested source directory structure; nested Directory datasets reflect the source folder hierarchy.',
    ],
    ['Training', 'A dataset subset used for model training.'],
    ['Testing', 'A dataset subset used for model testing/evaluation.'],
    ['Validation', 'A dataset subset used for model validation during training.'],
    ['Split', 'A dataset that contains nested dataset splits.'],
    ['Labeled', 'A dataset containing records with ground truth labels.'],
    ['Unlabeled', 'A dataset containing records without ground truth labels.'],
  ],
  Execution_Status: [
    ['Created', 'Execution row has been created; work has not started.'],
    ['Running', 'Execution algorithm is actively running.'],
    ['Stopped', 'Algorithm finished successfully; output assets not yet uploaded.'],
    ['Failed', 'Execution encountered an unrecoverable error.'],
    ['Pending_Upload', 'Algorithm succeeded; asset upload to the catalog is in progress.'],
    ['Uploaded', 'Execution ran to success and all outputs are persisted to the catalog.'],
    ['Aborted', 'Execution was canceled by the user before reaching a terminal state.'],
  ],
  Asset_Type: [
    ['Execution_Config', 'Configuration File for execution metadata'],
    ['Runtime_Env', 'Information about the runtime environment'],
    ['Hydra_Config', 'Hydra YAML configuration file (config.yaml, overrides.yaml, hydra.yaml)'],
    [
      'Deriva_Config',
      'DerivaML execution configuration (configuration.json with datasets, assets, workflow)',
    ],
    [
      'Metrics_File',
      'Training-metric log file (typically JSONL, one record per evaluation point — epoch, step, or eval cycle).',
    ],
    ['Execution_Metadata', 'Information about the execution environment'],
    ['Execution_Asset', 'A file generated by an execution'],
    ['File', 'A file that is not managed by Hatrac'],
    ['Input_File', 'A file input to an execution.'],
    ['Output_File', 'A file output from an execution.'],
    ['Model_File', 'The ML model.'],
    ['Notebook_Output', 'A Jupyter notebook with output cells filled from an execution.'],
    ['Image', 'A Image asset'],
  ],
  Asset_Role: [
    ['Input', 'Asset used for input of an execution.'],
    ['Output', 'Asset used for output of an execution.'],
  ],
  Feature_Name: [['Digit', 'Which digit (0–9) a handwritten digit image shows.']],
};

export const DIGIT_NAMES = ['Zero', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine'];
