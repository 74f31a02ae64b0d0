import type Database from 'better-sqlite3';
import { filterFacet, type FacetCounts, type MemberFilter, type ValueCount } from '../../../shared/bag.js';
import { SatchelError } from '../common/index.js';
import { quoteIdentifier as q } from './importer.js';
import type { CatalogModel, ElementType, FeatureTable } from './model.js';
import { storageClass } from './values.js';

/**
 * The filterable grid's conditions as SQL. Every filter is a subquery of the member RIDs it keeps,
 * answered from the indexed feature and member tables; filters of one facet are joined with OR, facets
 * with AND. Counts are GROUP BY queries over the members that pass the other facets.
 */

/** How many values of a member column the counts list. */
const COLUMN_VALUES = 50;

export interface FilterClauses {
  clauses: string[];
  values: unknown[];
}

export function featureKey(feature: FeatureTable): string {
  return `${feature.target.name}/${feature.name}`;
}

/** The features whose target is the element type, by key (`Image/Digit`). */
function featuresOf(model: CatalogModel, type: ElementType): Map<string, FeatureTable> {
  return new Map(
    model.features
      .filter((feature) => feature.target === type.table)
      .map((feature) => [featureKey(feature), feature]),
  );
}

/** The column compared between raters: the first term column, else the first value column (as labeling does). */
function labelColumn(feature: FeatureTable): string | null {
  return feature.termColumns[0]?.column ?? feature.valueColumns[0]?.name ?? null;
}

function numberColumns(feature: FeatureTable): string[] {
  return feature.valueColumns
    .filter((column) => {
      const storage = storageClass(column);
      return storage === 'integer' || storage === 'real';
    })
    .map((column) => column.name);
}

export class MemberFilters {
  private readonly features: Map<string, FeatureTable>;

  constructor(
    private readonly model: CatalogModel,
    private readonly type: ElementType,
  ) {
    this.features = featuresOf(model, type);
  }

  /** WHERE clauses on `rid` (an SQL expression of the member's RID) that keep the members passing every filter. */
  clauses(filters: readonly MemberFilter[], rid: string): FilterClauses {
    const byFacet = new Map<string, MemberFilter[]>();
    for (const filter of filters) {
      const facet = filterFacet(filter);
      byFacet.set(facet, [...(byFacet.get(facet) ?? []), filter]);
    }
    const clauses: string[] = [];
    const values: unknown[] = [];
    for (const group of byFacet.values()) {
      const alternatives = group.map((filter) => {
        const subquery = this.subquery(filter);
        values.push(...subquery.values);
        return `${rid} IN (${subquery.sql})`;
      });
      clauses.push(alternatives.length === 1 ? alternatives[0]! : `(${alternatives.join(' OR ')})`);
    }
    return { clauses, values };
  }

  private feature(key: string): FeatureTable {
    const feature = this.features.get(key);
    if (!feature) {
      const known = [...this.features.keys()].join(', ');
      throw new SatchelError(
        'unknown-feature',
        `${this.type.table.name} has no feature ${key} to filter by (it has ${known || 'none'}).`,
      );
    }
    return feature;
  }

  private requireColumn(feature: FeatureTable, column: string, allowed: string[], what: string): void {
    if (!allowed.includes(column))
      throw new SatchelError(
        'unknown-column',
        `${featureKey(feature)} has no ${what} column "${column}" (it has ${allowed.join(', ') || 'none'}).`,
      );
  }

