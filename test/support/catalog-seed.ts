import fs from 'node:fs';
import path from 'node:path';
import type { Bag } from '../../main/core/bag/index.js';
import type { CatalogHandle, StandIn } from '../stand-in/index.js';

/**
 * Makes a stand-in catalog out of an opened bag: its schema.json model and every row it holds,
 * inserted in foreign-key order — so commit and download tests run without the fixtures.
 */
export function seedCatalogFromBag(standIn: StandIn, bag: Bag, id = '1'): CatalogHandle {
  const catalog = standIn.createCatalog({ id, owner: ['testadmin'], acls: { select: ['testuser'], enumerate: ['testuser'] } });
  catalog.defineModel(JSON.parse(fs.readFileSync(path.join(bag.root, 'data', 'schema.json'), 'utf8')));
  for (const table of insertionOrder(bag)) {
    const rows = bag.rows(table, { limit: 5000 }).rows;
    if (rows.length > 0) catalog.insertRows(table, rows);
  }
  return catalog;
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
