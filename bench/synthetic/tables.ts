import fs from 'node:fs';
import path from 'node:path';
import { pgArray } from '../../main/core/sample/index.js';
import { CsvTableWriter, type CsvFileResult, type CsvValue } from './csv.js';
import type { FileDigest } from './hashing-writer.js';
import { JPEG_HEIGHT, JPEG_WIDTH } from './jpeg.js';
import {
  DOMAIN_SCHEMA,
  FEATURE_NAME,
  FEATURE_TABLE,
  FEATURE_TERM_TABLE,
  ML_SCHEMA,
  columnDefault,
  modelColumns,
  termNames,
} from './model.js';
import { featureImageIndex, type BagPlan, type ImagePlan } from './plan.js';
import type { SeededRandom } from './random.js';

export interface WrittenTable extends CsvFileResult {
  schema: string;
  table: string;
  /** Bag-relative path, e.g. data/digits/Image.csv. */
  path: string;
}

/** md5/sha256/length of image i's bytes (images beyond the JPEG files reuse a file's bytes). */
export type ImageDigests = (imageIndex: number) => FileDigest;

const SYSTEM_COLUMNS = ['RID', 'RCT', 'RMT', 'RCB', 'RMB'];
const CLIENT = 'synthetic-bench';

export function imageUrl(image: ImagePlan, digest: FileDigest): string {
  return `/hatrac/Image/${digest.md5}.${image.filename}:${image.hatracVersion}`;
}

/** One CSV of a model table; every row gets the batch's RCT/RMT, like a single ERMrest insert. */
class ModelTableWriter {
  private readonly csv: CsvTableWriter;
  private readonly stamp: string;

  constructor(
    readonly entry: Omit<WrittenTable, keyof CsvFileResult>,
    file: string,
    columns: string[],
    stamp: string,
  ) {
    this.csv = new CsvTableWriter(file, columns);
    this.stamp = stamp;
  }

  insert(rid: string, values: readonly CsvValue[]): void {
    this.csv.row([rid, this.stamp, this.stamp, CLIENT, CLIENT, ...values]);
  }

  close(): WrittenTable {
    return { ...this.entry, ...this.csv.close() };
  }
}

class TableSet {
  readonly written: WrittenTable[] = [];

  constructor(
    private readonly bagDir: string,
    private readonly plan: BagPlan,
  ) {}

  /** Opens schema:table, insisting that our column list is exactly the model's. */
  open(schema: string, table: string, userColumns: readonly string[]): ModelTableWriter {
    const columns = [...SYSTEM_COLUMNS, ...userColumns];
    const model = modelColumns(schema, table);
    if (model.join(',') !== columns.join(',')) {
      throw new Error(
        `${schema}:${table}: generator columns ${columns.join(',')} differ from the model ${model.join(',')}`,
      );
    }
    const relative = `data/${schema}/${table}.csv`;
    return new ModelTableWriter(
      { schema, table, path: relative },
      this.file(relative),
      columns,
      this.plan.clock.next(),
    );
  }

  fill(
    schema: string,
    table: string,
    userColumns: readonly string[],
    write: (out: ModelTableWriter) => void,
  ): void {
    const out = this.open(schema, table, userColumns);
    write(out);
    this.written.push(out.close());
  }

