import {
  FEATURE_TERM_TABLE,
  VOCABULARIES,
  termNames,
  type Vocabulary,
  type VocabularyTerm,
} from './model.js';
import { SeededRandom } from './random.js';
import { RidAllocator, encodeErmrestBase32 } from './rid.js';

export interface PlanOptions {
  images: number;
  featureRows: number;
  jpegFiles: number;
  distinctJpegs: number;
  subjects: number;
  seed: number;
}

export interface SubjectPlan {
  rid: string;
  name: string;
  age: number | null;
  acquisitionDate: string;
}

export interface ImagePlan {
  rid: string;
  filename: string;
  /** Hatrac object version, the part after `:` in the URL. */
  hatracVersion: string;
  subject: number;
  training: boolean;
  /** Index into the Digit term names: the "true" label that annotators mostly agree with. */
  label: number;
}

export interface VocabularyPlan extends Vocabulary {
  terms: (VocabularyTerm & { rid: string })[];
}

export interface WorkflowPlan {
  rid: string;
  name: string;
  description: string;
  url: string;
  checksum: string;
  predicts: boolean;
}

export interface DatasetPlan {
  rid: string;
  versionRid: string;
  type: string;
  description: string;
}

export interface ExecutionPlan {
  rid: string;
  workflow: WorkflowPlan;
  featureRows: number;
}

export interface BagPlan {
  options: PlanOptions;
  random: SeededRandom;
  rids: RidAllocator;
  clock: BatchClock;
  snaptime: string;
  vocabularies: VocabularyPlan[];
  subjects: SubjectPlan[];
  images: ImagePlan[];
  workflows: WorkflowPlan[];
  root: DatasetPlan;
  training: DatasetPlan;
  testing: DatasetPlan;
  executions: ExecutionPlan[];
}

const MIN_EXECUTIONS = 3;
const HATRAC_VERSION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const DAY_MS = 86_400_000;

/** Hands out ERMrest timestamps (`2026-11-23 20:03:14.171746+00`), one per insert batch, moving forward. */
export class BatchClock {
  private ms: number;

  constructor(
    startMs: number,
    private readonly random: SeededRandom,
  ) {
    this.ms = startMs;
  }

  next(): string {
    this.ms += 5 + this.random.int(400);
    return ermrestTimestamp(this.ms, this.random.int(1000));
  }
}

