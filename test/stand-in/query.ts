// Compiles a parsed ERMrest data URL into one parameterized SQLite query over the visible row versions.
import type { Catalog } from './catalog.js';
import { ermrestError } from './http.js';
import { columnOf, findTable, qualifiedName, tableIn, type CatalogModel, type TableModel } from './model.js';
import { quoteIdent } from './store.js';
import type { ColumnRef, DataUrl, Filter, PathElement, Projection } from './url-grammar.js';
import { fromText, valueKind, ValueError, type SqlValue, type ValueKind } from './values.js';

export interface OutputColumn {
  name: string;
  kind: ValueKind;
}

/** Rows as arrays aligned with `columns`, values in stored form. */
export interface RowSet {
  columns: OutputColumn[];
  rows: SqlValue[][];
}

interface Instance {
  table: TableModel;
  sql: string;
}

interface Resolved {
  sql: string;
  kind: ValueKind;
  name: string;
}

/** Parses a URL literal for a column; ERMrest answers `400 Invalid int4: "forty"`. */
export function literalFor(kind: ValueKind, text: string): SqlValue {
  try {
    return fromText(kind, text);
  } catch (error) {
    if (error instanceof ValueError)
      throw ermrestError(400, `Invalid ${kind.typename}: ${JSON.stringify(text)}`);
    throw error;
  }
}

/** The FROM/WHERE part of a query: table instances joined along the path, filters ANDed. */
export class CompiledPath {
  readonly instances: Instance[] = [];
  private readonly aliases = new Map<string, Instance>();
  private readonly from: string[] = [];
  private readonly conditions: string[] = [];
  readonly fromParams: SqlValue[] = [];
  readonly whereParams: SqlValue[] = [];
  context!: Instance;

  constructor(
    private readonly catalog: Catalog,
    private readonly model: CatalogModel,
    private readonly at: number | undefined,
    path: PathElement[],
  ) {
    for (const element of path) this.add(element);
  }

  get sql(): string {
    return `FROM ${this.from.join(' ')}${this.conditions.length ? ` WHERE ${this.conditions.join(' AND ')}` : ''}`;
  }

  get params(): SqlValue[] {
    return [...this.fromParams, ...this.whereParams];
  }

  private instance(table: TableModel, alias: string | undefined): Instance {
    const instance = { table, sql: `t${this.instances.length}` };
    this.instances.push(instance);
    if (alias !== undefined) this.aliases.set(alias, instance);
    const visible = this.catalog.visibleRows(table, this.at);
    this.fromParams.push(...visible.params);
    return instance;
  }

  private join(
    table: TableModel,
    alias: string | undefined,
    pairs: [string, string][],
    outer?: string,
  ): void {
    const next = this.instance(table, alias);
    const on = pairs.map(([left, right]) => `${left} = ${next.sql}.${quoteIdent(right)}`).join(' AND ');
    this.from.push(
      `${outer ? outer.toUpperCase() + ' ' : ''}JOIN ${this.catalog.visibleRows(table, this.at).sql} AS ${next.sql} ON ${on}`,
    );
    this.context = next;
  }

