import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import { List, type RowComponentProps } from 'react-window';
import type {
  ColumnFilter,
  ColumnInfo,
  Page,
  PageRequest,
  Row,
  SortSpec,
  TableInfo,
  TableKind,
} from '../../../../shared/bag.js';
import { orderColumns } from '../../data/bagModel.js';
import { PagedRows } from '../../data/pagedRows.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { reportError } from '../../stores/notices.js';
import { CellContent } from './CellContent.js';

const ROW_HEIGHT = 28;
const FILTER_DELAY_MS = 250;
const SCROLL_BOTH_WAYS = { position: 'absolute', inset: 0, overflow: 'auto' } as const;

interface DataTableProps {
  info: TableInfo;
  kind: TableKind;
  /** One page of rows for a sort and contains-filters; must keep its identity while the query is the same. */
  load(page: PageRequest): Promise<Page<Row>>;
  /** What an empty table (with no filter typed) says instead of "No rows.". */
  emptyText?: ReactNode;
}

function columnWidth(column: ColumnInfo): number {
  if (column.name === 'RID' || column.type === 'boolean') return 96;
  if (
    ['Description', 'Synonyms', 'URL', 'URI', 'Filename'].includes(column.name) ||
    column.type === 'markdown'
  )
    return 280;
  if (column.type.startsWith('timestamp')) return 210;
  return 150;
}

function containsFilters(typed: Record<string, string>): ColumnFilter[] {
  return Object.entries(typed)
    .filter(([, text]) => text.trim() !== '')
    .map(([column, text]) => ({ column, contains: text.trim() }));
}

function nextSort(sort: SortSpec | null, column: string): SortSpec | null {
  if (sort?.column !== column) return { column };
  return sort.descending ? null : { column, descending: true };
}

/** Rows of a table, virtualized and fetched page by page; click a header to sort, type under it to filter. */
export function DataTable({ info, kind, load, emptyText }: DataTableProps) {
  const columns = useMemo(() => orderColumns(info.columns, kind), [info, kind]);
  const widths = useMemo(() => columns.map(columnWidth), [columns]);
  const totalWidth = widths.reduce((sum, width) => sum + width, 0);
  const [sort, setSort] = useState<SortSpec | null>(null);
  const [typed, setTyped] = useState<Record<string, string>>({});
  const filters = useDebounced(typed, FILTER_DELAY_MS);
  const source = useMemo(
    () =>
      new PagedRows(
        (offset, limit) =>
          load({ offset, limit, sort: sort ?? undefined, filters: containsFilters(filters) }),
        reportError,
      ),
    [load, sort, filters],
  );
  const version = useSyncExternalStore(source.subscribe, source.getVersion);
  const head = useRef<HTMLDivElement>(null);
  const total = source.total;

  // The total arrives with the first page; until then the list has no rows that could ask for it.
  useEffect(() => source.ensureRange(0, 0), [source]);

  return (
    <div
      className="data-table"
      role="table"
      aria-label={info.table}
      aria-rowcount={total ?? undefined}
      data-testid="table-view"
    >
      <div className="thead" ref={head}>
        <div className="tr" role="row" style={{ width: totalWidth }}>
          {columns.map((column, index) => (
            <HeaderCell
              key={column.name}
              column={column}
              width={widths[index]!}
              sort={sort}
              filter={typed[column.name] ?? ''}
              onSort={() => setSort(nextSort(sort, column.name))}
              onFilter={(text) => setTyped((current) => ({ ...current, [column.name]: text }))}
            />
          ))}
        </div>
      </div>
      <div className="tbody">
        <List
          role="rowgroup"
          rowComponent={TableRow}
          rowCount={total ?? 0}
          rowHeight={ROW_HEIGHT}
          rowProps={{ source, version, columns, widths, totalWidth }}
          onRowsRendered={(_, rendered) => source.ensureRange(rendered.startIndex, rendered.stopIndex)}
          onScroll={(event) => {
            if (head.current) head.current.scrollLeft = event.currentTarget.scrollLeft;
          }}
          style={SCROLL_BOTH_WAYS}
        />
        {total === 0 &&
          (containsFilters(filters).length > 0 ? (
            <p className="empty">No rows match the filters.</p>
          ) : (
            <div className="empty" data-testid="table-empty">
              {emptyText ?? 'No rows.'}
            </div>
          ))}
      </div>
      <div className="status-bar" data-testid="table-status">
        {total === null ? 'Loading rows…' : `${total.toLocaleString()} row${total === 1 ? '' : 's'}`}
      </div>
    </div>
  );
}

interface HeaderCellProps {
  column: ColumnInfo;
  width: number;
  sort: SortSpec | null;
  filter: string;
  onSort(): void;
  onFilter(text: string): void;
}

function HeaderCell({ column, width, sort, filter, onSort, onFilter }: HeaderCellProps) {
  const sorted = sort?.column === column.name ? (sort.descending ? 'descending' : 'ascending') : 'none';
  return (
    <div className="th" role="columnheader" aria-sort={sorted} style={{ width }}>
      <button
        type="button"
        className="sort-button"
        onClick={onSort}
        data-testid={`column-${column.name}`}
        title={`${column.comment ? `${column.comment}\n` : ''}${column.type}. Click to sort.`}
      >
        <span className="column-name">{column.name}</span>
        <span className="sort-mark" aria-hidden="true">
          {sorted === 'ascending' ? '▲' : sorted === 'descending' ? '▼' : ''}
        </span>
      </button>
      <input
        type="search"
        className="filter-input"
        placeholder="contains…"
        aria-label={`Show rows whose ${column.name} contains`}
        data-testid={`filter-${column.name}`}
        value={filter}
        onChange={(event) => onFilter(event.target.value)}
      />
    </div>
  );
}

interface TableRowProps {
  source: PagedRows;
  /** Not read: a new value re-renders the rows when a page arrives. */
  version: number;
  columns: ColumnInfo[];
  widths: number[];
  totalWidth: number;
}

function TableRow({ index, style, source, columns, widths, totalWidth }: RowComponentProps<TableRowProps>) {
  const row = source.rowAt(index);
  const rid = row?.RID;
  return (
    <div
      role="row"
      className={index % 2 === 1 ? 'tr odd' : 'tr'}
      style={{ ...style, width: totalWidth }}
      data-testid={typeof rid === 'string' ? `row-${rid}` : undefined}
    >
      {columns.map((column, columnIndex) => (
        <div key={column.name} role="cell" className="td" style={{ width: widths[columnIndex] }}>
          {row ? (
            <CellContent column={column} value={row[column.name] ?? null} />
          ) : (
            <span className="skeleton" />
          )}
        </div>
      ))}
    </div>
  );
}
