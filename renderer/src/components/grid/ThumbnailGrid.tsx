import {
  useCallback,
  useEffect,
  useRef,
  useState,
  useSyncExternalStore,
  type KeyboardEvent,
  type MouseEvent,
} from 'react';
import { getScrollbarSize, List, useListRef, type RowComponentProps } from 'react-window';
import type { Badge } from '../../../../shared/contract.js';
import type { PagedRows } from '../../data/pagedRows.js';
import { useElementSize } from '../../hooks/useElementSize.js';
import { hasModKey } from '../../keymap.js';
import { useSelection } from '../../stores/selection.js';
import { useSession } from '../../stores/session.js';
import { useViewer } from '../../stores/viewer.js';
import { targetIndex } from './gridKeys.js';
import { Tile, tileElementId } from './Tile.js';
import {
  prefetchMargins,
  scrollVelocity,
  type PrefetchMargins,
  type VisibleStart,
} from './prefetchWindow.js';
import { usePrefetch } from './usePrefetch.js';
import './grid.css';

const MIN_TILE_WIDTH = 180;
const ROW_HEIGHT = 212;
const FILL_PARENT = { position: 'absolute', inset: 0 } as const;

interface ThumbnailGridProps {
  source: PagedRows;
  /** The qualified asset table of the element type. */
  table: string;
  elementType: string;
  /** Label mode: the draft label of a member (null: none), and a number that changes with the drafts. */
  drafts?: { labelOf(rid: string): string | null; version: number };
  /** What the grid says when it has no members. */
  emptyText?: string;
  /** The hint in the status bar. */
  hint?: string;
  /** The viewer covers the grid: the browser may skip its rendering until it shows again. */
  covered?: boolean;
  /** The badges a tile may show (blind labeling hides the labeled feature's until the user labels it). */
  badgeFilter?: (rid: string, badges: Badge[]) => Badge[];
  /** Called once, when the first tiles shown have their thumbnails loaded or failed (or after FIRST_SCREEN_WAIT_MS). */
  onFirstScreen?: () => void;
}

/** What waits for the first screen does not wait longer than this for a slow thumbnail. */
const FIRST_SCREEN_WAIT_MS = 5_000;

const NO_DRAFTS = { labelOf: () => null, version: 0 };
const ALL_BADGES = (_rid: string, badges: Badge[]) => badges;

