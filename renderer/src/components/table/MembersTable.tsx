import { useCallback } from 'react';
import type { PageRequest } from '../../../../shared/bag.js';
import { request } from '../../api.js';
import { elementTypeTable } from '../../data/bagModel.js';
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
      <DataTable key={`${datasetRid} ${elementType} ${recurse}`} info={info} kind={info.kind} load={load} />
    </div>
  );
}