  private add(element: PathElement): void {
    switch (element.kind) {
      case 'table': {
        const table = findTable(this.model, element.schema, element.table);
        if (this.instances.length === 0) {
          this.context = this.instance(table, element.alias);
          this.from.push(`${this.catalog.visibleRows(table, this.at).sql} AS ${this.context.sql}`);
          return;
        }
        this.join(table, element.alias, this.linkColumns(this.context, table));
        return;
      }
      case 'join': {
        const table = findTable(this.model, element.right.schema, element.right.table);
        if (element.left.length !== element.right.columns.length)
          throw ermrestError(400, 'Join column lists differ in length.');
        const left = element.left.map((ref) => this.resolve(ref).sql);
        element.right.columns.forEach((column) => columnOf(table, column));
        this.join(
          table,
          element.alias,
          left.map((sql, index) => [sql, element.right.columns[index]!]),
          element.outer,
        );
        return;
      }
      case 'link': {
        const names = element.columns.map((ref) => ref.name);
        const fk = this.context.table.foreign_keys.find(
          (candidate) => candidate.foreign_key_columns.map((ref) => ref.column_name).join() === names.join(),
        );
        if (!fk)
          throw ermrestError(
            409,
            `No foreign key on ${qualifiedName(this.context.table)} uses columns (${names.join(',')}).`,
          );
        const target = tableIn(
          this.model,
          fk.referenced_columns[0]!.schema_name,
          fk.referenced_columns[0]!.table_name,
        );
        const pairs = fk.foreign_key_columns.map((ref, index): [string, string] => [
          `${this.context.sql}.${quoteIdent(ref.column_name)}`,
          fk.referenced_columns[index]!.column_name,
        ]);
        this.join(target, element.alias, pairs);
        return;
      }
      case 'reset': {
        const instance = this.aliases.get(element.alias);
        if (!instance) throw ermrestError(409, `Unknown alias ${element.alias}.`);
        this.context = instance;
        return;
      }
      case 'filter':
        this.conditions.push(this.filter(element.filter));
        return;
    }
  }

  /** An implicit join follows a foreign key in either direction; with several, ERMrest silently picks one. */
  private linkColumns(from: Instance, to: TableModel): [string, string][] {
    const outbound = from.table.foreign_keys.find(
      (fk) =>
        fk.referenced_columns[0]!.schema_name === to.schema_name &&
        fk.referenced_columns[0]!.table_name === to.table_name,
    );
    if (outbound)
      return outbound.foreign_key_columns.map((ref, index) => [
        `${from.sql}.${quoteIdent(ref.column_name)}`,
        outbound.referenced_columns[index]!.column_name,
      ]);
    const inbound = to.foreign_keys.find(
      (fk) =>
        fk.referenced_columns[0]!.schema_name === from.table.schema_name &&
        fk.referenced_columns[0]!.table_name === from.table.table_name,
    );
    if (inbound)
      return inbound.referenced_columns.map((ref, index) => [
        `${from.sql}.${quoteIdent(ref.column_name)}`,
        inbound.foreign_key_columns[index]!.column_name,
      ]);
    throw ermrestError(409, `No foreign key links ${qualifiedName(from.table)} and ${qualifiedName(to)}.`);
  }

  instanceFor(ref: ColumnRef): Instance {
    if (ref.alias === undefined) return this.context;
    const instance = this.aliases.get(ref.alias);
    if (!instance) throw ermrestError(409, `Unknown alias ${ref.alias}.`);
    return instance;
  }

  resolve(ref: ColumnRef): Resolved {
    const instance = this.instanceFor(ref);
    const column = columnOf(instance.table, ref.name);
    return {
      sql: `${instance.sql}.${quoteIdent(column.name)}`,
      kind: valueKind(column.type.typename),
      name: column.name,
    };
  }

  private filter(filter: Filter): string {
    switch (filter.kind) {
      case 'and':
      case 'or':
        return `(${filter.items.map((item) => this.filter(item)).join(filter.kind === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${this.filter(filter.item)})`;
      case 'null':
        return `(${this.resolve(filter.column).sql} IS NULL)`;
      case 'compare':
        return this.comparison(filter.column, filter.operator, filter.value);
    }
  }

