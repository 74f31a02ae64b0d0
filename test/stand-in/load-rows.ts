import { decodeRid } from './base32.js';
import type { CatalogHandle } from './index.js';

/** A row to load with its given RID and system columns; `table` is `schema:Table`. */
export interface SeedRow {
  table: string;
  rid: string;
  values: Record<string, unknown>;
}

export interface SchemaDocument {
  schemas: Record<
    string,
    {
      tables: Record<
        string,
        {
          foreign_keys: {
            foreign_key_columns: { column_name: string }[];
            referenced_columns: { schema_name: string; table_name: string; column_name: string }[];
          }[];
        }
      >;
    }
  >;
}

/**
 * Loads rows in RID order (the order a catalog created them) as one committed write, keeping their
 * system columns. A foreign key to a row created later (a cycle such as Dataset ↔ Dataset_Version) is
 * loaded as NULL and patched once everything is in, or left NULL when that row is not among `rows`.
 */
export function loadRows(
  catalog: CatalogHandle,
  rows: SeedRow[],
  model: SchemaDocument,
  owner: string,
): void {
  const sequenceOf = (rid: string) => decodeRid(rid)!;
  const ordered = [...rows].sort((a, b) => sequenceOf(a.rid) - sequenceOf(b.rid));
  const loaded = new Set(ordered.map((row) => row.rid));
  const forward = ridForeignKeys(model);
  const patches: { table: string; rid: string; column: string; value: unknown }[] = [];
  catalog.batch(() => {
    for (let start = 0; start < ordered.length;) {
      let end = start;
      while (end < ordered.length && ordered[end]!.table === ordered[start]!.table) end++;
      const batch = ordered.slice(start, end).map((row) => {
        const values: Record<string, unknown> = { ...row.values };
        for (const column of forward.get(row.table) ?? []) {
          const target = row.values[column];
          const targetSequence = typeof target === 'string' ? decodeRid(target) : undefined;
          if (targetSequence === undefined || targetSequence < sequenceOf(row.rid)) continue;
          values[column] = null;
          // A row created later is patched in once loaded; one left out stays NULL, as it was then.
          if (loaded.has(target as string))
            patches.push({ table: row.table, rid: row.rid, column, value: target });
        }
        return values;
      });
      catalog.insertRows(ordered[start]!.table, batch);
      start = end;
    }
    for (const patch of patches)
      catalog.updateRows(patch.table, ['RID'], [{ RID: patch.rid, [patch.column]: patch.value }], {
        as: owner,
      });
  });
}

/** Columns that reference another table's RID, per `schema:table`. */
function ridForeignKeys(model: SchemaDocument): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const [schemaName, schema] of Object.entries(model.schemas)) {
    for (const [tableName, table] of Object.entries(schema.tables)) {
      const columns = table.foreign_keys
        .filter((fk) => fk.referenced_columns.length === 1 && fk.referenced_columns[0]!.column_name === 'RID')
        .map((fk) => fk.foreign_key_columns[0]!.column_name);
      result.set(`${schemaName}:${tableName}`, columns);
    }
  }
  return result;
}
