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
  options: { world?: World; id?: string } = {},
): Promise<SeededWorld> {
  const world = options.world ?? (await buildWorld());
  const catalog = standIn.createCatalog({
    id: options.id ?? '1',
    owner: [OWNER],
    name: 'digits',
    description: 'Handwritten digits (the Satchel sample world)',
    acls: { select: ['testuser'], enumerate: ['testuser'] },
  });
  const model = world.schema('') as SchemaDocument & { schemas: Record<string, unknown> };
  const schemas = { ...model.schemas };
  // Every new catalog already has its public schema.
  delete schemas.public;
  catalog.defineModel({ schemas });

  const snaptimes: Record<string, string> = {};
  for (const release of RELEASES) {
    const rows = [...world.tables.entries()].flatMap(([qualified, table]) =>
      rowsAt(table, release)
        .filter((_, index) => table.rows[index]!.release === release)
        .map((values) => ({
          table: qualified,
          rid: String(values.RID),
          values: { ...values, ...unstamped(qualified) },
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
