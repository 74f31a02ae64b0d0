import type Database from 'better-sqlite3';
import { filterFacet, type FacetCounts, type MemberFilter, type ValueCount } from '../../../shared/bag.js';
import { SatchelError } from '../common/index.js';
import { quoteIdentifier as q } from './sql.js';
import type { CatalogModel, ElementType, FeatureTable } from './model.js';
import { facetTablesOf, numberColumns, raterTableOf, type FacetTables } from './facet-tables.js';

/**
 * The filterable grid's conditions as SQL. The bag database is read-only, so per element type the
 * distinct labels, disagreeing targets, number ranges and raters of every feature are gathered once into
 * indexed temporary tables (facet tables). A filter is then an EXISTS lookup per member; filters of one
 * facet are joined with OR, facets with AND; counts are GROUP BY queries over the facet tables,
 * restricted to the members that pass the other facets.
 */

/** How many values of a member column the counts list. */
const COLUMN_VALUES = 50;

export interface FilterClauses {
  clauses: string[];
  values: unknown[];
}

function featureKey(feature: FeatureTable): string {
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

let scopeCounter = 0;

export class MemberFilters {
  private readonly features: Map<string, FeatureTable>;

  constructor(
    private readonly db: Database.Database,
    model: CatalogModel,
    private readonly type: ElementType,
  ) {
    this.features = featuresOf(model, type);
  }

  /** The facet tables the import wrote for a feature (see facet-tables.ts). */
  private facetTables(key: string): FacetTables {
    return facetTablesOf(this.feature(key));
  }

  private raters(): string {
    return raterTableOf(this.type.table.qualified);
  }

  /**
   * WHERE clauses on `rid` (an SQL expression of the member's RID, qualified by its table's alias: a bare
   * `rid` would name the RID column of the tables the conditions look in) that keep the members passing
   * every filter.
   */
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
        const condition = this.condition(filter, rid);
        values.push(...condition.values);
        return condition.sql;
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

  /**
   * A filter as a correlated EXISTS on `rid`: one indexed lookup per member (facet tables, the feature
   * table's target index, the member table's key), whatever the size of the other side.
   */
  private condition(filter: MemberFilter, rid: string): { sql: string; values: unknown[] } {
    switch (filter.kind) {
      case 'value': {
        const feature = this.feature(filter.feature);
        const terms = feature.termColumns.map((term) => term.column);
        this.requireColumn(feature, filter.column, terms, 'term');
        const { terms: table } = this.facetTables(filter.feature);
        return {
          sql: `EXISTS (SELECT 1 FROM ${table} WHERE col = ? AND value = ? AND target = ${rid})`,
          values: [filter.column, filter.value],
        };
      }
      case 'rater':
        return {
          sql: `EXISTS (SELECT 1 FROM ${this.raters()} WHERE execution = ? AND target = ${rid})`,
          values: [filter.execution],
        };
      case 'disagreement': {
        const { disagreeing } = this.facetTables(filter.feature);
        return { sql: `EXISTS (SELECT 1 FROM ${disagreeing} WHERE target = ${rid})`, values: [] };
      }
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
          sql: `EXISTS (SELECT 1 FROM ${q(feature.table.qualified)} WHERE ${q(feature.targetColumn)} = ${rid} AND ${bounds.join(' AND ')})`,
          values,
        };
      }
      case 'column': {
        const table = this.type.table;
        if (!table.columnByName.has(filter.column))
          throw new SatchelError('unknown-column', `${table.qualified} has no column "${filter.column}".`);
        const column = `m.${q(filter.column)}`;
        const exists = (test: string) =>
          `EXISTS (SELECT 1 FROM ${q(table.qualified)} m WHERE m."RID" = ${rid} AND ${test})`;
        if (filter.contains !== undefined)
          return {
            sql: exists(`instr(lower(CAST(${column} AS TEXT)), lower(?)) > 0`),
            values: [filter.contains],
          };
        if (filter.equals === null || filter.equals === undefined)
          return { sql: exists(`${column} IS NULL`), values: [] };
        return {
          sql: exists(`${column} = ?`),
          values: [typeof filter.equals === 'boolean' ? Number(filter.equals) : filter.equals],
        };
      }
    }
  }

  /**
   * Counts of every facet of the element type. `members` is a temporary table of the member RIDs
   * (column `rid`); each facet is counted over the members that pass the other facets' filters.
   */
  counts(members: string, filters: readonly MemberFilter[], column: string | null): FacetCounts {
    const db = this.db;
    const scopes = new Map<string, string>();
    /** A temporary table of the members passing every filter except those of `facet` (made once per set). */
    const scope = (facet: string | null): string => {
      const kept = filters.filter((filter) => filterFacet(filter) !== facet);
      const key = JSON.stringify(kept);
      let table = scopes.get(key);
      if (!table) {
        table = `facet_scope_${++scopeCounter}`;
        const { clauses, values } = this.clauses(kept, 's.rid');
        const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
        db.prepare(`CREATE TEMP TABLE ${table} (rid TEXT PRIMARY KEY) WITHOUT ROWID`).run();
        db.prepare(`INSERT INTO temp.${table} SELECT s.rid FROM temp.${q(members)} s ${where}`).run(
          ...values,
        );
        scopes.set(key, table);
      }
      return `temp.${table}`;
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
        const tables = this.facetTables(key);
        for (const { column: term } of feature.termColumns) {
          const counts = db
            .prepare(
              `SELECT value, count(*) AS count FROM ${tables.terms}
               WHERE col = ? AND target IN (SELECT rid FROM ${scope(`value ${key} ${term}`)})
               GROUP BY value ORDER BY value`,
            )
            .all(term) as ValueCount[];
          result.values.push({ feature: key, column: term, counts });
        }
        result.disagreements.push({
          feature: key,
          count: count(
            `SELECT count(*) FROM ${tables.disagreeing} WHERE target IN (SELECT rid FROM ${scope(`disagreement ${key}`)})`,
          ),
        });
        for (const number of numberColumns(feature)) {
          const range = db
            .prepare(
              `SELECT min(low) AS min, max(high) AS max, count(*) AS count FROM ${tables.numbers}
               WHERE col = ? AND target IN (SELECT rid FROM ${scope(`range ${key} ${number}`)})`,
            )
            .get(number) as { min: number | null; max: number | null; count: number };
          result.ranges.push({ feature: key, column: number, ...range });
        }
      }
      result.raters = db
        .prepare(
          `SELECT execution, count(*) AS count FROM ${this.raters()}
           WHERE target IN (SELECT rid FROM ${scope('rater')}) GROUP BY execution ORDER BY execution`,
        )
        .all() as { execution: string; count: number }[];
      if (column !== null) result.column = this.columnCounts(column, scope);
      return result;
    } finally {
      for (const table of scopes.values()) db.exec(`DROP TABLE IF EXISTS temp.${table}`);
    }
  }

  private columnCounts(column: string, scope: (facet: string | null) => string): FacetCounts['column'] {
    const table = this.type.table;
    if (!table.columnByName.has(column))
      throw new SatchelError('unknown-column', `${table.qualified} has no column "${column}".`);
    const within = scope(`column ${column}`);
    const values = `SELECT m.${q(column)} AS value FROM ${q(table.qualified)} m WHERE m."RID" IN (SELECT rid FROM ${within})`;
    const counts = this.db
      .prepare(
        `SELECT value, count(*) AS count FROM (${values}) GROUP BY value ORDER BY count DESC, value LIMIT ${COLUMN_VALUES}`,
      )
      .all() as { value: unknown; count: number }[];
    const distinct = this.db
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