/** Members of an asset element type as a virtualized grid of thumbnails, fetched page by page. */
export function ThumbnailGrid({
  source,
  table,
  elementType,
  drafts = NO_DRAFTS,
  emptyText,
  hint = 'Enter opens the viewer · ? lists every shortcut',
  covered = false,
  badgeFilter = ALL_BADGES,
  onFirstScreen,
}: ThumbnailGridProps) {
  const bagId = useSession((state) => state.bag!.bagId);
  const version = useSyncExternalStore(source.subscribe, source.getVersion);
  const selected = useSelection((state) => state.selected);
  const focus = useSelection((state) => state.focus);
  const select = useSelection((state) => state.select);
  const selectAll = useSelection((state) => state.selectAll);
  const clearSelection = useSelection((state) => state.clear);
  const showViewer = useViewer((state) => state.show);

  const [wrapper, setWrapper] = useState<HTMLDivElement | null>(null);
  const size = useElementSize(wrapper);
  const listRef = useListRef(null);
  const columns = Math.max(1, Math.floor((size.width - getScrollbarSize()) / MIN_TILE_WIDTH));
  const total = source.total;
  const rowCount = total === null ? 0 : Math.ceil(total / columns);
  const rowsPerScreen = Math.max(1, Math.floor(size.height / ROW_HEIGHT));

  const prefetch = usePrefetch(bagId, table, source);
  const visible = useRef({ start: 0, stop: 0 });
  const lastStart = useRef<VisibleStart | null>(null);
  const margins = useRef<PrefetchMargins>(prefetchMargins(0));
  const onRowsRendered = useCallback(
    (
      shown: { startIndex: number; stopIndex: number },
      rendered: { startIndex: number; stopIndex: number },
    ) => {
      visible.current = { start: shown.startIndex * columns, stop: (shown.stopIndex + 1) * columns - 1 };
      const now: VisibleStart = { start: visible.current.start, at: performance.now() };
      margins.current = prefetchMargins(scrollVelocity(lastStart.current, now));
      lastStart.current = now;
      source.ensureRange(
        rendered.startIndex * columns - margins.current.before,
        (rendered.stopIndex + 1) * columns + margins.current.after,
      );
    },
    [columns, source],
  );
  // The total arrives with the first page; until then the list has no rows that could ask for it.
  useEffect(() => source.ensureRange(0, 0), [source]);
  // Pages arrive after the range was rendered: prefetch once the rows beyond it are known.
  useEffect(
    () => prefetch(visible.current.start, visible.current.stop, margins.current),
    [prefetch, version],
  );

  const firstScreenReported = useRef(false);
  const stopWatchingFirstScreen = useRef<(() => void) | null>(null);
  useEffect(() => {
    if (!onFirstScreen || firstScreenReported.current || !wrapper || total === null) return;
    // Wait until the list has laid out its rows and the first of them has its member.
    if (total > 0 && (lastStart.current === null || !source.rowAt(visible.current.start))) return;
    firstScreenReported.current = true;
    // Tiles may be laid out again meanwhile (a panel opening beside the grid changes the columns):
    // whatever images the grid holds when one settles are the ones waited for.
    const settle = () => {
      if ([...wrapper.querySelectorAll('img')].every((image) => image.complete)) finish();
    };
    const timer = setTimeout(() => finish(), FIRST_SCREEN_WAIT_MS);
    const stop = () => {
      clearTimeout(timer);
      wrapper.removeEventListener('load', settle, true);
      wrapper.removeEventListener('error', settle, true);
      stopWatchingFirstScreen.current = null;
    };
    const finish = () => {
      stop();
      onFirstScreen();
    };
    stopWatchingFirstScreen.current = stop;
    wrapper.addEventListener('load', settle, true);
    wrapper.addEventListener('error', settle, true);
    settle();
  }, [onFirstScreen, wrapper, total, version, size.width, size.height, source]);
  useEffect(() => () => stopWatchingFirstScreen.current?.(), []);

  useEffect(() => {
    if (rowCount > 0 && focus < (total ?? 0))
      listRef.current?.scrollToRow({ index: Math.floor(focus / columns), align: 'auto' });
  }, [focus, columns, rowCount, total, listRef]);

  const onPick = useCallback(
    (index: number, event: MouseEvent) =>
      select(index, event.shiftKey ? 'range' : hasModKey(event) ? 'toggle' : 'single'),
    [select],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (!total) return;
    const mod = hasModKey(event);
    if (mod && event.key.toLowerCase() === 'a') selectAll(total);
    else if (event.key === 'Escape') clearSelection();
    else if (event.key === 'Enter') showViewer(focus);
    else if (event.key === ' ') select(focus, 'toggle');
    else {
      const target = targetIndex(event.key, focus, columns, total, rowsPerScreen);
      if (target === null) return;
      select(target, event.shiftKey ? 'range' : mod ? 'focus' : 'single');
    }
    event.preventDefault();
  };

  return (
    <div className={covered ? 'grid-area covered' : 'grid-area'}>
      <div className="grid-wrapper" ref={setWrapper}>
        {total === 0 ? (
          <p className="empty" data-testid="grid-empty">
            {emptyText ?? `No ${elementType} members here. Try another dataset, or include nested datasets.`}
          </p>
        ) : (
          <List
            listRef={listRef}
            className="grid"
            data-testid="grid"
            role="listbox"
            aria-label={`${elementType} members`}
            aria-multiselectable="true"
            aria-activedescendant={total ? tileElementId(focus) : undefined}
            tabIndex={0}
            onKeyDown={onKeyDown}
            rowComponent={TileRow}
            rowCount={rowCount}
            rowHeight={ROW_HEIGHT}
            rowProps={{
              source,
              version,
              drafts: drafts.labelOf,
              draftsVersion: drafts.version,
              badgeFilter,
              columns,
              bagId,
              table,
              selected,
              focus,
              onPick,
              onOpen: showViewer,
            }}
            onRowsRendered={onRowsRendered}
            overscanCount={2}
            style={FILL_PARENT}
          />
        )}
      </div>
      <GridStatus total={total} selected={selected.size} elementType={elementType} hint={hint} />
    </div>
  );
}

interface TileRowProps {
  source: PagedRows;
  /** Not read: a new value re-renders the rows when a page arrives. */
  version: number;
  drafts(rid: string): string | null;
  /** Not read: a new value re-renders the rows when drafts change. */
  draftsVersion: number;
  badgeFilter(rid: string, badges: Badge[]): Badge[];
  columns: number;
  bagId: string;
  table: string;
  selected: ReadonlySet<number>;
  focus: number;
  onPick(index: number, event: MouseEvent): void;
  onOpen(index: number): void;
}

function TileRow({
  index: rowIndex,
  style,
  source,
  drafts,
  badgeFilter,
  columns,
  bagId,
  table,
  selected,
  focus,
  onPick,
  onOpen,
}: RowComponentProps<TileRowProps>) {
  const first = rowIndex * columns;
  const last = Math.min(first + columns, source.total ?? 0);
  const tiles = [];
  for (let index = first; index < last; index++) {
    const row = source.rowAt(index);
    const rid = row?.RID;
    tiles.push(
      <Tile
        key={typeof rid === 'string' ? rid : `pending-${index}`}
        index={index}
        row={row}
        badges={typeof rid === 'string' ? badgeFilter(rid, source.badgesOf(rid)) : []}
        draft={typeof rid === 'string' ? (drafts(rid) ?? (source.marksOf(rid).join(' · ') || null)) : null}
        bagId={bagId}
        table={table}
        selected={selected.has(index)}
        focused={focus === index}
        onPick={onPick}
        onOpen={onOpen}
      />,
    );
  }
  return (
    <div
      role="presentation"
      className="tile-row"
      style={{ ...style, gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}
    >
      {tiles}
    </div>
  );
}

function GridStatus({
  total,
  selected,
  elementType,
  hint,
}: {
  total: number | null;
  selected: number;
  elementType: string;
  hint: string;
}) {
  return (
    <div className="status-bar" data-testid="grid-status" aria-live="polite">
      {total === null ? (
        <span>Loading members…</span>
      ) : (
        <span>
          {total.toLocaleString()} {elementType} member{total === 1 ? '' : 's'}
          {selected > 0 && ` · ${selected.toLocaleString()} selected`}
        </span>
      )}
      <span className="muted">{hint}</span>
    </div>
  );
}
