// The sample world as a live catalog: the model, release 1.0.0 with its snapshot stamped, then the
// 1.1.0 additions and their snapshot, and every asset in Hatrac at its URL's version.
import { buildWorld, rowsAt, RELEASES, type World } from '../../main/core/sample/index.js';
import type { CatalogHandle, StandIn } from './index.js';
import { loadRows, type SchemaDocument } from './load-rows.js';

const OWNER = 'testadmin';

export interface SeededWorld {
  world: World;
  catalog: CatalogHandle;
  /** The stand-in's snaptime of each release, as stamped in Dataset_Version.Snapshot. */
  snaptimes: Record<string, string>;
}

export async function seedWorld(
  standIn: StandIn,
  /** `legacy`: the deriva-ml schema as deriva-ml 1.24 made it (see `asLegacy`). */
  options: { world?: World; id?: string; legacy?: boolean } = {},
): Promise<SeededWorld> {
  const world = options.world ?? (await buildWorld());
  const catalog = standIn.createCatalog({
    id: options.id ?? '1',
    owner: [OWNER],
    name: 'digits',
    description: 'Handwritten digits (the Satchel sample world)',
    acls: { select: ['testuser'], enumerate: ['testuser'] },
  });
  const head = world.schema('') as SchemaDocument & { schemas: Record<string, unknown> };
  const model = options.legacy ? asLegacy(head) : head;
  const schemas = { ...model.schemas };
  // Every new catalog already has its public schema.
  delete schemas.public;
  catalog.defineModel({ schemas });

  const snaptimes: Record<string, string> = {};
  for (const release of RELEASES) {
    const rows = [...world.tables.entries()]
      .filter(([qualified]) => !options.legacy || qualified !== 'deriva-ml:Execution_Status')
      .flatMap(([qualified, table]) =>
        rowsAt(table, release)
          .filter((_, index) => table.rows[index]!.release === release)
          .map((values) => ({
            table: qualified,
            rid: String(values.RID),
            values: {
              ...(options.legacy ? legacyRow(qualified, values) : values),
              ...unstamped(qualified),
            },
          })),
      );
    loadRows(catalog, rows, model, OWNER);
    const versions = rows.filter((row) => row.table === 'deriva-ml:Dataset_Version');
    // A new release points each dataset at its new version row (1.0.0's rows arrive with it).
    if (release !== RELEASES[0])
      catalog.updateRows(
        'deriva-ml:Dataset',
        ['RID'],
        versions.map((row) => ({ RID: row.values.Dataset, Version: row.rid })),
        { as: OWNER },
      );
    // deriva-ml reads the catalog snaptime, then stamps it on the new version rows.
    const snaptime = catalog.snaptime();
    catalog.updateRows(
      'deriva-ml:Dataset_Version',
      ['RID'],
      versions.map((row) => ({ RID: row.rid, Snapshot: snaptime })),
      { as: OWNER },
    );
    snaptimes[release] = snaptime;
  }
  for (const asset of world.assets) {
    const [objectPath, version] = asset.url.split(':') as [string, string];
    standIn.putObject(objectPath, asset.bytes, {
      version,
      contentType: asset.filename.endsWith('.png')
        ? 'image/png'
        : asset.filename.endsWith('.json')
          ? 'application/json'
          : 'image/jpeg',
      contentDisposition: `filename*=UTF-8''${encodeURIComponent(asset.filename)}`,
      owner: [OWNER],
    });
  }
  return { world, catalog, snaptimes };
}

/** Version rows are loaded unstamped: the stand-in stamps its own snaptime, as a release does. */
function unstamped(table: string): Record<string, unknown> {
  return table === 'deriva-ml:Dataset_Version' ? { Snapshot: null } : {};
}

interface ColumnDocument {
  name: string;
}
interface TableDocument {
  column_definitions: ColumnDocument[];
  foreign_keys: { foreign_key_columns: { column_name: string }[] }[];
}

/**
 * deriva-ml 1.24's ML schema (src/deriva_ml/schema/create_schema.py at v1.24.0): no Execution_Status
 * vocabulary (statuses are free text), one `Duration` column on Execution instead of
 * Execution_Duration, Download_Duration and Upload_Duration, and no Dataset_Version on
 * Dataset_Execution.
 */
function asLegacy<T extends SchemaDocument>(document: T): T {
  const legacy = structuredClone(document);
  const ml = (legacy.schemas as unknown as Record<string, { tables: Record<string, TableDocument> }>)[
    'deriva-ml'
  ]!;
  delete ml.tables.Execution_Status;
  const drop = (table: TableDocument, columns: string[]) => {
    table.column_definitions = table.column_definitions.filter((column) => !columns.includes(column.name));
    table.foreign_keys = table.foreign_keys.filter(
      (fk) => !fk.foreign_key_columns.some((column) => columns.includes(column.column_name)),
    );
  };
  const execution = ml.tables.Execution!;
  const duration = execution.column_definitions.find((column) => column.name === 'Execution_Duration')!;
  execution.column_definitions.push({ ...duration, name: 'Duration' });
  drop(execution, ['Execution_Duration', 'Download_Duration', 'Upload_Duration']);
  // The Status column stays; only its link to the vocabulary goes.
  execution.foreign_keys = execution.foreign_keys.filter(
    (fk) => !fk.foreign_key_columns.some((column) => column.column_name === 'Status'),
  );
  drop(ml.tables.Dataset_Execution!, ['Dataset_Version']);
  return legacy;
}

function legacyRow(table: string, values: Record<string, unknown>): Record<string, unknown> {
  const row = { ...values };
  if (table === 'deriva-ml:Execution') {
    row.Duration = row.Execution_Duration;
    for (const column of ['Execution_Duration', 'Download_Duration', 'Upload_Duration']) delete row[column];
  }
  if (table === 'deriva-ml:Dataset_Execution') delete row.Dataset_Version;
  return row;
}
