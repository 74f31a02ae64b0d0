import Database from 'better-sqlite3';
import type { Badge } from '../../../shared/contract.js';
import type { Bag, FeatureTable, Table } from '../bag/index.js';

const ML_SCHEMA = 'deriva-ml';

function q(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Small per-request queries the grid and the detail view need, on a second read-only connection
 * to the bag database: they must not disturb the Bag's cached member selections.
 */
export class BagLookups {
  private readonly db: Database.Database;

  constructor(private readonly bag: Bag) {
    this.db = new Database(bag.identity.databasePath, { readonly: true, fileMustExist: true });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Label badges for the targets on one page: per feature of the element type, the newest value of
   * its first term column (else its first value column), how many executions gave one, and whether
   * they disagree. One query per feature for the whole page.
   */
  badges(elementTable: Table, rids: string[]): Record<string, Badge[]> {
    const result: Record<string, Badge[]> = {};
    if (rids.length === 0) return result;
    for (const feature of this.bag.model.features.filter((candidate) => candidate.target === elementTable)) {
      const column = feature.termColumns[0]?.column ?? feature.valueColumns[0]?.name;
      if (!column) continue;
      const isBoolean = feature.table.columnByName.get(column)?.typename === 'boolean';
      const qualifiers = feature.qualifierColumns.map((name) => `, f.${q(name)}`).join('');
      const rows = this.db
        .prepare(
          `SELECT f.${q(feature.targetColumn)} AS target, f."Execution" AS execution, f."RCT" AS rct, f.${q(column)} AS value${qualifiers}
           FROM ${q(feature.table.qualified)} f
           WHERE f.${q(feature.targetColumn)} IN (SELECT value FROM json_each(?)) AND f.${q(column)} IS NOT NULL
           ORDER BY f.${q(feature.targetColumn)}, f."RID"`,
        )
        .all(JSON.stringify(rids)) as Record<string, unknown>[];
      for (const [target, records] of groupBy(rows, (row) => String(row.target))) {
        const newest = records.reduce((best, record) =>
          String(record.rct ?? '') > String(best.rct ?? '') ? record : best,
        );
        const text = (value: unknown) => (isBoolean ? String(value === 1) : String(value));
        const valuesByQualifier = groupBy(records, (record) =>
          JSON.stringify(feature.qualifierColumns.map((name) => record[name] ?? null)),
        );
        const disagreement = [...valuesByQualifier.values()].some(
          (group) => new Set(group.map((record) => text(record.value))).size > 1,
        );
        (result[target] ??= []).push({
          feature: feature.name,
          value: text(newest.value),
          executions: new Set(records.map((record) => record.execution ?? null)).size,
          disagreement,
        });
      }
    }
    return result;
  }

  /** Asset_Type terms of an asset, from `<Table>_Asset_Type`. */
  assetTypes(assetTable: Table, rid: string): string[] {
    const link = this.linkTable(assetTable, 'Asset_Type');
    if (!link?.columnByName.has('Asset_Type')) return [];
    return this.db
      .prepare(
        `SELECT "Asset_Type" FROM ${q(link.qualified)} WHERE ${q(assetTable.name)} = ? ORDER BY "Asset_Type"`,
      )
      .pluck()
      .all(rid) as string[];
  }

  /** `<Table>_Execution` rows of an asset with the description of each execution. */
  provenance(
    assetTable: Table,
    rid: string,
  ): { execution: string; role: string | null; description: string | null }[] {
    const link = this.linkTable(assetTable, 'Execution');
    if (!link?.columnByName.has('Execution')) return [];
    const role = link.columnByName.has('Asset_Role') ? 'l."Asset_Role"' : 'NULL';
    const execution = this.bag.model.table(`${ML_SCHEMA}:Execution`);
    const description = execution?.columnByName.has('Description') ? 'e."Description"' : 'NULL';
    const join = execution ? `LEFT JOIN ${q(execution.qualified)} e ON e."RID" = l."Execution"` : '';
    return this.db
      .prepare(
        `SELECT l."Execution" AS execution, ${role} AS role, ${description} AS description
         FROM ${q(link.qualified)} l ${join} WHERE l.${q(assetTable.name)} = ? ORDER BY l."RID"`,
      )
      .all(rid) as { execution: string; role: string | null; description: string | null }[];
  }

  /** RIDs of the rows of one feature about one target, oldest first. */
  featureRowRids(feature: FeatureTable, targetRid: string): string[] {
    return this.db
      .prepare(
        `SELECT "RID" FROM ${q(feature.table.qualified)} WHERE ${q(feature.targetColumn)} = ? ORDER BY "RCT", "RID"`,
      )
      .pluck()
      .all(targetRid) as string[];
  }

  /** `<Table>_<suffix>` in the asset's schema (where deriva-ml creates it) or anywhere unique. */
  private linkTable(assetTable: Table, suffix: string): Table | undefined {
    const name = `${assetTable.name}_${suffix}`;
    const table = this.bag.model.table(`${assetTable.schema}:${name}`) ?? this.bag.model.resolve(name);
    return table && table.columnByName.has(assetTable.name) ? table : undefined;
  }
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