  private file(relative: string): string {
    const file = path.join(this.bagDir, ...relative.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return file;
  }
}

/** Writes every CSV of the bag, in ERMrest insert order (which is also RID order). */
export function writeTables(bagDir: string, plan: BagPlan, digests: ImageDigests): WrittenTable[] {
  checkReferencedTerms();
  const tables = new TableSet(bagDir, plan);
  writeVocabularies(tables, plan);
  writeSubjectsAndImages(tables, plan, digests);
  writeDatasets(tables, plan);
  writeExecutions(tables, plan);
  writeFeatures(tables, plan, termNames(FEATURE_TERM_TABLE));
  writeDatasetVersions(tables, plan);
  return tables.written.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The generated rows refer to these terms of the model's vocabularies. */
function checkReferencedTerms(): void {
  termNames('Dataset_Type', ['Complete', 'Training', 'Testing']);
  termNames('Execution_Status', ['Uploaded']);
  termNames('Feature_Name', [FEATURE_NAME]);
  termNames('Asset_Type', ['Image']);
}

/** One CSV per vocabulary; ID and URI are the model's column defaults filled with the row's RID. */
function writeVocabularies(tables: TableSet, plan: BagPlan): void {
  for (const { schema, table, terms } of plan.vocabularies) {
    tables.fill(schema, table, ['ID', 'URI', 'Name', 'Description', 'Synonyms'], (out) => {
      for (const term of terms) {
        out.insert(term.rid, [
          columnDefault(schema, table, 'ID', term.rid),
          columnDefault(schema, table, 'URI', term.rid),
          term.name,
          term.description,
          term.synonyms ? pgArray(term.synonyms) : null,
        ]);
      }
    });
  }
}

function writeSubjectsAndImages(tables: TableSet, plan: BagPlan, digests: ImageDigests): void {
  tables.fill(DOMAIN_SCHEMA, 'Subject', ['Name', 'Age'], (out) => {
    for (const subject of plan.subjects) out.insert(subject.rid, [subject.name, subject.age]);
  });
  const imageColumns = [
    'URL',
    'Filename',
    'Description',
    'Length',
    'MD5',
    'Width',
    'Height',
    'Acquisition_Date',
    'Subject',
  ];
  tables.fill(DOMAIN_SCHEMA, 'Image', imageColumns, (out) => {
    plan.images.forEach((image, i) => {
      const digest = digests(i);
      const subject = plan.subjects[image.subject];
      const values = [
        imageUrl(image, digest),
        image.filename,
        null,
        digest.bytes,
        digest.md5,
        JPEG_WIDTH,
        JPEG_HEIGHT,
      ];
      out.insert(image.rid, [...values, subject?.acquisitionDate ?? null, subject?.rid ?? null]);
    });
  });
  tables.fill(DOMAIN_SCHEMA, 'Image_Asset_Type', ['Image', 'Asset_Type'], (out) => {
    for (const image of plan.images) out.insert(plan.rids.next(), [image.rid, 'Image']);
  });
}

function writeDatasets(tables: TableSet, plan: BagPlan): void {
  const datasets = [plan.root, plan.training, plan.testing];
  tables.fill(ML_SCHEMA, 'Workflow', ['Name', 'Description', 'URL', 'Checksum', 'Version'], (out) => {
    for (const workflow of plan.workflows) {
      out.insert(workflow.rid, [
        workflow.name,
        workflow.description,
        workflow.url,
        workflow.checksum,
        '0.4.1',
      ]);
    }
  });
  tables.fill(ML_SCHEMA, 'Dataset', ['Description', 'Deleted', 'Version'], (out) => {
    for (const dataset of datasets) out.insert(dataset.rid, [dataset.description, 'f', dataset.versionRid]);
  });
  tables.fill(ML_SCHEMA, 'Dataset_Dataset_Type', ['Dataset', 'Dataset_Type'], (out) => {
    for (const dataset of datasets) out.insert(plan.rids.next(), [dataset.rid, dataset.type]);
  });
  tables.fill(ML_SCHEMA, 'Dataset_Dataset', ['Dataset', 'Nested_Dataset'], (out) => {
    for (const child of [plan.training, plan.testing])
      out.insert(plan.rids.next(), [plan.root.rid, child.rid]);
  });
  tables.fill(DOMAIN_SCHEMA, 'Dataset_Image', ['Dataset', 'Image'], (out) => {
    for (const image of plan.images) {
      out.insert(plan.rids.next(), [image.training ? plan.training.rid : plan.testing.rid, image.rid]);
    }
  });
}

function writeExecutions(tables: TableSet, plan: BagPlan): void {
  const random = plan.random;
  const duration = (seconds: number): string =>
    `${Math.floor(seconds / 3600)}.0H ${Math.floor((seconds % 3600) / 60)}.0min ${(seconds % 60).toFixed(4)}sec`;
  const columns = [
    'Workflow',
    'Description',
    'Execution_Duration',
    'Download_Duration',
    'Upload_Duration',
    'Status',
    'Status_Detail',
  ];
  tables.fill(ML_SCHEMA, 'Execution', columns, (out) => {
    plan.executions.forEach((execution, e) => {
      const kind = execution.workflow.predicts ? 'model prediction' : 'manual annotation';
      out.insert(execution.rid, [
        execution.workflow.rid,
        `Synthetic ${kind} run ${e + 1}: ${FEATURE_NAME} on ${execution.featureRows} images.`,
        duration(random.between(30, 7200)),
        duration(random.between(1, 60)),
        duration(random.between(1, 60)),
        'Uploaded',
        `All outputs uploaded (${execution.featureRows} feature rows)`,
      ]);
    });
  });
  tables.fill(ML_SCHEMA, 'Dataset_Execution', ['Dataset', 'Execution', 'Dataset_Version'], (out) => {
    for (const execution of plan.executions)
      out.insert(plan.rids.next(), [plan.root.rid, execution.rid, null]);
  });
}

/** Execution_Image_Digit: annotators agree with the image's label 85% of the time and leave Confidence NULL. */
function writeFeatures(tables: TableSet, plan: BagPlan, digits: string[]): void {
  const random = plan.random.fork(7);
  const columns = ['Execution', 'Image', 'Feature_Name', 'Digit', 'Confidence'];
  tables.fill(DOMAIN_SCHEMA, FEATURE_TABLE, columns, (out) => {
    plan.executions.forEach((execution, e) => {
      for (let j = 0; j < execution.featureRows; j++) {
        const image = plan.images[featureImageIndex(plan, e, j)];
        if (!image) throw new Error('feature row points past the last image');
        const agrees = random.next() < 0.85;
        const digit = agrees ? (digits[image.label] ?? digits[0] ?? null) : random.pick(digits);
        const confidence = execution.workflow.predicts ? confidenceValue(random, agrees) : null;
        out.insert(plan.rids.next(), [execution.rid, image.rid, FEATURE_NAME, digit, confidence]);
      }
    });
  });
}

function confidenceValue(random: SeededRandom, agrees: boolean): number {
  const value = agrees ? random.between(0.62, 0.997) : random.between(0.34, 0.79);
  return Math.round(value * 10000) / 10000;
}

function writeDatasetVersions(tables: TableSet, plan: BagPlan): void {
  const columns = ['Version', 'Description', 'Dataset', 'Execution', 'Minid', 'Minid_Spec_Hash', 'Snapshot'];
  const description = `Initial release: ${plan.images.length} synthetic images.`;
  // deriva-ml stamps a version's Snapshot after taking its bag, so the bag's own version shows none.
  tables.fill(ML_SCHEMA, 'Dataset_Version', columns, (out) => {
    for (const dataset of [plan.root, plan.training, plan.testing]) {
      out.insert(dataset.versionRid, ['1.0.0', description, dataset.rid, null, null, null, null]);
    }
  });
}
