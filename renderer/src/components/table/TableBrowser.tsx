import { useCallback, type KeyboardEvent } from 'react';
import type { ColumnFilter, PageRequest } from '../../../../shared/bag.js';
import { request } from '../../api.js';
import { tableKind } from '../../data/bagModel.js';
import { formatCell } from '../../data/format.js';
import { useRequest } from '../../data/useRequest.js';
import { useSession, type TableLocation } from '../../stores/session.js';
import { DataTable } from './DataTable.js';
import { TablePicker } from './TablePicker.js';
import './table.css';

/** Any table of the bag: a picker on the left, the rows on the right; foreign keys navigate. */
export function TableBrowser() {
  const history = useSession((state) => state.tableHistory);
  const goBack = useSession((state) => state.goBackInTables);
  const location = history.at(-1);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.altKey && event.key === 'ArrowLeft') {
      event.preventDefault();
      goBack();
    }
  };

  return (
    <div className="table-browser" onKeyDown={onKeyDown}>
      <TablePicker current={location?.table ?? null} />
      <div className="table-pane">
        {location ? (
          <TableRows location={location} canGoBack={history.length > 1} />
        ) : (
          <p className="empty">Choose a table.</p>
        )}
      </div>
    </div>
  );
}

function TableRows({ location, canGoBack }: { location: TableLocation; canGoBack: boolean }) {
  const bag = useSession((state) => state.bag)!;
  const goBack = useSession((state) => state.goBackInTables);
  const openTable = useSession((state) => state.openTable);
  const { table, filters } = location;
  const { value: info } = useRequest('bag:table', { bagId: bag.bagId, table });
  const load = useCallback(
    (page: PageRequest) =>
      request('bag:rows', {
        bagId: bag.bagId,
        table,
        ...page,
        filters: [...filters, ...(page.filters ?? [])],
      }),
    [bag.bagId, table, filters],
  );
  const removeFilter = (removed: ColumnFilter) =>
    openTable({ table, filters: filters.filter((filter) => filter !== removed) });

  return (
    <>
      <div className="table-title">
        {canGoBack && (
          <button
            type="button"
            className="ghost"
            onClick={goBack}
            title="Back to the previous table (Alt ←)"
            data-testid="table-back"
          >
            ← Back
          </button>
        )}
        <h2>{table}</h2>
        {info && <span className="chip">{info.kind}</span>}
        {filters.map((filter) => (
          <span key={filter.column} className="chip filter-chip" data-testid="table-filter">
            {filter.column} = {formatCell(filter.equals ?? null)}
            <button
              type="button"
              className="chip-remove"
              onClick={() => removeFilter(filter)}
              aria-label={`Remove the filter on ${filter.column}`}
            >
              ×
            </button>
          </span>
        ))}
        {info?.comment && <span className="muted small table-comment">{info.comment}</span>}
      </div>
      {info ? (
        <DataTable
          key={`${table} ${JSON.stringify(filters)}`}
          info={info}
          kind={tableKind(bag.report, table) ?? info.kind}
          load={load}
        />
      ) : (
        <p className="empty">Loading the table…</p>
      )}
    </>
  );
}
