import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type {
  BagFormat,
  CellValue,
  DatasetSummary,
  FeatureDefinition,
  FeatureSummary,
  FacetCounts,
  FeatureValue,
  InspectReport,
  MemberFilter,
  Page,
  PageRequest,
  Row,
  Selector,
  TableInfo,
  TableSummary,
  VocabularyTerm,
} from '../../../shared/bag.js';
import { SatchelError, resolveInside, safeRelativePath } from '../common/index.js';
import { META } from './importer.js';
import {
  childDatasets,
  descendants,
  distinctMembers,
  memberPageInRidOrder,
  recordedMemberCount,
} from './members.js';
import { quoteIdentifier as q } from './sql.js';
import { ML_SCHEMA, type CatalogModel, type ElementType, type FeatureTable, type Table } from './model.js';
import { RATER_ROWS_TABLE } from './facet-tables.js';
import { MemberFilters, type FilterClauses } from './member-filters.js';
import { reachableSql } from './reachable.js';
import { majorityNeedsColumn, selectRecord } from './selectors.js';
import { fromSqlConverter, storageClass, type FromSql } from './values.js';
import { highestVersion } from './version.js';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 5000;
/** Index entries a first-pages query may read before an ordered selection is the cheaper way. */
const LEADING_SCAN_ENTRIES = 5000;
/** How many ordered member/row selections stay cached as temporary tables. */
const CACHED_SELECTIONS = 12;

export interface BagIdentity {
  root: string;
  rid: string;
  snaptime: string;
  format: BagFormat;
  databasePath: string;
}

export interface MemberRequest extends PageRequest {
  elementType: string;
  recurse?: boolean;
  /** The filterable grid's conditions (OR within a facet, AND across facets). */
  where?: MemberFilter[];
}

/**
 * An opened bag: the catalog model plus its read-only SQLite database. Every query the CLI and the
 * app need lives here; results are plain JSON-safe values.
 */
export class Bag {
  private readonly readers = new Map<string, FromSql[]>();
  /** The reachability SQL of each table (deriva-ml's FK paths from Dataset), built once. */
  private readonly reachable = new Map<string, string | null>();
  private readonly selections = new Map<string, { table: string; total: number }>();
  private selectionCounter = 0;
  /** The grid's filters and facet counts per element type, with their facet tables built once. */
  private readonly filtersByType = new Map<string, MemberFilters>();

  constructor(
    readonly identity: BagIdentity,
    readonly model: CatalogModel,
    private readonly db: Database.Database,
  ) {}

  get rid(): string {
    return this.identity.rid;
  }

