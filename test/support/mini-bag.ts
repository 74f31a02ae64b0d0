import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A small, self-contained DerivaML Format B bag written from code (no fixture needed): schema
 * `deriva-ml` (Dataset, versions, types, executions) and a domain schema `lab` with an Image asset
 * table, Dataset_Image membership and the feature Execution_Image_Label (Label term + Score float4).
 */

type ColumnSpec = [name: string, type: string, nullok?: boolean, defaultValue?: string];
type ForeignKeySpec = [column: string, schema: string, table: string, referenced: string];

interface TableSpec {
  columns: ColumnSpec[];
  keys?: string[][];
  fks?: ForeignKeySpec[];
  assetUrl?: boolean;
}

const SYSTEM: ColumnSpec[] = [
  ['RID', 'ermrest_rid', false],
  ['RCT', 'ermrest_rct', false, 'now()'],
  ['RMT', 'ermrest_rmt', false, 'now()'],
  ['RCB', 'ermrest_rcb'],
  ['RMB', 'ermrest_rmb'],
];
const VOCABULARY: TableSpec = {
  columns: [
    ['ID', 'ermrest_curie', false],
    ['URI', 'ermrest_uri', false],
    ['Name', 'text', false],
    ['Description', 'markdown', false],
    ['Synonyms', 'text[]'],
  ],
  keys: [['Name'], ['ID'], ['URI']],
};

const ML_TABLES: Record<string, TableSpec> = {
  Dataset: {
    columns: [
      ['Description', 'markdown'],
      ['Deleted', 'boolean'],
      ['Version', 'text'],
    ],
  },
  Dataset_Type: VOCABULARY,
  Feature_Name: VOCABULARY,
  Dataset_Dataset: {
    columns: [
      ['Dataset', 'text', false],
      ['Nested_Dataset', 'text', false],
    ],
    keys: [['Dataset', 'Nested_Dataset']],
    fks: [
      ['Dataset', 'deriva-ml', 'Dataset', 'RID'],
      ['Nested_Dataset', 'deriva-ml', 'Dataset', 'RID'],
    ],
  },
  Dataset_Dataset_Type: {
    columns: [
      ['Dataset', 'text', false],
      ['Dataset_Type', 'text', false],
    ],
    keys: [['Dataset', 'Dataset_Type']],
    fks: [
      ['Dataset', 'deriva-ml', 'Dataset', 'RID'],
      ['Dataset_Type', 'deriva-ml', 'Dataset_Type', 'Name'],
    ],
  },
  Dataset_Version: {
    columns: [
      ['Version', 'text'],
      ['Description', 'markdown'],
      ['Dataset', 'text'],
      ['Execution', 'text'],
      ['Snapshot', 'text'],
    ],
    keys: [['Dataset', 'Version']],
    fks: [['Dataset', 'deriva-ml', 'Dataset', 'RID']],
  },
  // The legacy (deriva-ml 1.24) input edge: no Dataset_Version column.
  Dataset_Execution: {
    columns: [
      ['Dataset', 'text', false],
      ['Execution', 'text', false],
    ],
    keys: [['Dataset', 'Execution']],
    fks: [
      ['Dataset', 'deriva-ml', 'Dataset', 'RID'],
      ['Execution', 'deriva-ml', 'Execution', 'RID'],
    ],
  },
  Workflow: {
    columns: [
      ['Name', 'text'],
      ['Description', 'markdown'],
      ['URL', 'ermrest_uri'],
      ['Checksum', 'text'],
      ['Version', 'text'],
    ],
  },
  Execution: {
    columns: [
      ['Workflow', 'text'],
      ['Description', 'markdown'],
      ['Status', 'text'],
      ['Status_Detail', 'text'],
    ],
    fks: [['Workflow', 'deriva-ml', 'Workflow', 'RID']],
  },
};

const LAB_TABLES: Record<string, TableSpec> = {
  Label: VOCABULARY,
  Image: {
    columns: [
      ['URL', 'text', false],
      ['Filename', 'text'],
      ['Description', 'markdown'],
      ['Length', 'int8', false],
      ['MD5', 'text', false],
      ['Width', 'int4'],
      ['Taken', 'date'],
    ],
    keys: [['URL']],
    assetUrl: true,
  },
  Dataset_Image: {
    columns: [
      ['Dataset', 'text', false],
      ['Image', 'text', false],
    ],
    keys: [['Dataset', 'Image']],
    fks: [
      ['Dataset', 'deriva-ml', 'Dataset', 'RID'],
      ['Image', 'lab', 'Image', 'RID'],
    ],
  },
  Execution_Image_Label: {
    columns: [
      ['Execution', 'text', false],
      ['Image', 'text', false],
      ['Feature_Name', 'text', false, 'Label'],
      ['Label', 'text', false],
      ['Score', 'float4'],
    ],
    keys: [['Execution', 'Image', 'Feature_Name']],
    fks: [
      ['Execution', 'deriva-ml', 'Execution', 'RID'],
      ['Image', 'lab', 'Image', 'RID'],
      ['Feature_Name', 'deriva-ml', 'Feature_Name', 'Name'],
      ['Label', 'lab', 'Label', 'Name'],
    ],
  },
};