  private subquery(filter: MemberFilter): { sql: string; values: unknown[] } {
    switch (filter.kind) {
      case 'value': {
        const feature = this.feature(filter.feature);
        const terms = feature.termColumns.map((term) => term.column);
        this.requireColumn(feature, filter.column, terms, 'term');
        return {
          sql: `SELECT ${q(feature.targetColumn)} FROM ${q(feature.table.qualified)} WHERE ${q(filter.column)} = ?`,
          values: [filter.value],
        };
      }
      case 'rater': {
        const tables = [...this.features.values()].filter((feature) =>
          feature.table.columnByName.has('Execution'),
        );
        if (tables.length === 0) return { sql: 'SELECT NULL WHERE 0', values: [] };
        return {
          sql: tables
            .map(
              (feature) =>
                `SELECT ${q(feature.targetColumn)} FROM ${q(feature.table.qualified)} WHERE "Execution" = ?`,
            )
            .join(' UNION ALL '),
          values: tables.map(() => filter.execution),
        };
      }
      case 'disagreement':
        return { sql: this.disagreeing(this.feature(filter.feature)), values: [] };
      case 'range': {
        const feature = this.feature(filter.feature);
        this.requireColumn(feature, filter.column, numberColumns(feature), 'number');
        const bounds = [`${q(filter.column)} IS NOT NULL`];
        const values: unknown[] = [];
        if (filter.min !== null) {
          bounds.push(`${q(filter.column)} >= ?`);
          values.push(filter.min);
        }
        if (filter.max !== null) {
          bounds.push(`${q(filter.column)} <= ?`);
          values.push(filter.max);
        }
        return {
          sql: `SELECT ${q(feature.targetColumn)} FROM ${q(feature.table.qualified)} WHERE ${bounds.join(' AND ')}`,
          values,
        };
      }
      case 'column': {
        const table = this.type.table;
        if (!table.columnByName.has(filter.column))
          throw new SatchelError('unknown-column', `${table.qualified} has no column "${filter.column}".`);
        const column = q(filter.column);
        const from = `SELECT "RID" FROM ${q(table.qualified)} WHERE`;
        if (filter.contains !== undefined)
          return {
            sql: `${from} instr(lower(CAST(${column} AS TEXT)), lower(?)) > 0`,
            values: [filter.contains],
          };
        if (filter.equals === null || filter.equals === undefined)
          return { sql: `${from} ${column} IS NULL`, values: [] };
        return {
          sql: `${from} ${column} = ?`,
          values: [typeof filter.equals === 'boolean' ? Number(filter.equals) : filter.equals],
        };
      }
    }
  }

  /** Targets whose executions' newest labels of the feature differ (drafts are not raters here). */
  private disagreeing(feature: FeatureTable): string {
    const label = labelColumn(feature);
    if (!label || !feature.table.columnByName.has('Execution')) return 'SELECT NULL WHERE 0';
    const target = q(feature.targetColumn);
    return `SELECT target FROM (
        SELECT ${target} AS target, ${q(label)} AS label,
          row_number() OVER (PARTITION BY ${target}, "Execution" ORDER BY "RCT" DESC, "RID" DESC) AS newest
        FROM ${q(feature.table.qualified)} WHERE ${q(label)} IS NOT NULL AND ${target} IS NOT NULL
      ) WHERE newest = 1 GROUP BY target HAVING count(DISTINCT label) > 1`;
  }