/** PostgreSQL prints timestamptz with trailing fractional zeros dropped. */
export function ermrestTimestamp(ms: number, extraMicros: number): string {
  const iso = new Date(ms).toISOString();
  const fraction = (iso.slice(20, 23) + String(extraMicros).padStart(3, '0')).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction ? '.' + fraction : ''}+00`;
}

/** How many executions are needed: the unique key (Execution, Image, Feature_Name) allows one row per image each. */
export function executionCount(images: number, featureRows: number): number {
  return Math.max(MIN_EXECUTIONS, Math.ceil(featureRows / images));
}

/**
 * The j-th image labelled by execution e. Rows are dealt round-robin over executions, so execution e gets
 * rows j = 0.. with j*E + e < featureRows; within one execution the mapping j → image is injective
 * (spread evenly over all images, rotated per execution so executions overlap only partly).
 */
export function featureImageIndex(plan: BagPlan, execution: number, j: number): number {
  const { images, featureRows } = plan.options;
  const executions = plan.executions.length;
  const perExecution = Math.ceil(featureRows / executions);
  const spread = Math.floor((j * images) / perExecution);
  return (spread + execution * Math.floor(images / executions)) % images;
}

export function planBag(options: PlanOptions): BagPlan {
  const random = new SeededRandom(options.seed);
  const rids = new RidAllocator(options.seed);
  const startMs = Date.UTC(2026, 11, 1) + random.int(300 * DAY_MS);
  const clock = new BatchClock(startMs, random.fork(1));
  // The vocabularies are the catalog's first rows, as deriva-ml seeds them when it creates the schema.
  const vocabularies = VOCABULARIES.map((vocabulary) => ({
    ...vocabulary,
    terms: vocabulary.terms.map((term) => ({ ...term, rid: rids.next() })),
  }));
  const subjects = planSubjects(options.subjects, rids, random.fork(2));
  const images = planImages(options, subjects.length, rids, random.fork(3));
  const workflows = planWorkflows(rids, random.fork(4));
  const [root, training, testing] = planDatasets(options.images, rids);
  const executions = planExecutions(options, workflows, rids);
  const snaptime = encodeErmrestBase32(BigInt(startMs + DAY_MS) * 1000n);
  return {
    options,
    random,
    rids,
    clock,
    snaptime,
    vocabularies,
    subjects,
    images,
    workflows,
    root,
    training,
    testing,
    executions,
  };
}

function planSubjects(count: number, rids: RidAllocator, random: SeededRandom): SubjectPlan[] {
  const width = Math.max(3, String(count).length);
  const firstDay = Date.UTC(2017, 0, 1);
  return Array.from({ length: count }, (_, i) => ({
    rid: rids.next(),
    name: `SYN-P${String(i + 1).padStart(width, '0')}`,
    age: random.next() < 0.1 ? null : 18 + random.int(73),
    acquisitionDate: new Date(firstDay + random.int(3 * 365) * DAY_MS).toISOString().slice(0, 10),
  }));
}

/** Images are grouped by subject in order; the first ~2/3 of subjects form Training (a subject-disjoint split). */
function planImages(
  options: PlanOptions,
  subjects: number,
  rids: RidAllocator,
  random: SeededRandom,
): ImagePlan[] {
  const width = Math.max(5, String(options.images - 1).length);
  const trainingSubjects = Math.max(1, Math.round((subjects * 2) / 3));
  const digits = termNames(FEATURE_TERM_TABLE).length;
  return Array.from({ length: options.images }, (_, i) => {
    const subject = Math.floor((i * subjects) / options.images);
    return {
      rid: rids.next(),
      filename: `SyntheticImage_${String(i).padStart(width, '0')}.jpg`,
      hatracVersion: random.text(HATRAC_VERSION_ALPHABET, 26),
      subject,
      training: subject < trainingSubjects,
      // MNIST's digits are about evenly spread.
      label: random.int(digits),
    };
  });
}

function planWorkflows(rids: RidAllocator, random: SeededRandom): WorkflowPlan[] {
  const commit = random.text('0123456789abcdef', 40);
  const workflow = (name: string, description: string, script: string, predicts: boolean): WorkflowPlan => ({
    rid: rids.next(),
    name,
    description,
    url: `https://github.com/example-lab/synthetic-labeling/blob/${commit}/${script}`,
    checksum: random.text('0123456789abcdef', 40),
    predicts,
  });
  return [
    workflow('Manual annotation', 'A person labels the digit each image shows.', 'label_app.py', false),
    workflow(
      'Synthetic classifier',
      'Records the predicted digit and its softmax confidence.',
      'predict.py',
      true,
    ),
  ];
}

function planDatasets(images: number, rids: RidAllocator): [DatasetPlan, DatasetPlan, DatasetPlan] {
  const dataset = (type: string, description: string): DatasetPlan => ({
    rid: rids.next(),
    versionRid: '',
    type,
    description,
  });
  const datasets: [DatasetPlan, DatasetPlan, DatasetPlan] = [
    dataset('Complete', `Synthetic complete dataset: ${images} images (nested Training + Testing).`),
    dataset('Training', 'Synthetic training split (subject-disjoint from Testing).'),
    dataset('Testing', 'Synthetic testing split (subject-disjoint from Training).'),
  ];
  for (const entry of datasets) entry.versionRid = rids.next();
  return datasets;
}

/** Executions 0 and 1 are manual annotators, the rest model runs; rows are dealt round-robin. */
function planExecutions(
  options: PlanOptions,
  workflows: WorkflowPlan[],
  rids: RidAllocator,
): ExecutionPlan[] {
  const count = executionCount(options.images, options.featureRows);
  const [manual, model] = workflows;
  if (!manual || !model) throw new Error('planWorkflows must return two workflows');
  return Array.from({ length: count }, (_, e) => ({
    rid: rids.next(),
    workflow: e < 2 ? manual : model,
    featureRows: Math.max(0, Math.ceil((options.featureRows - e) / count)),
  }));
}