  private comparison(
    ref: ColumnRef,
    operator: string,
    value: Extract<Filter, { kind: 'compare' }>['value'],
  ): string {
    if (operator === 'regexp' || operator === 'ciregexp' || operator === 'ts') {
      if (!('literal' in value)) throw ermrestError(400, `Operator ${operator} takes one value.`);
      const pattern =
        operator === 'ts' ? value.literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : value.literal;
      const flags = operator === 'regexp' ? '' : 'i';
      const columns =
        ref.name === '*'
          ? this.instanceFor(ref).table.column_definitions.map(
              (column) => `${this.instanceFor(ref).sql}.${quoteIdent(column.name)}`,
            )
          : [this.resolve(ref).sql];
      const tests = columns.map((sql) => {
        this.whereParams.push(pattern, flags);
        return `ermrest_regexp(?, CAST(${sql} AS TEXT), ?)`;
      });
      return `(${tests.join(' OR ')})`;
    }
    const column = this.resolve(ref);
    const sqlOperator = { eq: '=', lt: '<', leq: '<=', gt: '>', geq: '>=' }[operator];
    if (!sqlOperator) throw ermrestError(400, `Unsupported filter operator ::${operator}::.`);
    const scalarKind = column.kind.element ?? column.kind;
    // On an array column a comparison holds when it holds for some element.
    const subject = column.kind.element ? 'value' : column.sql;
    const wrap = (condition: string): string =>
      column.kind.element ? `EXISTS (SELECT 1 FROM json_each(${column.sql}) WHERE ${condition})` : condition;
    if ('literal' in value) {
      this.whereParams.push(literalFor(scalarKind, value.literal));
      return wrap(`(${subject} ${sqlOperator} ?)`);
    }
    const parts = value.literals.map((literal) => {
      this.whereParams.push(literalFor(scalarKind, literal));
      return `${subject} ${sqlOperator} ?`;
    });
    return wrap(`(${parts.join(value.quantifier === 'any' ? ' OR ' : ' AND ')})`);
  }
}

/** The final table of an entity path and the RIDs of its current rows that the path selects (for DELETE). */
export function matchingRids(
  catalog: Catalog,
  model: CatalogModel,
  pathElements: PathElement[],
): { table: TableModel; rids: string[] } {
  const path = new CompiledPath(catalog, model, undefined, pathElements);
  const rows = catalog.queryRaw(`SELECT DISTINCT ${path.context.sql}."RID" ${path.sql}`, path.params);
  return { table: path.context.table, rids: rows.map((row) => String(row[0])) };
}

const AGGREGATE_SQL: Record<string, (argument: string) => string> = {
  cnt: (argument) => `count(${argument})`,
  cnt_d: (argument) => `count(DISTINCT ${argument})`,
  min: (argument) => `min(${argument})`,
  max: (argument) => `max(${argument})`,
  sum: (argument) => `sum(${argument})`,
  avg: (argument) => `avg(${argument})`,
  array: (argument) => `json_group_array(${argument})`,
  array_d: (argument) => `json_group_array(DISTINCT ${argument} ORDER BY ${argument})`,
};

function aggregateKind(fn: string, argument: ValueKind | undefined): ValueKind {
  if (fn === 'cnt' || fn === 'cnt_d') return valueKind('int8');
  if (fn === 'avg') return valueKind('float8');
  if (fn === 'array' || fn === 'array_d')
    return { typename: `${argument!.typename}[]`, base: 'json', element: argument! };
  return argument!;
}