function tableDocument(schema: string, name: string, spec: TableSpec) {
  const columns = [...SYSTEM, ...spec.columns].map(([column, type, nullok = true, defaultValue]) => ({
    name: column,
    type: type.endsWith('[]')
      ? { typename: type, is_array: true, base_type: { typename: 'text' } }
      : { typename: type },
    nullok,
    default: defaultValue ?? null,
    comment: null,
    annotations: spec.assetUrl && column === 'URL' ? { 'tag:isrd.isi.edu,2017:asset': {} } : {},
  }));
  const ref = (s: string, t: string, c: string) => ({ schema_name: s, table_name: t, column_name: c });
  return {
    schema_name: schema,
    table_name: name,
    comment: null,
    annotations: {},
    column_definitions: columns,
    keys: [['RID'], ...(spec.keys ?? [])].map((unique_columns) => ({ unique_columns })),
    foreign_keys: (spec.fks ?? []).map(([column, toSchema, toTable, toColumn]) => ({
      foreign_key_columns: [ref(schema, name, column)],
      referenced_columns: [ref(toSchema, toTable, toColumn)],
    })),
  };
}

export function miniSchemaDocument(snaptime = '2TA-0000-0001') {
  const schema = (name: string, tables: Record<string, TableSpec>) => ({
    schema_name: name,
    tables: Object.fromEntries(
      Object.entries(tables).map(([table, spec]) => [table, tableDocument(name, table, spec)]),
    ),
  });
  return {
    snaptime,
    schemas: { 'deriva-ml': schema('deriva-ml', ML_TABLES), lab: schema('lab', LAB_TABLES) },
  };
}

export interface MiniBagOptions {
  images?: number;
  /** Label per image index for the first execution (E1); undefined = unlabeled. */
  labels?: (index: number) => string | undefined;
  rid?: string;
}

export const MINI_LABELS = ['Cat', 'Dog', 'Bird'];
const RCT = '2026-01-01 10:00:00.000000+00';

