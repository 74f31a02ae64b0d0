import {
  csvText,
  rowsAt,
  writeBagIt,
  WORLD_ORIGIN,
  WORLD_SNAPTIMES,
  type CsvCell,
  type Release,
  type World,
} from '../../../main/core/sample/index.js';

type Row = Record<string, CsvCell>;

/**
 * The sample world as deriva-ml 1.24 (the PyPI release) exports it: Format A, one CSV per foreign-key
 * path from the dataset (`data/Dataset/Dataset_Dataset/Dataset/Dataset_Image/Image.csv`), every
 * vocabulary at the data root, header-only CSVs for empty paths, no Execution or Workflow, md5 only.
 */
export function writeFormatABag(bagDir: string, world: World, release: Release): void {
  const rows = (table: string): Row[] => {
    const entry = world.tables.get(table);
    return entry ? rowsAt(entry, release) : [];
  };
  const columns = (table: string): string[] => world.tables.get(table)!.columns;
  const where = (table: string, column: string, values: Iterable<CsvCell>) => {
    const wanted = new Set(values);
    return rows(table).filter((row) => wanted.has(row[column] ?? null));
  };
  const values = (selected: Row[], column: string) => selected.map((row) => row[column] ?? null);

  const files = new Map<string, Uint8Array>();
  const put = (relative: string, table: string, selected: Row[]) => {
    const header = columns(table);
    files.set(
      `data/${relative}.csv`,
      Buffer.from(
        csvText(
          header,
          selected.map((row) => header.map((c) => row[c] ?? null)),
        ),
      ),
    );
  };

  for (const [qualified, table] of world.tables) {
    if (table.columns.includes('Synonyms') && table.columns.includes('URI'))
      put(table.table, qualified, rows(qualified));
  }
  files.set('data/schema.json', Buffer.from(JSON.stringify(world.schema(WORLD_SNAPTIMES[release]), null, 2)));

  const root = world.ids.datasets.complete;
  put('Dataset', 'deriva-ml:Dataset', where('deriva-ml:Dataset', 'RID', [root]));
  const datasetPaths = (prefix: string, datasets: string[]) => {
    put(
      `${prefix}/Dataset_Dataset_Type`,
      'deriva-ml:Dataset_Dataset_Type',
      where('deriva-ml:Dataset_Dataset_Type', 'Dataset', datasets),
    );
    const executions = where('deriva-ml:Dataset_Execution', 'Dataset', datasets);
    put(`${prefix}/Dataset_Execution`, 'deriva-ml:Dataset_Execution', executions);
    put(
      `${prefix}/Dataset_Execution/Dataset_Version`,
      'deriva-ml:Dataset_Version',
      where('deriva-ml:Dataset_Version', 'RID', values(executions, 'Dataset_Version')),
    );
    const versions = where('deriva-ml:Dataset_Version', 'Dataset', datasets);
    put(`${prefix}/Dataset_Version`, 'deriva-ml:Dataset_Version', versions);
    put(
      `${prefix}/Dataset_Version/Dataset_Execution`,
      'deriva-ml:Dataset_Execution',
      where('deriva-ml:Dataset_Execution', 'Dataset_Version', values(versions, 'RID')),
    );
  };
  datasetPaths('Dataset', [root]);
  const nesting = where('deriva-ml:Dataset_Dataset', 'Dataset', [root]);
  put('Dataset/Dataset_Dataset', 'deriva-ml:Dataset_Dataset', nesting);
  const children = values(nesting, 'Nested_Dataset').map(String);
  put('Dataset/Dataset_Dataset/Dataset', 'deriva-ml:Dataset', where('deriva-ml:Dataset', 'RID', children));
  const child = 'Dataset/Dataset_Dataset/Dataset';
  datasetPaths(child, children);

  // The root has no direct members: 1.24 drops association routes without members, so images appear
  // only under the nested datasets.
  const membership = where('digits:Dataset_Image', 'Dataset', children);
  put(`${child}/Dataset_Image`, 'digits:Dataset_Image', membership);
  const images = where('digits:Image', 'RID', values(membership, 'Image'));
  const image = `${child}/Dataset_Image/Image`;
  put(image, 'digits:Image', images);
  const imageRids = values(images, 'RID');
  const subjects = where('digits:Subject', 'RID', values(images, 'Subject'));
  put(`${image}/Subject`, 'digits:Subject', subjects);
  put(
    `${image}/Subject/Subject_Handedness`,
    'digits:Subject_Handedness',
    where('digits:Subject_Handedness', 'Subject', values(subjects, 'RID')),
  );
  for (const table of [
    'Image_Asset_Type',
    'Image_Execution',
    'Execution_Image_Digit',
    'Execution_Image_Quality',
  ])
    put(`${image}/${table}`, `digits:${table}`, where(`digits:${table}`, 'Image', imageRids));
  const regions = where('digits:Execution_Image_Region', 'Image', imageRids);
  put(`${image}/Execution_Image_Region`, 'digits:Execution_Image_Region', regions);
  const regionFiles = where('digits:Region_File', 'RID', values(regions, 'Region_File'));
  put(`${image}/Execution_Image_Region/Region_File`, 'digits:Region_File', regionFiles);
  for (const table of ['Region_File_Asset_Type', 'Region_File_Execution'])
    put(
      `${image}/Execution_Image_Region/Region_File/${table}`,
      `digits:${table}`,
      where(`digits:${table}`, 'Region_File', values(regionFiles, 'RID')),
    );

  const present = new Set([...imageRids, ...values(regionFiles, 'RID')]);
  const assets = world.assets
    .filter((asset) => present.has(asset.rid))
    .map((asset) => ({
      path: `data/asset/${asset.rid}/${asset.table.split(':')[1]}/${asset.filename}`,
      url: `${WORLD_ORIGIN}${asset.url}`,
      bytes: asset.bytes,
    }));
  writeBagIt(bagDir, {
    files,
    assets,
    bagInfo: { 'Bag-Software-Agent': 'Satchel sample builder (deriva-ml 1.24 layout)' },
    algorithms: ['md5'],
  });
}
