import Database from 'better-sqlite3';
import type { Badge } from '../../../shared/contract.js';
import { distinctNames, raterKind, raterName, type RaterInfo } from '../../../shared/raters.js';
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
    const kinds = new Map(this.raters().map((rater) => [rater.execution, rater.kind]));
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
          from: kinds.get(String(newest.execution)) ?? 'unknown',
        });
      }
    }
    return result;
  }

  /**
   * Every execution that gave feature values, with its rows per feature and whether it is a person or
   * a model (Workflow_Type where the bag has it, else the descriptions). Read once per bag.
   */
  raters(): RaterInfo[] {
    this.raterCache ??= distinctNames(this.readRaters());
    return this.raterCache;
  }

  private raterCache: RaterInfo[] | undefined;

  private readRaters(): RaterInfo[] {
    const counts = new Map<string, Record<string, number>>();
    const features = new Map(this.bag.model.features.map((feature) => [feature.table.qualified, feature]));
    for (const { feature: table, execution, rows } of this.bag.raterRows()) {
      const feature = features.get(table);
      if (!feature) continue;
      const key = `${feature.target.name}/${feature.name}`;
      (counts.get(execution) ?? counts.set(execution, {}).get(execution)!)[key] = rows;
    }
    const executions = this.rowsById(`${ML_SCHEMA}:Execution`, ['Description', 'Workflow']);
    const workflows = this.rowsById(`${ML_SCHEMA}:Workflow`, ['Name', 'Description', 'Workflow_Type']);
    const typesOf = this.workflowTypes();
    return [...counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([execution, features]) => {
        const row = executions.get(execution);
        const workflowRid = text(row?.Workflow);
        const workflow = workflowRid ? workflows.get(workflowRid) : undefined;
        const description = text(row?.Description);
        const workflowTypes = [
          ...(workflowRid ? (typesOf.get(workflowRid) ?? []) : []),
          ...(text(workflow?.Workflow_Type) ? [text(workflow?.Workflow_Type)!] : []),
        ];
        const kind = raterKind(workflowTypes, [
          description,
          text(workflow?.Name),
          text(workflow?.Description),
        ]);
        return {
          execution,
          description,
          workflow: text(workflow?.Name) ?? workflowRid,
          workflowTypes,
          kind,
          name: raterName(execution, description, kind),
          features,
        };
      });
  }

  /** Rows of a table by RID, with the named columns it has (a missing table or column reads as none). */
  private rowsById(qualified: string, columns: string[]): Map<string, Record<string, unknown>> {
    const table = this.bag.model.table(qualified);
    if (!table || !this.stored(table)) return new Map();
    const present = columns.filter((column) => table.columnByName.has(column));
    const select = ['"RID"', ...present.map(q)].join(', ');
    const rows = this.db.prepare(`SELECT ${select} FROM ${q(table.qualified)}`).all() as Record<
      string,
      unknown
    >[];
    return new Map(rows.map((row) => [String(row.RID), row]));
  }

  /** Workflow_Type terms per workflow from deriva-ml's Workflow_Workflow_Type, where the bag has it. */
  private workflowTypes(): Map<string, string[]> {
    const link = this.bag.model.table(`${ML_SCHEMA}:Workflow_Workflow_Type`);
    const types = new Map<string, string[]>();
    if (
      !link ||
      !this.stored(link) ||
      !link.columnByName.has('Workflow') ||
      !link.columnByName.has('Workflow_Type')
    )
      return types;
    const rows = this.db
      .prepare(`SELECT "Workflow" AS workflow, "Workflow_Type" AS type FROM ${q(link.qualified)}`)
      .all() as { workflow: string; type: string }[];
    for (const row of rows) types.set(row.workflow, [...(types.get(row.workflow) ?? []), row.type]);
    return types;
  }

  /** Whether the bag database holds the table (tables without a CSV may have none). */
  private stored(table: Table): boolean {
    return (
      this.db
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        .get(table.qualified) !== undefined
    );
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

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
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
