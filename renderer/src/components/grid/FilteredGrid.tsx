import { useState, useSyncExternalStore } from 'react';
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

/**
 * Above this many members the facets wait until the user opens them: their counts then take seconds
 * (about 10 s at a million members), and the API worker they share with the grid's pages and
 * thumbnails would keep the grid blank meanwhile.
 */
const FACETS_OPEN_UP_TO = 100_000;

/** The browse grid with its filters: chips above, the facets with their counts beside it. */
export function FilteredGrid({ source, table, elementType, covered }: FilteredGridProps) {
  const bag = useSession((state) => state.bag)!;
  const datasetRid = useSession((state) => state.datasetRid)!;
  const recurse = useSession((state) => state.recurse);
  const where = useSession((state) => state.where);
  const [panelChoice, setPanelChoice] = useState<boolean | null>(null);
  const [column, setColumn] = useState<string | null>(null);
  // The counts and the column list wait for the first screen of thumbnails: on the one API worker
  // they would otherwise come first and keep a just-opened bag blank for their duration.
  const [firstScreenShown, setFirstScreenShown] = useState(false);
  const members = useSyncExternalStore(source.subscribe, () => source.total);
  const panelOpen = panelChoice ?? (members !== null && members <= FACETS_OPEN_UP_TO);
  const { value: info } = useRequest('bag:table', firstScreenShown ? { bagId: bag.bagId, table } : null);
  const { value: counts } = useRequest(
    'bag:facets',
    firstScreenShown && (panelOpen || where.length > 0)
      ? { bagId: bag.bagId, datasetRid, elementType, recurse, where, ...(column ? { column } : {}) }
      : null,
  );
  return (
    <div className="filtered-grid">
      <FilterBar
        elementType={elementType}
        counts={counts}
        members={members}
        panelOpen={panelOpen}
        onTogglePanel={() => setPanelChoice(!panelOpen)}
      />
      <div className="filtered-grid-body">
        <ThumbnailGrid
          source={source}
          table={table}
          elementType={elementType}
          covered={covered}
          onFirstScreen={() => setFirstScreenShown(true)}
          emptyText={where.length > 0 ? 'No member passes these filters: remove a chip above.' : undefined}
        />
        {panelOpen && <FilterPanel info={info} counts={counts} column={column} onColumn={setColumn} />}
      </div>
    </div>
  );
}
