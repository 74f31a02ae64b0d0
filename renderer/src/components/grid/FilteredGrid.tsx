import { useState } from 'react';
import type { PagedRows } from '../../data/pagedRows.js';
import { useRequest } from '../../data/useRequest.js';
import { useSession } from '../../stores/session.js';
import { FilterBar } from './FilterBar.js';
import { FilterPanel } from './FilterPanel.js';
import { ThumbnailGrid } from './ThumbnailGrid.js';
import './filters.css';

interface FilteredGridProps {
  source: PagedRows;
  table: string;
  elementType: string;
  covered: boolean;
}

/** The browse grid with its filters: chips above, the facets with their counts beside it. */
export function FilteredGrid({ source, table, elementType, covered }: FilteredGridProps) {
  const bag = useSession((state) => state.bag)!;
  const datasetRid = useSession((state) => state.datasetRid)!;
  const recurse = useSession((state) => state.recurse);
  const where = useSession((state) => state.where);
  const [panelOpen, setPanelOpen] = useState(true);
  const [column, setColumn] = useState<string | null>(null);
  const { value: info } = useRequest('bag:table', { bagId: bag.bagId, table });
  const { value: counts } = useRequest('bag:facets', {
    bagId: bag.bagId,
    datasetRid,
    elementType,
    recurse,
    where,
    ...(column ? { column } : {}),
  });
  return (
    <div className="filtered-grid">
      <FilterBar
        elementType={elementType}
        counts={counts}
        panelOpen={panelOpen}
        onTogglePanel={() => setPanelOpen((open) => !open)}
      />
      <div className="filtered-grid-body">
        <ThumbnailGrid
          source={source}
          table={table}
          elementType={elementType}
          covered={covered}
          emptyText={where.length > 0 ? 'No member passes these filters: remove a chip above.' : undefined}
        />
        {panelOpen && <FilterPanel info={info} counts={counts} column={column} onColumn={setColumn} />}
      </div>
    </div>
  );
}