function csv(header: string[], rows: (string | number | null)[][]): string {
  const cell = (value: string | number | null) => {
    if (value === null) return '';
    const text = String(value);
    return /[",\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [header.join(','), ...rows.map((row) => row.map(cell).join(','))].join('\n') + '\n';
}

/** Writes `Dataset_<rid>/` under `parent` and returns its path. Image bytes are small PNG-less blobs. */
export function buildMiniBag(parent: string, options: MiniBagOptions = {}): string {
  const rid = options.rid ?? 'D1';
  const images = options.images ?? 6;
  const bag = path.join(parent, `Dataset_${rid}`);
  const write = (relative: string, content: string | Buffer) => {
    fs.mkdirSync(path.dirname(path.join(bag, relative)), { recursive: true });
    fs.writeFileSync(path.join(bag, relative), content);
  };
  const system = (id: string) => [id, RCT, RCT, 'tester', 'tester'];
  const sys = ['RID', 'RCT', 'RMT', 'RCB', 'RMB'];
  write('bagit.txt', 'BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n');
  write('data/schema.json', JSON.stringify(miniSchemaDocument()));
  const train = `${rid}-T`;
  write(
    'data/deriva-ml/Dataset.csv',
    csv(
      [...sys, 'Description', 'Deleted', 'Version'],
      [
        [...system(rid), 'Mini, "root"', 'f', null],
        [...system(train), 'Training part', 'f', null],
      ],
    ),
  );
  write(
    'data/deriva-ml/Dataset_Dataset.csv',
    csv([...sys, 'Dataset', 'Nested_Dataset'], [[...system('DD1'), rid, train]]),
  );
  write(
    'data/deriva-ml/Dataset_Type.csv',
    csv(
      [...sys, 'ID', 'URI', 'Name', 'Description', 'Synonyms'],
      [
        [...system('T1'), 'x:T1', '/id/T1', 'Training', 'Train split', null],
        [...system('T2'), 'x:T2', '/id/T2', 'Complete', 'All', '{All,Everything}'],
      ],
    ),
  );
  write(
    'data/deriva-ml/Dataset_Dataset_Type.csv',
    csv(
      [...sys, 'Dataset', 'Dataset_Type'],
      [
        [...system('DT1'), rid, 'Complete'],
        [...system('DT2'), train, 'Training'],
      ],
    ),
  );
  write(
    'data/deriva-ml/Dataset_Version.csv',
    csv(
      [...sys, 'Version', 'Description', 'Dataset', 'Execution', 'Snapshot'],
      [
        [...system('V1'), '0.9.0', 'old', rid, null, '2T0-0000-0000'],
        [...system('V2'), '0.10.0', 'new', rid, null, null],
        [...system('V3'), '0.10.0', 'new', train, null, null],
      ],
    ),
  );
  write(
    'data/deriva-ml/Feature_Name.csv',
    csv(
      [...sys, 'ID', 'URI', 'Name', 'Description', 'Synonyms'],
      [[...system('FN1'), 'x:FN1', '/id/FN1', 'Label', 'Image label', null]],
    ),
  );
  write(
    'data/deriva-ml/Workflow.csv',
    csv(
      [...sys, 'Name', 'Description', 'URL', 'Checksum', 'Version'],
      [[...system('W1'), 'Manual', null, 'https://example.org/w', 'abc', '1']],
    ),
  );
  write(
    'data/deriva-ml/Execution.csv',
    csv(
      [...sys, 'Workflow', 'Description', 'Status', 'Status_Detail'],
      [[...system('E1'), 'W1', 'first labels', 'Uploaded', null]],
    ),
  );
  write(
    'data/lab/Label.csv',
    csv(
      [...sys, 'ID', 'URI', 'Name', 'Description', 'Synonyms'],
      MINI_LABELS.map((name, index) => [
        ...system(`L${index}`),
        `x:L${index}`,
        `/id/L${index}`,
        name,
        `A ${name.toLowerCase()}`,
        null,
      ]),
    ),
  );
  const imageRows: (string | number | null)[][] = [];
  const members: (string | number | null)[][] = [];
  const labels: (string | number | null)[][] = [];
  const fetchLines: string[] = [];
  for (let index = 0; index < images; index++) {
    const imageRid = `I${index}`;
    const filename = `image_${index}.bin`;
    const bytes = Buffer.from(`image ${index} of ${rid}\n`);
    const md5 = crypto.createHash('md5').update(bytes).digest('hex');
    const url = `/hatrac/Image/${md5}.${filename}:V${index}`;
    imageRows.push([...system(imageRid), url, filename, null, bytes.length, md5, 64 + index, '2026-01-01']);
    members.push([...system(`M${index}`), index % 2 === 0 ? rid : train, imageRid]);
    const relative = `data/asset/${imageRid}/Image/${filename}`;
    write(relative, bytes);
    fetchLines.push(`https://catalog.example.org${url}\t${bytes.length}\t${relative}`);
    const label = options.labels ? options.labels(index) : MINI_LABELS[index % MINI_LABELS.length];
    if (label) labels.push([...system(`F${index}`), 'E1', imageRid, 'Label', label, 0.5]);
  }
  write(
    'data/lab/Image.csv',
    csv([...sys, 'URL', 'Filename', 'Description', 'Length', 'MD5', 'Width', 'Taken'], imageRows),
  );
  write('data/lab/Dataset_Image.csv', csv([...sys, 'Dataset', 'Image'], members));
  write(
    'data/lab/Execution_Image_Label.csv',
    csv([...sys, 'Execution', 'Image', 'Feature_Name', 'Label', 'Score'], labels),
  );
  write('fetch.txt', fetchLines.join('\n') + '\n');
  refreshManifests(bag);
  return bag;
}

/** Rewrites manifest-md5/sha256, tagmanifests and bag-info's Payload-Oxum from the files on disk. */
export function refreshManifests(bag: string): void {
  const payload: string[] = [];
  const walk = (relative: string) => {
    for (const entry of fs.readdirSync(path.join(bag, relative), { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) payload.push(child);
    }
  };
  walk('data');
  payload.sort();
  const digest = (file: string, algorithm: string) =>
    crypto
      .createHash(algorithm)
      .update(fs.readFileSync(path.join(bag, file)))
      .digest('hex');
  const bytes = payload.reduce((sum, file) => sum + fs.statSync(path.join(bag, file)).size, 0);
  fs.writeFileSync(
    path.join(bag, 'bag-info.txt'),
    `Bag-Software-Agent: satchel-test\nPayload-Oxum: ${bytes}.${payload.length}\n`,
  );
  for (const algorithm of ['md5', 'sha256']) {
    fs.writeFileSync(
      path.join(bag, `manifest-${algorithm}.txt`),
      payload.map((file) => `${digest(file, algorithm)}  ${file}\n`).join(''),
    );
  }
  const tagFiles = [
    'bagit.txt',
    'bag-info.txt',
    'fetch.txt',
    'manifest-md5.txt',
    'manifest-sha256.txt',
  ].filter((file) => fs.existsSync(path.join(bag, file)));
  for (const algorithm of ['md5', 'sha256']) {
    fs.writeFileSync(
      path.join(bag, `tagmanifest-${algorithm}.txt`),
      tagFiles.map((file) => `${digest(file, algorithm)} ${file}\n`).join(''),
    );
  }
}
