import { useEffect } from 'react';
import { List, useListRef, type RowComponentProps } from 'react-window';
import type { DrawnRegion } from '../../../../shared/regions.js';
import { useRegions } from '../../stores/regions/index.js';

const KIND_NAMES = { rectangle: 'Box', polygon: 'Polygon', point: 'Point' } as const;
const ROW_HEIGHT = 28;
const VISIBLE_ROWS = 8;

interface RowProps {
  regions: DrawnRegion[];
  selected: number | null;
  onPick: (index: number) => void;
}

function RegionRow({ index, style, ariaAttributes, regions, selected, onPick }: RowComponentProps<RowProps>) {
  const region = regions[index]!;
  return (
    <div style={style} {...ariaAttributes}>
      <button
        type="button"
        className={selected === index ? 'region-entry selected' : 'region-entry'}
        aria-pressed={selected === index}
        data-testid={`region-entry-${index}`}
        onClick={() => onPick(index)}
      >
        <span className="muted">{index + 1}</span>
        <span>{KIND_NAMES[region.kind]}</span>
        <span className="region-entry-label">{region.label ?? <span className="muted">no term</span>}</span>
      </button>
    </div>
  );
}

/** The image's regions in drawing order (Tab's order), only the visible rows rendered; a click selects one. */
export function RegionList() {
  const regions = useRegions((state) => state.regions);
  const selected = useRegions((state) => state.selected);
  const loaded = useRegions((state) => state.loaded);
  const listRef = useListRef(null);
  const { select } = useRegions.getState();
  useEffect(() => {
    if (selected !== null) listRef.current?.scrollToRow({ index: selected, align: 'auto' });
  }, [selected, listRef]);
  if (!loaded) return <p className="muted small">Reading your regions…</p>;
  if (regions.length === 0)
    return (
      <p className="muted small" data-testid="region-list-empty">
        No regions on this image yet: press B, P or O to draw.
      </p>
    );
  return (
    <List
      listRef={listRef}
      className="region-list"
      data-testid="region-list"
      aria-label={`${regions.length} regions`}
      rowComponent={RegionRow}
      rowCount={regions.length}
      rowHeight={ROW_HEIGHT}
      rowProps={{ regions, selected, onPick: (index) => select(selected === index ? null : index) }}
      style={{ height: Math.min(regions.length, VISIBLE_ROWS) * ROW_HEIGHT }}
    />
  );
}
