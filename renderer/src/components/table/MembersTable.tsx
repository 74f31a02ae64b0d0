import { useCallback } from 'react';
import type { PageRequest } from '../../../../shared/bag.js';
import { request } from '../../api.js';
import { elementTypeTable, findTable } from '../../data/bagModel.js';
import { useRequest } from '../../data/useRequest.js';
import { useSession } from '../../stores/session.js';
import { DataTable } from './DataTable.js';
import './table.css';

/** Members of an element type without files (Subject, …) as a sortable, filterable table. */
export function MembersTable({ elementType }: { elementType: string }) {
  const bag = useSession((state) => state.bag)!;
  const datasetRid = useSession((state) => state.datasetRid)!;
  const recurse = useSession((state) => state.recurse);
  const table = elementTypeTable(bag.report, elementType);
  const { value: info } = useRequest('bag:table', { bagId: bag.bagId, table });
  const load = useCallback(
    (page: PageRequest) =>
      request('bag:members', { bagId: bag.bagId, datasetRid, elementType, recurse, ...page }),
    [bag.bagId, datasetRid, elementType, recurse],
  );
  if (!info) return <p className="empty">Loading the table…</p>;
  return (
    <div className="members-table">
      <DataTable
        key={`${datasetRid} ${elementType} ${recurse}`}
        info={info}
        kind={info.kind}
        load={load}
        emptyText={<NoMembers elementType={elementType} table={table} />}
      />
    </div>
  );
}

/** An element type with no members here: where its rows are, and one click to them. */
function NoMembers({ elementType, table }: { elementType: string; table: string }) {
  const report = useSession((state) => state.bag!.report);
  const datasetRid = useSession((state) => state.datasetRid);
  const recurse = useSession((state) => state.recurse);
  const openTable = useSession((state) => state.openTable);
  const rows = findTable(report, table)?.rows ?? 0;
  return (
    <>
      <p>
        No {elementType} is a member of dataset {datasetRid}
        {recurse ? ' or the datasets nested in it' : ''}: members are the rows a dataset lists in its{' '}
        {elementType} association.
      </p>
      {rows > 0 ? (
        <p>
          The bag holds {rows.toLocaleString()} {elementType} row{rows === 1 ? '' : 's'} all the same, reached
          from other tables rather than listed as members.{' '}
          <button
            type="button"
            className="link-button"
            data-testid="open-element-table"
            onClick={() => openTable({ table, filters: [] })}
          >
            Show them under All tables
          </button>
        </p>
      ) : (
        <p>The bag holds no {elementType} rows at all.</p>
      )}
    </>
  );
}
