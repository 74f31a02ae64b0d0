import { assetColumns, vocabularyTable, type ForeignKeySpec, type TableSpec } from './ermrest-schema.js';

/**
 * The catalog model of the sample world: deriva-ml's own schema as HEAD (v1.54) creates it, and the
 * domain schema `digits` with a plain table (Subject), an asset table (Image) that references it, an
 * asset table of region files, vocabularies and one feature of every shape deriva-ml allows.
 */

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

interface End {
  column: string;
  schema: string;
  table: string;
  referenced?: string;
}

/** An association table: one NOT NULL column per end, unique together. */
function association(
  ends: End[],
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

/** deriva-ml's `create_asset`: the asset table with its `<Asset>_Asset_Type` and `<Asset>_Execution` links. */
function assetTables(
  schema: string,
  name: string,
  comment: string,
  extra: TableSpec['columns'] = [],
  foreignKeys: ForeignKeySpec[] = [],
) {
  return {
    [name]: {
      comment,
      columns: [...assetColumns(schema, name), ...extra],
      keys: [['URL']],
      foreignKeys,
    },
    [`${name}_Asset_Type`]: association([
      { column: name, schema, table: name },
      { column: 'Asset_Type', schema: ML, table: 'Asset_Type', referenced: 'Name' },
    ]),
    [`${name}_Execution`]: association(
      [
        { column: name, schema, table: name },
        { column: 'Execution', schema: ML, table: 'Execution' },
      ],
      {
        columns: [{ name: 'Asset_Role', type: 'text', nullok: false }],
        foreignKeys: [fk('Asset_Role', ML, 'Asset_Role', 'Name', 'CASCADE')],
      },
    ),
  } satisfies Record<string, TableSpec>;
}

/**
 * deriva-ml's `create_feature`: Execution, the target, Feature_Name (defaulting to the feature's name),
 * then term columns (FK to a vocabulary's Name), asset columns (FK to an asset's RID) and plain values.
 */
function featureTable(spec: {
  comment: string;
  target: End;
  feature: string;
  terms?: { column: string; schema: string; vocabulary: string; nullok?: boolean }[];
  assets?: { column: string; schema: string; table: string }[];
  values?: TableSpec['columns'];
}): TableSpec {
  const terms = spec.terms ?? [];
  const assets = spec.assets ?? [];
  return {
    comment: spec.comment,
    columns: [
      { name: 'Execution', type: 'text', nullok: false },
      { name: spec.target.column, type: 'text', nullok: false },
      { name: 'Feature_Name', type: 'text', nullok: false, default: spec.feature },
      ...terms.map((term) => ({ name: term.column, type: 'text', nullok: term.nullok ?? false })),
      ...assets.map((asset) => ({ name: asset.column, type: 'text', nullok: false })),
      ...(spec.values ?? []),
    ],
    keys: [['Execution', spec.target.column, 'Feature_Name']],
    foreignKeys: [
      fk('Execution', ML, 'Execution', 'RID', 'CASCADE'),
      fk(spec.target.column, spec.target.schema, spec.target.table, 'RID', 'CASCADE'),
      fk('Feature_Name', ML, 'Feature_Name', 'Name', 'CASCADE'),
      ...terms.map((term) => fk(term.column, term.schema, term.vocabulary, 'Name', 'CASCADE')),
      ...assets.map((asset) => fk(asset.column, asset.schema, asset.table, 'RID', 'CASCADE')),
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
    foreignKeys: [fk('Version', ML, 'Dataset_Version', 'RID', 'CASCADE')],
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
      foreignKeys: [fk('Dataset_Version', ML, 'Dataset_Version', 'RID', 'CASCADE')],
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
  Workflow_Type: vocabularyTable(ML, 'Type of a workflow'),
  Workflow_Workflow_Type: association([
    { column: 'Workflow', schema: ML, table: 'Workflow' },
    { column: 'Workflow_Type', schema: ML, table: 'Workflow_Type', referenced: 'Name' },
  ]),
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
  Execution_Execution: association(
    [
      { column: 'Execution', schema: ML, table: 'Execution' },
      { column: 'Nested_Execution', schema: ML, table: 'Execution' },
    ],
    { columns: [{ name: 'Sequence', type: 'int4' }], foreignKeys: [] },
  ),
  Execution_Status: vocabularyTable(CURIE, 'Status of an execution'),
  Feature_Name: vocabularyTable(CURIE, 'Names of features'),
  Asset_Type: vocabularyTable(CURIE, 'Type of an asset'),
  Asset_Role: vocabularyTable(CURIE, 'Role of an asset in an execution (input or output)'),
  ...assetTables(ML, 'Execution_Metadata', 'Files describing an execution (configuration, environment).'),
  ...assetTables(ML, 'Execution_Asset', 'Files an execution produced.'),
};

export const DOMAIN_TABLES: Record<string, TableSpec> = {
  Subject: {
    comment: 'The person who wrote the digits.',
    columns: [
      { name: 'Name', type: 'text' },
      { name: 'Age', type: 'int4' },
    ],
  },
  ...assetTables(
    DOMAIN,
    'Image',
    'Handwritten digit images (MNIST, upscaled).',
    [
      { name: 'Width', type: 'int4' },
      { name: 'Height', type: 'int4' },
      { name: 'Acquisition_Date', type: 'date' },
      { name: 'Subject', type: 'text', nullok: false },
    ],
    [fk('Subject', DOMAIN, 'Subject', 'RID', 'CASCADE')],
  ),
  ...assetTables(
    DOMAIN,
    'Region_File',
    'Regions drawn on an image, one labelme JSON file per image and rater.',
  ),
  Dataset_Image: association([
    { column: 'Dataset', schema: ML, table: 'Dataset' },
    { column: 'Image', schema: DOMAIN, table: 'Image' },
  ]),
  Digit: vocabularyTable(CURIE, 'The digits 0 to 9.'),
  Image_Quality: vocabularyTable(CURIE, 'How usable an image is.'),
  Stroke_Width: vocabularyTable(CURIE, 'How heavy the pen stroke is.'),
  Handedness: vocabularyTable(CURIE, 'Which hand a writer uses.'),
  Execution_Image_Digit: featureTable({
    comment: 'Which digit an image shows, by execution.',
    target: { column: 'Image', schema: DOMAIN, table: 'Image' },
    feature: 'Digit',
    terms: [{ column: 'Digit', schema: DOMAIN, vocabulary: 'Digit' }],
    values: [
      {
        name: 'Confidence',
        type: 'float4',
        comment: 'Model confidence from 0 to 1 (NULL for manual labels)',
      },
    ],
  }),
  Execution_Image_Quality: featureTable({
    comment: 'Technical quality of an image and the weight of its stroke.',
    target: { column: 'Image', schema: DOMAIN, table: 'Image' },
    feature: 'Quality',
    terms: [
      { column: 'Image_Quality', schema: DOMAIN, vocabulary: 'Image_Quality' },
      { column: 'Stroke_Width', schema: DOMAIN, vocabulary: 'Stroke_Width' },
    ],
  }),
  // deriva-ml finds features by structure, not by name: eye-ai style catalogs name them freely.
  Subject_Handedness: featureTable({
    comment: 'Which hand a writer uses, by execution.',
    target: { column: 'Subject', schema: DOMAIN, table: 'Subject' },
    feature: 'Handedness',
    terms: [{ column: 'Handedness', schema: DOMAIN, vocabulary: 'Handedness' }],
  }),
  Execution_Image_Region: featureTable({
    comment: 'Regions drawn on an image (a labelme JSON file), each region labeled with a digit.',
    target: { column: 'Image', schema: DOMAIN, table: 'Image' },
    feature: 'Region',
    terms: [{ column: 'Digit', schema: DOMAIN, vocabulary: 'Digit', nullok: true }],
    assets: [{ column: 'Region_File', schema: DOMAIN, table: 'Region_File' }],
  }),
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
    ['Region_File', 'A Region_File asset'],
  ],
  Asset_Role: [
    ['Input', 'Asset used for input of an execution.'],
    ['Output', 'Asset used for output of an execution.'],
  ],
  Workflow_Type: [
    ['Training', 'Model training and fine-tuning workflows.'],
    ['Testing', 'Workflows that evaluate model performance on held-out data.'],
    ['Prediction', 'Workflows that apply a trained model to new data to generate predictions.'],
    ['Feature_Creation', 'Workflows that extract or engineer features from raw data.'],
    ['Visualization', 'Workflows that produce visual analyses of data or model results.'],
    ['Analysis', 'Computational analysis workflows.'],
    ['Ingest', 'Workflows that load external data into the catalog.'],
    ['Data_Cleaning', 'Workflows that clean and preprocess raw data.'],
    ['Dataset_Management', 'Workflows that create, split, version, or manage datasets.'],
  ],
  Feature_Name: [
    ['Digit', 'Which digit (0–9) a handwritten digit image shows.'],
    ['Quality', 'How usable an image is, and how heavy its stroke.'],
    ['Handedness', 'Which hand the writer uses.'],
    ['Region', 'Where the digit is on the image.'],
  ],
};

export const DIGIT_NAMES = ['Zero', 'One', 'Two', 'Three', 'Four', 'Five', 'Six', 'Seven', 'Eight', 'Nine'];

/** Domain vocabularies: name, description and synonyms. */
export const DOMAIN_TERMS: Record<string, [name: string, description: string, synonyms?: string[]][]> = {
  Digit: DIGIT_NAMES.map((word, digit) => [
    String(digit),
    `The handwritten digit ${word.toLowerCase()}.`,
    [word],
  ]),
  Image_Quality: [
    ['Good', 'Sharp and complete.'],
    ['Blurry', 'Readable, but the strokes are smeared.', ['Out_of_focus', 'Smudged']],
    ['Unusable', 'Too damaged to tell.', ['Reject']],
  ],
  Stroke_Width: [
    ['Thin', 'A fine pen line.', ['Fine']],
    ['Regular', 'An ordinary pen line.'],
    ['Bold', 'A heavy, wide line.', ['Thick', 'Heavy']],
  ],
  Handedness: [
    ['Left', 'Writes with the left hand.', ['Sinistral']],
    ['Right', 'Writes with the right hand.', ['Dextral']],
    ['Mixed', 'Writes with either hand.', ['Ambidextrous']],
  ],
};