/** Runs a data query (entity, attribute, attributegroup, aggregate) at a snapshot or live. */
export function runQuery(
  catalog: Catalog,
  model: CatalogModel,
  at: number | undefined,
  url: DataUrl,
  limit: number | undefined,
): RowSet {
  const path = new CompiledPath(catalog, model, at, url.path);
  const selects: string[] = [];
  const columns: OutputColumn[] = [];
  const output = (sql: string, name: string, kind: ValueKind): void => {
    selects.push(`${sql} AS ${quoteIdent(name)}`);
    columns.push({ name, kind });
  };
  const project = (projection: Projection, allowAggregates: boolean): void => {
    if (projection.kind === 'aggregate') {
      if (!allowAggregates) throw ermrestError(400, `Aggregate ${projection.fn}() is not allowed here.`);
      if (projection.output === undefined)
        throw ermrestError(
          400,
          `Aggregated column ${projection.fn}(${projection.column === '*' ? '*' : projection.column.name}) must be given an alias.`,
        );
      if (projection.column === '*' && projection.fn !== 'cnt')
        throw ermrestError(400, `${projection.fn}(*) is not supported.`);
      const argument = projection.column === '*' ? undefined : path.resolve(projection.column);
      if (argument === undefined && projection.column !== '*')
        throw ermrestError(400, 'Bad aggregate argument.');
      const name = projection.output;
      output(
        AGGREGATE_SQL[projection.fn]!(argument?.sql ?? '*'),
        name,
        aggregateKind(projection.fn, argument?.kind),
      );
      return;
    }
    if (projection.column.name === '*') {
      const instance = path.instanceFor(projection.column);
      const prefix = projection.column.alias === undefined ? '' : `${projection.column.alias}:`;
      for (const column of instance.table.column_definitions)
        output(
          `${instance.sql}.${quoteIdent(column.name)}`,
          prefix + column.name,
          valueKind(column.type.typename),
        );
      return;
    }
    const resolved = path.resolve(projection.column);
    output(resolved.sql, projection.output ?? resolved.name, resolved.kind);
  };

  let distinct = '';
  let groupBy = '';
  switch (url.api) {
    case 'entity':
      distinct = 'DISTINCT ';
      project({ kind: 'column', column: { name: '*' } }, false);
      break;
    case 'attribute':
      url.projections.forEach((projection) => project(projection, false));
      break;
    case 'attributegroup':
      url.groupKeys.forEach((projection) => project(projection, false));
      groupBy = ` GROUP BY ${url.groupKeys.map((_, index) => String(index + 1)).join(', ')}`;
      url.projections.forEach((projection) => project(projection, true));
      break;
    case 'aggregate':
      url.projections.forEach((projection) => project(projection, true));
      break;
  }

  const inner = `SELECT ${distinct}${selects.join(', ')} ${path.sql}${groupBy}`;
  const { sort = [], after, before } = url.paging;
  if ((after || before) && sort.length === 0) throw ermrestError(400, 'Paging modifiers require @sort.');
  const sortColumns = sort.map((key) => {
    const column = columns.find((candidate) => candidate.name === key.name);
    if (!column) throw ermrestError(409, `Sort key ${key.name} is not an output column.`);
    return { ...key, column };
  });
  const reverse = before !== undefined && after === undefined;
  const conditions: string[] = [];
  const pagingParams: SqlValue[] = [];
  for (const [values, direction] of [
    [after, 'after'],
    [before, 'before'],
  ] as const) {
    if (!values) continue;
    if (values.length !== sortColumns.length)
      throw ermrestError(400, `@${direction} needs one value per sort key.`);
    const parsed = values.map((value, index) =>
      value === null ? null : literalFor(sortColumns[index]!.column.kind, value),
    );
    conditions.push(
      pagingCondition(
        sortColumns.map((key) => ({
          sql: quoteIdent(key.name),
          descending: key.descending !== (direction === 'before'),
        })),
        parsed,
        pagingParams,
      ),
    );
  }
  const order = sortColumns.map((key) => {
    const descending = key.descending !== reverse;
    return `${quoteIdent(key.name)} ${descending ? 'DESC NULLS FIRST' : 'ASC NULLS LAST'}`;
  });
  const sql =
    `SELECT * FROM (${inner}) AS q` +
    (conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '') +
    (order.length ? ` ORDER BY ${order.join(', ')}` : '') +
    (limit !== undefined ? ' LIMIT ?' : '');
  const rows = catalog.queryRaw(sql, [
    ...path.params,
    ...pagingParams,
    ...(limit !== undefined ? [limit] : []),
  ]);
  return { columns, rows: reverse ? rows.reverse() : rows };
}

/** "Strictly after (values) in this sort order", NULLs last ascending and first descending. */
function pagingCondition(
  keys: { sql: string; descending: boolean }[],
  values: SqlValue[],
  params: SqlValue[],
): string {
  const build = (index: number): string => {
    const key = keys[index]!;
    const value = values[index]!;
    let beyond: string;
    let tie: string;
    if (value === null) {
      beyond = key.descending ? `${key.sql} IS NOT NULL` : '0';
      tie = `${key.sql} IS NULL`;
    } else {
      params.push(value);
      beyond = key.descending ? `${key.sql} < ?` : `(${key.sql} > ? OR ${key.sql} IS NULL)`;
      tie = `${key.sql} = ?`;
    }
    if (index === keys.length - 1) return `(${beyond})`;
    if (value !== null) params.push(value);
    return `(${beyond} OR (${tie} AND ${build(index + 1)}))`;
  };
  return build(0);
}