  get root(): string {
    return this.identity.root;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ---- summary -------------------------------------------------------------------------------

  inspect(): InspectReport {
    return {
      rid: this.identity.rid,
      snaptime: this.identity.snaptime,
      version: this.version(),
      format: this.identity.format,
      materialized: this.materializedAsImported(),
      tables: this.tableSummaries(),
      datasets: this.datasets(),
      features: this.model.features.map((feature) => this.featureSummary(feature)),
    };
  }

  /** The bag's version: the highest Dataset_Version of its dataset (a bag of X shows X's own snapshot empty). */
  version(): string | null {
    return this.datasetVersion(this.identity.rid);
  }

  tableSummaries(): TableSummary[] {
    return [...this.model.tables.values()]
      .filter((table) => table.schema !== 'public')
      .map((table) => ({
        schema: table.schema,
        table: table.name,
        kind: table.kind,
        rows: this.count(table),
      }))
      .sort((a, b) => `${a.schema}:${a.table}`.localeCompare(`${b.schema}:${b.table}`));
  }

  tableInfo(qualified: string): TableInfo {
    const table = this.requireTable(qualified);
    return {
      schema: table.schema,
      table: table.name,
      kind: table.kind,
      comment: table.comment,
      columns: table.columns.map((column) => {
        const fk = this.model.foreignKeyOf(table, column.name);
        return {
          name: column.name,
          type: column.typename,
          nullok: column.nullok,
          default: column.default,
          comment: column.comment,
          references: fk ? { schema: fk.schema, table: fk.table, column: fk.referencedColumns[0]! } : null,
        };
      }),
    };
  }

  /** Missing fetch.txt files: a holey bag is valid but not materialized. */
  unfetchedCount(): number {
    return this.fetchPaths().filter((relative) => !fs.existsSync(path.join(this.identity.root, relative)))
      .length;
  }

  /** Whether every fetch.txt file is present; stops at the first missing one. */
  isMaterialized(): boolean {
    return this.fetchPaths().every((relative) => fs.existsSync(path.join(this.identity.root, relative)));
  }

  /**
   * Whether the bag is materialized, at the cost of one look: the file found missing at import is
   * looked for again (files only appear in a bag afterwards, as a download fills it in); a bag that was
   * complete at import counts as complete, and isMaterialized() can look at every file later.
   */
  materializedAsImported(): boolean {
    const firstMissing = this.db
      .prepare('SELECT value FROM satchel_meta WHERE key = ?')
      .pluck()
      .get(META.firstMissing) as string | undefined;
    if (firstMissing === undefined) return this.isMaterialized();
    if (firstMissing === '') return true;
    return fs.existsSync(path.join(this.identity.root, firstMissing)) && this.isMaterialized();
  }

  private fetchPaths(): string[] {
    return this.db.prepare('SELECT path FROM satchel_fetch').pluck().all() as string[];
  }

  // ---- datasets ------------------------------------------------------------------------------

  /** Every dataset in the bag, the bag's own first and then its descendants depth first. */
  datasets(): DatasetSummary[] {
    const datasetTable = this.model.datasetTable;
    if (!datasetTable) return [];
    const rows = this.db
      .prepare(`SELECT "RID", "Description" FROM ${q(datasetTable.qualified)} ORDER BY "RID"`)
      .all() as { RID: string; Description: string | null }[];
    const order = this.treeOrder(rows.map((row) => row.RID));
    const byRid = new Map(rows.map((row) => [row.RID, row]));
    return order.map((rid) => ({
      rid,
      types: this.datasetTypes(rid),
      version: this.datasetVersion(rid),
      description: byRid.get(rid)?.Description ?? null,
      children: this.childDatasets(rid),
      members: Object.fromEntries(
        this.model.elementTypes.map((type) => [type.table.name, this.memberCount(rid, type, false)]),
      ),
    }));
  }

  dataset(rid: string): DatasetSummary {
    const found = this.datasets().find((dataset) => dataset.rid === rid);
    if (!found)
      throw new SatchelError('unknown-dataset', `The bag ${this.identity.rid} has no dataset ${rid}.`);
    return found;
  }

  private treeOrder(rids: string[]): string[] {
    const all = new Set(rids);
    const nested = new Set(rids.flatMap((rid) => this.childDatasets(rid)));
    const roots = [this.identity.rid, ...rids.filter((rid) => !nested.has(rid) && rid !== this.identity.rid)];
    const order: string[] = [];
    const visit = (rid: string) => {
      if (!all.has(rid) || order.includes(rid)) return;
      order.push(rid);
      for (const child of this.childDatasets(rid)) visit(child);
    };
    for (const root of roots) visit(root);
    for (const rid of rids) visit(rid);
    return order;
  }

  childDatasets(rid: string): string[] {
    return childDatasets(this.db, this.model, rid);
  }

  /** The dataset and all its descendants (cycles tolerated). */
  descendants(rid: string): string[] {
    return descendants(this.db, this.model, rid);
  }

  private datasetTypes(rid: string): string[] {
    const link = this.model.table(`${ML_SCHEMA}:Dataset_Dataset_Type`);
    if (!link) return [];
    return this.db
      .prepare(`SELECT "Dataset_Type" FROM ${q(link.qualified)} WHERE "Dataset" = ? ORDER BY "RID"`)
      .pluck()
      .all(rid) as string[];
  }

  private datasetVersion(rid: string): string | null {
    const versions = this.model.table(`${ML_SCHEMA}:Dataset_Version`);
    if (!versions) return null;
    const labels = this.db
      .prepare(`SELECT "Version" FROM ${q(versions.qualified)} WHERE "Dataset" = ? AND "Version" IS NOT NULL`)
      .pluck()
      .all(rid) as string[];
    return highestVersion(labels);
  }

  // ---- members -------------------------------------------------------------------------------

  elementType(name: string): ElementType {
    const type = this.model.elementTypes.find(
      (candidate) => candidate.table.name === name || candidate.table.qualified === name,
    );
    if (!type) {
      const known = this.model.elementTypes.map((candidate) => candidate.table.name).join(', ');
      throw new SatchelError(
        'unknown-table',
        `The bag has no dataset element type "${name}" (it has ${known || 'none'}).`,
      );
    }
    return type;
  }

  /** Members of a dataset, as counted at import (direct: distinct members; recursive: the member list's rows). */
  memberCount(datasetRid: string, type: ElementType, recurse: boolean): number {
    const recorded = recordedMemberCount(this.db, datasetRid, type, recurse);
    if (recorded !== null) return recorded;
    if (recurse) return this.memberSelection(datasetRid, type, { recurse }).total;
    return this.db
      .prepare(
        `SELECT count(DISTINCT ${q(type.memberColumn)}) FROM ${q(type.association.qualified)} WHERE ${q(type.datasetColumn)} = ?`,
      )
      .pluck()
      .get(datasetRid) as number;
  }

  /** One page of the members of a dataset of one element type, direct or through nested datasets. */
  members(datasetRid: string, request: MemberRequest): Page<Row> {
    this.requireDataset(datasetRid);
    const type = this.elementType(request.elementType);
    return (
      this.leadingMembersPage(datasetRid, type, request) ??
      this.pageOf(type.table, this.memberSelection(datasetRid, type, request), request)
    );
  }

  /**
   * The first pages in RID order without a filter, the grid's opening view, come straight from the
   * association's member index with LIMIT: no ordered selection of every member is built for them.
   * Null beyond the first few thousand index entries, where a selection (built once) pages faster.
   */
  private leadingMembersPage(
    datasetRid: string,
    type: ElementType,
    request: MemberRequest,
  ): Page<Row> | null {
    if ((request.sort?.column ?? 'RID') !== 'RID' || request.sort?.descending) return null;
    if ((request.filters ?? []).length > 0 || (request.where ?? []).length > 0) return null;
    const total = recordedMemberCount(this.db, datasetRid, type, request.recurse ?? false);
    if (total === null || total === 0) return null;
    const { offset, limit } = pageWindow(request);
    const associationRows = this.count(type.association);
    // The index scan reads about (offset + limit) × rows / members entries.
    if (((offset + limit) * associationRows) / total > LEADING_SCAN_ENTRIES) return null;
    const datasets = request.recurse ? this.descendants(datasetRid) : [datasetRid];
    const raw = this.db
      .prepare(
        `SELECT m.* FROM (${memberPageInRidOrder(type)}) p JOIN ${q(type.table.qualified)} m ON m."RID" = p.rid ORDER BY p.rid`,
      )
      .all(JSON.stringify(datasets), limit, offset) as Record<string, unknown>[];
    return { rows: raw.map((row) => this.readRow(type.table, row)), total, offset };
  }

  /** All members by element type, as deriva-ml's list_dataset_members returns them. */
  allMembers(datasetRid: string, recurse: boolean): Record<string, Row[]> {
    this.requireDataset(datasetRid);
    const result: Record<string, Row[]> = {};
    for (const type of this.model.elementTypes) {
      const selection = this.memberSelection(datasetRid, type, { recurse });
      result[type.table.name] = this.rowsOf(type.table, selection, 0, selection.total);
    }
    return result;
  }

  /** The RIDs of the members of one element type that pass `where`, in RID order (no rows are read). */
  memberRids(
    datasetRid: string,
    elementType: string,
    recurse: boolean,
    where: MemberFilter[] = [],
  ): string[] {
    this.requireDataset(datasetRid);
    const selection = this.memberSelection(datasetRid, this.elementType(elementType), { recurse, where });
    return this.db
      .prepare(`SELECT rid FROM temp.${q(selection.table)} ORDER BY rowid`)
      .pluck()
      .all() as string[];
  }

  /** Position of a member in the ordered selection, for "jump to" in the grid; -1 if absent. */
  memberIndex(datasetRid: string, request: MemberRequest, rid: string): number {
    const type = this.elementType(request.elementType);
    const selection = this.memberSelection(datasetRid, type, request);
    const position = this.db
      .prepare(`SELECT rowid FROM temp.${q(selection.table)} WHERE rid = ?`)
      .pluck()
      .get(rid);
    return typeof position === 'number' ? position - 1 : -1;
  }

  /** Counts per value of every facet of the grid's filters over the members of one element type. */
  /** How many rows each execution gave each feature (by its qualified table), counted at import. */
  raterRows(): { feature: string; execution: string; rows: number }[] {
    return this.db.prepare(`SELECT feature, execution, rows FROM ${RATER_ROWS_TABLE}`).all() as {
      feature: string;
      execution: string;
      rows: number;
    }[];
  }

  memberFacets(
    datasetRid: string,
    request: { elementType: string; recurse?: boolean; where?: MemberFilter[]; column?: string },
  ): FacetCounts {
    this.requireDataset(datasetRid);
    const type = this.elementType(request.elementType);
    const members = this.memberSelection(datasetRid, type, { recurse: request.recurse });
    return this.memberFilters(type).counts(members.table, request.where ?? [], request.column ?? null);
  }

  private memberFilters(type: ElementType): MemberFilters {
    let filters = this.filtersByType.get(type.table.qualified);
    if (!filters) {
      filters = new MemberFilters(this.db, this.model, type);
      this.filtersByType.set(type.table.qualified, filters);
    }
    return filters;
  }

  private memberSelection(
    datasetRid: string,
    type: ElementType,
    request: Omit<MemberRequest, 'elementType'>,
  ): { table: string; total: number } {
    if ((request.where ?? []).length > 0) {
      // The grid's filters narrow the members already listed (a cached selection), so the planner never
      // walks the association from a filter's side.
      const all = this.memberSelection(datasetRid, type, { recurse: request.recurse });
      const byRid = (request.sort?.column ?? 'RID') === 'RID' && (request.filters ?? []).length === 0;
      const listed = byRid
        ? `(SELECT p.rid AS "RID" FROM temp.${q(all.table)} p)`
        : `(SELECT m.* FROM temp.${q(all.table)} p JOIN ${q(type.table.qualified)} m ON m."RID" = p.rid)`;
      const where = this.memberFilters(type).clauses(request.where ?? [], 's."RID"');
      return this.selection(type.table, listed, [], request, where);
    }
    const datasets = request.recurse ? this.descendants(datasetRid) : [datasetRid];
    const link = type.association;
    const inDatasets = `a.${q(type.datasetColumn)} IN (SELECT value FROM json_each(?))`;
    const byRidOnly = (request.sort?.column ?? 'RID') === 'RID' && (request.filters ?? []).length === 0;
    // In RID order with no filter, the association's index alone gives the members: no row is read.
    const source = byRidOnly
      ? `(${distinctMembers(type)})`
      : `(SELECT DISTINCT m.* FROM ${q(link.qualified)} a JOIN ${q(type.table.qualified)} m ON m."RID" = a.${q(type.memberColumn)} WHERE ${inDatasets})`;
    return this.selection(type.table, source, [JSON.stringify(datasets)], request);
  }

  // ---- any table -----------------------------------------------------------------------------

  rows(qualified: string, request: PageRequest = {}): Page<Row> {
    const table = this.requireTable(qualified);
    const selection = this.selection(table, q(table.qualified), [], request);
    return this.pageOf(table, selection, request);
  }

  row(qualified: string, rid: string): Row | null {
    const table = this.requireTable(qualified);
    const raw = this.db.prepare(`SELECT * FROM ${q(table.qualified)} WHERE "RID" = ?`).get(rid) as
      Record<string, unknown> | undefined;
    return raw ? this.readRow(table, raw) : null;
  }

  /** Rows of a table, as counted once at import. */
  count(table: Table): number {
    const counted = this.db
      .prepare('SELECT rows FROM satchel_counts WHERE "table" = ?')
      .pluck()
      .get(table.qualified);
    return typeof counted === 'number'
      ? counted
      : (this.db
          .prepare(`SELECT count(*) FROM ${q(table.qualified)}`)
          .pluck()
          .get() as number);
  }

  /**
   * Materialises the ordered RIDs of a filtered, sorted selection once as a temporary table whose
   * rowid is the position, so any page (even deep in 100k rows) is a rowid range lookup.
   */
  private selection(
    table: Table,
    source: string,
    parameters: unknown[],
    request: PageRequest,
    conditions: FilterClauses = { clauses: [], values: [] },
  ) {
    const sort = request.sort ?? { column: 'RID' };
    this.requireColumn(table, sort.column);
    const filters = request.filters ?? [];
    const clauses: string[] = [...conditions.clauses];
    const values: unknown[] = [...parameters, ...conditions.values];
    for (const filter of filters) {
      this.requireColumn(table, filter.column);
      if (filter.contains !== undefined) {
        clauses.push(`instr(lower(CAST(s.${q(filter.column)} AS TEXT)), lower(?)) > 0`);
        values.push(filter.contains);
      } else if (filter.equals === null) {
        clauses.push(`s.${q(filter.column)} IS NULL`);
      } else if (filter.equals !== undefined) {
        clauses.push(`s.${q(filter.column)} = ?`);
        values.push(typeof filter.equals === 'boolean' ? Number(filter.equals) : filter.equals);
      }
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const direction = sort.descending ? 'DESC' : 'ASC';
    const sql = `SELECT s."RID" FROM ${source} s ${where} ORDER BY s.${q(sort.column)} ${direction}, s."RID" ${direction}`;
    const key = JSON.stringify([sql, values]);
    const cached = this.selections.get(key);
    if (cached) {
      this.selections.delete(key);
      this.selections.set(key, cached);
      return cached;
    }
    const name = `selection_${++this.selectionCounter}`;
    this.db
      .prepare(`CREATE TEMP TABLE ${q(name)} AS ${sql.replace('SELECT s."RID"', 'SELECT s."RID" AS rid')}`)
      .run(...values);
    const total = this.db
      .prepare(`SELECT count(*) FROM temp.${q(name)}`)
      .pluck()
      .get() as number;
    const entry = { table: name, total };
    this.selections.set(key, entry);
    if (this.selections.size > CACHED_SELECTIONS) {
      const [oldestKey, oldest] = this.selections.entries().next().value as [string, { table: string }];
      this.selections.delete(oldestKey);
      this.db.exec(`DROP TABLE temp.${q(oldest.table)}`);
    }
    return entry;
  }

  /** One page of a selection: the requested offset, at most MAX_PAGE rows. */
  private pageOf(table: Table, selection: { table: string; total: number }, request: PageRequest): Page<Row> {
    const { offset, limit } = pageWindow(request);
    return { rows: this.rowsOf(table, selection, offset, limit), total: selection.total, offset };
  }

  /** Rows `offset` to `offset + limit` of a selection, in its order. */
  private rowsOf(table: Table, selection: { table: string }, offset: number, limit: number): Row[] {
    const raw = this.db
      .prepare(
        `SELECT m.* FROM temp.${q(selection.table)} p JOIN ${q(table.qualified)} m ON m."RID" = p.rid WHERE p.rowid > ? AND p.rowid <= ? ORDER BY p.rowid`,
      )
      .all(offset, offset + limit) as Record<string, unknown>[];
    return raw.map((row) => this.readRow(table, row));
  }

  private readRow(table: Table, raw: Record<string, unknown>): Row {
    let readers = this.readers.get(table.qualified);
    if (!readers) {
      readers = table.columns.map((column) => fromSqlConverter(storageClass(column)));
      this.readers.set(table.qualified, readers);
    }
    const row: Row = {};
    table.columns.forEach((column, index) => {
      row[column.name] = readers[index]!(raw[column.name]);
    });
    return row;
  }

  // ---- features ------------------------------------------------------------------------------

  private featureSummary(feature: FeatureTable): FeatureSummary {
    return {
      target: feature.target.name,
      name: feature.name,
      table: feature.table.qualified,
      termColumns: feature.termColumns.map((term) => term.column),
      valueColumns: feature.valueColumns.map((column) => column.name),
      assetColumns: feature.assetColumns.map((asset) => asset.column),
      rows: this.count(feature.table),
    };
  }

  feature(target: string, name: string): FeatureTable {
    const feature = this.model.features.find(
      (candidate) =>
        (candidate.target.name === target || candidate.target.qualified === target) &&
        candidate.name === name,
    );
    if (!feature) {
      const known = this.model.features
        .map((candidate) => `${candidate.target.name}/${candidate.name}`)
        .join(', ');
      throw new SatchelError(
        'unknown-feature',
        `The bag has no feature ${target}/${name} (it has ${known || 'none'}).`,
      );
    }
    return feature;
  }

  featureDefinitions(): FeatureDefinition[] {
    return this.model.features.map((feature) => ({
      ...this.featureSummary(feature),
      targetSchema: feature.target.schema,
      schema: feature.table.schema,
      terms: feature.termColumns.map((term) => ({
        column: term.column,
        vocabulary: term.vocabulary.qualified,
        nullok: feature.table.columnByName.get(term.column)?.nullok ?? true,
        terms: this.vocabularyTerms(term.vocabulary.qualified),
      })),
      values: feature.valueColumns.map((column) => ({
        column: column.name,
        type: column.typename,
        nullok: column.nullok,
      })),
      assets: feature.assetColumns.map((asset) => ({
        column: asset.column,
        assetTable: asset.assetTable.qualified,
        nullok: feature.table.columnByName.get(asset.column)?.nullok ?? true,
      })),
      qualifierColumns: feature.qualifierColumns,
    }));
  }

  vocabularyTerms(qualified: string): VocabularyTerm[] {
    const table = this.requireTable(qualified);
    return this.rows(table.qualified, { limit: MAX_PAGE, sort: { column: 'Name' } }).rows.map((row) => ({
      name: String(row.Name),
      description: (row.Description as string | null) ?? null,
      synonyms: (row.Synonyms as string[] | null) ?? [],
    }));
  }

  /**
   * Feature values as deriva-ml's feature_values returns them: one record per feature row whose target
   * is reached by the dataset (with its nested datasets), grouped by target and qualifier values and
   * reduced by the selector (`all` keeps every record).
   */
  featureValues(
    target: string,
    name: string,
    selector: Selector,
    datasetRid = this.identity.rid,
  ): FeatureValue[] {
    const feature = this.feature(target, name);
    const table = feature.table;
    const termColumns = feature.termColumns.map((term) => term.column);
    const workflowExecutions =
      selector.kind === 'workflow' ? new Set(this.workflowExecutions(selector.workflow)) : undefined;
    if (selector.kind === 'majority' && !selector.column && termColumns.length !== 1)
      throw majorityNeedsColumn(feature, termColumns);
    // deriva-ml scopes feature rows by FK-reachability from the dataset, not by membership alone, so a
    // feature of Subject counts for the subjects of the dataset's images (see reachable.ts).
    const scope = this.reachableSelect(feature.target);
    if (scope === null) return [];
    const raw = this.db
      .prepare(
        `SELECT f.* FROM ${q(table.qualified)} f WHERE f.${q(feature.targetColumn)} IS NOT NULL AND f.${q(feature.targetColumn)} IN (SELECT rid FROM (${scope})) ORDER BY f.${q(feature.targetColumn)}, f."RID"`,
      )
      .all({ datasets: JSON.stringify(this.descendants(datasetRid)) }) as Record<string, unknown>[];
    const valueColumns = [
      ...feature.termColumns.map((term) => term.column),
      ...feature.valueColumns.map((column) => column.name),
      ...feature.assetColumns.map((asset) => asset.column),
    ];
    const groups = new Map<string, FeatureValue[]>();
    for (const rawRow of raw) {
      const row = this.readRow(table, rawRow);
      const record: FeatureValue = {
        target: String(row[feature.targetColumn]),
        execution: (row.Execution as string | null) ?? null,
        rct: isoTimestamp(row.RCT),
        values: Object.fromEntries(valueColumns.map((column) => [column, row[column] ?? null])),
      };
      const key = JSON.stringify([
        record.target,
        ...feature.qualifierColumns.map((column) => row[column] ?? null),
      ]);
      const group = groups.get(key);
      if (group) group.push(record);
      else groups.set(key, [record]);
    }
    if (selector.kind === 'all') return [...groups.values()].flat();
    const singleTerm = termColumns.length === 1 ? termColumns[0]! : null;
    const chosen: FeatureValue[] = [];
    for (const records of groups.values()) {
      const record = selectRecord(records, selector, singleTerm, workflowExecutions);
      if (record) chosen.push(record);
    }
    return chosen;
  }

  /** RIDs of `table` rows that belong to the dataset and its nested datasets through any FK path, sorted. */
  reachableRids(datasetRid: string, qualified: string): string[] {
    this.requireDataset(datasetRid);
    const scope = this.reachableSelect(this.requireTable(qualified));
    if (scope === null) return [];
    return this.db
      .prepare(`SELECT rid FROM (${scope}) ORDER BY rid`)
      .pluck()
      .all({ datasets: JSON.stringify(this.descendants(datasetRid)) }) as string[];
  }

  private reachableSelect(table: Table): string | null {
    if (!this.reachable.has(table.qualified))
      this.reachable.set(table.qualified, reachableSql(this.model, table));
    return this.reachable.get(table.qualified)!;
  }

  /**
   * Executions of a workflow, as deriva-ml's DatasetBag.list_workflow_executions resolves it: a
   * Workflow RID, else a Workflow_Type name (when the bag has Workflow_Workflow_Type); Satchel also
   * takes a Workflow Name, which deriva-ml does not.
   */
  workflowExecutions(workflow: string): string[] {
    const workflows = this.model.table(`${ML_SCHEMA}:Workflow`);
    const executions = this.model.table(`${ML_SCHEMA}:Execution`);
    if (!workflows || !executions)
      throw new SatchelError(
        'unknown-table',
        'The bag has no Workflow or Execution table to select by workflow from.',
      );
    const executionsOf = (rids: string[]) =>
      this.db
        .prepare(
          `SELECT "RID" FROM ${q(executions.qualified)} WHERE "Workflow" IN (SELECT value FROM json_each(?)) ORDER BY "RID"`,
        )
        .pluck()
        .all(JSON.stringify(rids)) as string[];
    const byRid = this.db
      .prepare(`SELECT "RID" FROM ${q(workflows.qualified)} WHERE "RID" = ?`)
      .pluck()
      .all(workflow) as string[];
    if (byRid.length > 0) return executionsOf(byRid);
    const types = this.model.table(`${ML_SCHEMA}:Workflow_Workflow_Type`);
    const byType = types
      ? (this.db
          .prepare(`SELECT "Workflow" FROM ${q(types.qualified)} WHERE "Workflow_Type" = ?`)
          .pluck()
          .all(workflow) as string[])
      : [];
    if (byType.length > 0) return executionsOf(byType);
    const byName = workflows.columnByName.has('Name')
      ? (this.db
          .prepare(`SELECT "RID" FROM ${q(workflows.qualified)} WHERE "Name" = ?`)
          .pluck()
          .all(workflow) as string[])
      : [];
    if (byName.length > 0) return executionsOf(byName);
    throw new SatchelError(
      'bad-argument',
      `No workflow resolved for "${workflow}" in the bag ${this.identity.rid}: it is neither a Workflow RID, a Workflow_Type name nor a Workflow name there.`,
    );
  }

  // ---- assets --------------------------------------------------------------------------------

  /**
   * The local file of an asset row: the fetch.txt entry for its URL (full or path form), else
   * data/asset/<RID>/<Table>/<Filename>. Returns null when the bag does not hold the bytes.
   */
  assetFile(qualified: string, rid: string): { path: string; relative: string; exists: boolean } | null {
    const table = this.requireTable(qualified);
    if (table.kind !== 'asset') throw new SatchelError('bad-argument', `${qualified} is not an asset table.`);
    const row = this.row(qualified, rid);
    if (!row) return null;
    const url = typeof row.URL === 'string' ? row.URL : null;
    let relative: string | null = null;
    if (url) {
      relative =
        (this.db
          .prepare('SELECT path FROM satchel_fetch WHERE url = ? OR url_path = ? LIMIT 1')
          .pluck()
          .get(url, url) as string | undefined) ?? null;
    }
    if (!relative && typeof row.Filename === 'string') {
      const name = safeRelativePath(row.Filename, `The Filename of ${qualified} ${rid}`);
      if (name.includes('/')) {
        throw new SatchelError(
          'unsafe-path',
          `The Filename of ${qualified} ${rid} is "${row.Filename}", which holds folders.`,
          row.Filename,
        );
      }
      relative = `data/asset/${rid}/${table.name}/${name}`;
    }
    if (!relative) return null;
    const resolved = resolveInside(this.identity.root, relative, `The asset ${qualified} ${rid}`);
    return { path: resolved ?? path.join(this.identity.root, relative), relative, exists: resolved !== null };
  }

  // ---- helpers -------------------------------------------------------------------------------

  requireTable(qualified: string): Table {
    const table = this.model.resolve(qualified);
    if (!table || table.schema === 'public') {
      throw new SatchelError('unknown-table', `The bag has no table "${qualified}".`);
    }
    return table;
  }

  private requireColumn(table: Table, column: string): void {
    if (!table.columnByName.has(column)) {
      throw new SatchelError('unknown-column', `${table.qualified} has no column "${column}".`);
    }
  }

  private requireDataset(rid: string): void {
    const datasetTable = this.model.datasetTable;
    const found =
      datasetTable && this.db.prepare(`SELECT 1 FROM ${q(datasetTable.qualified)} WHERE "RID" = ?`).get(rid);
    if (!found)
      throw new SatchelError('unknown-dataset', `The bag ${this.identity.rid} has no dataset ${rid}.`);
  }
}

/** The offset and size of a requested page: at most MAX_PAGE rows. */
function pageWindow(request: PageRequest): { offset: number; limit: number } {
  return {
    offset: Math.max(0, Math.floor(request.offset ?? 0)),
    limit: Math.min(Math.max(1, Math.floor(request.limit ?? DEFAULT_PAGE)), MAX_PAGE),
  };
}

/** ERMrest's `2026-11-23 20:03:14.171746+00` as ISO 8601 (`2026-11-23T20:03:14.171746+00:00`). */
export function isoTimestamp(value: CellValue | undefined): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::?(\d{2}))?$/.exec(value);
  if (!match) return value;
  return `${match[1]}T${match[2]}${match[3]}:${match[4] ?? '00'}`;
}
