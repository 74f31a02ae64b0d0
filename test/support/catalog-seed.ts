import fs from 'node:fs';
import path from 'node:path';
import type { Row } from '../../shared/bag.js';
import type { Bag } from '../../main/core/bag/index.js';
import type { CatalogHandle, StandIn } from '../stand-in/index.js';

const PAGE = 5000;

/**
 * Makes a stand-in catalog out of an opened bag: its schema.json model and every row it holds,
 * inserted in foreign-key order — so commit and download tests run without the fixtures.
 */
export function seedCatalogFromBag(standIn: StandIn, bag: Bag, id = '1'): CatalogHandle {
  const catalog = standIn.createCatalog({
    id,
    owner: ['testadmin'],
    acls: { select: ['testuser'], enumerate: ['testuser'] },
  });
  const document = JSON.parse(fs.readFileSync(path.join(bag.root, 'data', 'schema.json'), 'utf8')) as {
    schemas: Record<string, unknown>;
  };
  // Every new catalog already has its public schema (ERMrest_Client, ERMrest_RID_Lease).
  delete document.schemas.public;
  catalog.defineModel(document);
  const inserted = new Set<string>();
  const patches: { table: string; rows: Record<string, unknown>[] }[] = [];
  for (const qualified of insertionOrder(bag)) {
    const table = bag.model.table(qualified)!;
    // A foreign key into a table not loaded yet (a cycle such as Dataset ↔ Dataset_Version) is
    // inserted as NULL and patched once everything is in.
    const deferred = table.foreignKeys
      .filter(
        (fk) =>
          fk.columns.length === 1 &&
          fk.schema !== 'public' &&
          !inserted.has(`${fk.schema}:${fk.table}`) &&
          `${fk.schema}:${fk.table}` !== qualified,
      )
      .map((fk) => fk.columns[0]!)
      .filter((column) => table.columnByName.get(column)?.nullok);
    const rows = allRows(bag, qualified);
    if (rows.length > 0)
      catalog.insertRows(
        qualified,
        rows.map((row) => ({ ...row, ...Object.fromEntries(deferred.map((column) => [column, null])) })),
      );
    if (deferred.length > 0 && rows.length > 0) {
      patches.push({
        table: qualified,
        rows: rows.map((row) => ({
          RID: row.RID,
          ...Object.fromEntries(deferred.map((column) => [column, row[column] ?? null])),
        })),
      });
    }
    inserted.add(qualified);
  }
  for (const patch of patches) catalog.updateRows(patch.table, ['RID'], patch.rows);
  seedAssetsFromBag(standIn, bag);
  return catalog;
}

/** Puts every asset file the bag holds into the stand-in's Hatrac at its row's URL and version. */
function seedAssetsFromBag(standIn: StandIn, bag: Bag): void {
  for (const table of bag.model.tables.values()) {
    if (table.kind !== 'asset') continue;
    for (const row of allRows(bag, table.qualified)) {
      const url = typeof row.URL === 'string' ? row.URL : null;
      const file = bag.assetFile(table.qualified, String(row.RID));
      if (!url?.startsWith('/hatrac/') || !file?.exists) continue;
      const [objectPath, version] = url.split(':') as [string, string | undefined];
      standIn.putObject(objectPath, fs.readFileSync(file.path), { version });
    }
  }
}

function allRows(bag: Bag, table: string): Row[] {
  const rows: Row[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = bag.rows(table, { offset, limit: PAGE });
    rows.push(...page.rows);
    if (rows.length >= page.total || page.rows.length === 0) return rows;
  }
}

/** Tables ordered so that every referenced table comes first (cycles broken arbitrarily). */
function insertionOrder(bag: Bag): string[] {
  const tables = [...bag.model.tables.values()].filter((table) => table.schema !== 'public');
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (qualified: string) => {
    if (ordered.includes(qualified) || visiting.has(qualified)) return;
    visiting.add(qualified);
    const table = bag.model.table(qualified)!;
    for (const fk of table.foreignKeys) {
      const referenced = `${fk.schema}:${fk.table}`;
      if (referenced !== qualified && fk.schema !== 'public') visit(referenced);
    }
    ordered.push(qualified);
  };
  for (const table of tables) visit(table.qualified);
  return ordered;
}