  /**
   * Counts of every facet of the element type. `members` is a temporary table of the member RIDs
   * (column `rid`); each facet is counted over the members that pass the other facets' filters.
   */
  counts(
    db: Database.Database,
    members: string,
    filters: readonly MemberFilter[],
    column: string | null,
  ): FacetCounts {
    const scopes = new Map<string, string>();
    let scopeCounter = 0;
    /** A temporary table of the members passing every filter except those of `facet` (made once per set). */
    const scope = (facet: string | null): string => {
      const kept = filters.filter((filter) => filterFacet(filter) !== facet);
      const key = JSON.stringify(kept);
      let table = scopes.get(key);
      if (!table) {
        table = `facet_scope_${++scopeCounter}`;
        const { clauses, values } = this.clauses(kept, 'rid');
        const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
        db.exec(`DROP TABLE IF EXISTS temp.${q(table)}`);
        db.prepare(`CREATE TEMP TABLE ${q(table)} (rid TEXT PRIMARY KEY) WITHOUT ROWID`).run();
        db.prepare(`INSERT INTO temp.${q(table)} SELECT rid FROM temp.${q(members)} ${where}`).run(...values);
        scopes.set(key, table);
      }
      return `temp.${q(table)}`;
    };
    const count = (sql: string, ...values: unknown[]) =>
      db
        .prepare(sql)
        .pluck()
        .get(...values) as number;
    try {
      const result: FacetCounts = {
        total: count(`SELECT count(*) FROM ${scope(null)}`),
        members: count(`SELECT count(*) FROM temp.${q(members)}`),
        values: [],
        raters: [],
        disagreements: [],
        ranges: [],
        column: null,
      };
      for (const [key, feature] of this.features) {
        const table = q(feature.table.qualified);
        const target = q(feature.targetColumn);
        for (const { column: term } of feature.termColumns) {
          const within = scope(`value ${key} ${term}`);
          const counts = db
            .prepare(
              `SELECT ${q(term)} AS value, count(DISTINCT ${target}) AS count FROM ${table}
               WHERE ${q(term)} IS NOT NULL AND ${target} IN (SELECT rid FROM ${within})
               GROUP BY ${q(term)} ORDER BY ${q(term)}`,
            )
            .all() as ValueCount[];
          result.values.push({ feature: key, column: term, counts });
        }
        result.disagreements.push({
          feature: key,
          count: count(
            `SELECT count(*) FROM (${this.disagreeing(feature)}) WHERE target IN (SELECT rid FROM ${scope(`disagreement ${key}`)})`,
          ),
        });
        for (const number of numberColumns(feature)) {
          const range = db
            .prepare(
              `SELECT min(${q(number)}) AS min, max(${q(number)}) AS max, count(DISTINCT ${target}) AS count FROM ${table}
               WHERE ${q(number)} IS NOT NULL AND ${target} IN (SELECT rid FROM ${scope(`range ${key} ${number}`)})`,
            )
            .get() as { min: number | null; max: number | null; count: number };
          result.ranges.push({ feature: key, column: number, ...range });
        }
      }
      result.raters = this.raterCounts(db, scope('rater'));
      if (column !== null) result.column = this.columnCounts(db, column, scope);
      return result;
    } finally {
      for (const table of scopes.values()) db.exec(`DROP TABLE IF EXISTS temp.${q(table)}`);
    }
  }

  private raterCounts(db: Database.Database, within: string): { execution: string; count: number }[] {
    const tables = [...this.features.values()].filter((feature) =>
      feature.table.columnByName.has('Execution'),
    );
    if (tables.length === 0) return [];
    const union = tables
      .map(
        (feature) =>
          `SELECT ${q(feature.targetColumn)} AS target, "Execution" AS execution FROM ${q(feature.table.qualified)} WHERE "Execution" IS NOT NULL`,
      )
      .join(' UNION ALL ');
    return db
      .prepare(
        `SELECT execution, count(DISTINCT target) AS count FROM (${union})
         WHERE target IN (SELECT rid FROM ${within}) GROUP BY execution ORDER BY execution`,
      )
      .all() as { execution: string; count: number }[];
  }

  private columnCounts(
    db: Database.Database,
    column: string,
    scope: (facet: string | null) => string,
  ): FacetCounts['column'] {
    const table = this.type.table;
    if (!table.columnByName.has(column))
      throw new SatchelError('unknown-column', `${table.qualified} has no column "${column}".`);
    const within = scope(`column ${column}`);
    const values = `SELECT m.${q(column)} AS value FROM ${q(table.qualified)} m WHERE m."RID" IN (SELECT rid FROM ${within})`;
    const counts = db
      .prepare(
        `SELECT value, count(*) AS count FROM (${values}) GROUP BY value ORDER BY count DESC, value LIMIT ${COLUMN_VALUES}`,
      )
      .all() as { value: unknown; count: number }[];
    const distinct = db
      .prepare(`SELECT count(DISTINCT value) + max(value IS NULL) FROM (${values})`)
      .pluck()
      .get() as number | null;
    return {
      column,
      counts: counts.map((entry) => ({
        value: entry.value === null ? null : String(entry.value),
        count: entry.count,
      })),
      distinct: distinct ?? 0,
    };
  }
}
