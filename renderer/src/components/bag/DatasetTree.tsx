import { useState, type KeyboardEvent } from 'react';
import type { DatasetSummary } from '../../../../shared/bag.js';
import { useSession } from '../../stores/session.js';
import { visibleRows, type TreeRow } from './datasetTree.js';

const nodeId = (rid: string) => `dataset-node-${rid}`;

export function DatasetTree() {
  const datasets = useSession((state) => state.datasets);
  const selected = useSession((state) => state.datasetRid);
  const selectDataset = useSession((state) => state.selectDataset);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(
    () => new Set(datasets.map((dataset) => dataset.rid)),
  );
  const [focused, setFocused] = useState(selected);
  const rows = visibleRows(datasets, expanded);
  const selectedDataset = datasets.find((dataset) => dataset.rid === selected);
  const tabbableRid = rows.some((row) => row.dataset.rid === focused) ? focused : rows[0]?.dataset.rid;

  const setOpen = (rid: string, open: boolean) =>
    setExpanded((current) => {
      const next = new Set(current);
      if (open) next.add(rid);
      else next.delete(rid);
      return next;
    });

  const focus = (rid: string | undefined) => {
    if (!rid) return;
    setFocused(rid);
    document.getElementById(nodeId(rid))?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = rows.findIndex((row) => row.dataset.rid === focused);
    const row = rows[index];
    if (!row) return;
    const rid = row.dataset.rid;
    const open = expanded.has(rid);
    const actions: Record<string, () => void> = {
      ArrowDown: () => focus(rows[index + 1]?.dataset.rid),
      ArrowUp: () => focus(rows[index - 1]?.dataset.rid),
      Home: () => focus(rows[0]?.dataset.rid),
      End: () => focus(rows.at(-1)?.dataset.rid),
      ArrowRight: () =>
        row.hasChildren && !open
          ? setOpen(rid, true)
          : focus(row.hasChildren ? rows[index + 1]?.dataset.rid : undefined),
      ArrowLeft: () => (row.hasChildren && open ? setOpen(rid, false) : focus(row.parent ?? undefined)),
      Enter: () => selectDataset(rid),
      ' ': () => selectDataset(rid),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  };

  return (
    <div className="dataset-tree-panel">
      <h2 className="panel-title">Datasets</h2>
      <div
        role="tree"
        aria-label="Datasets"
        className="dataset-tree"
        data-testid="dataset-tree"
        onKeyDown={onKeyDown}
      >
        {rows.map((row) => (
          <DatasetNode
            key={`${row.parent ?? ''}/${row.dataset.rid}`}
            row={row}
            expanded={expanded.has(row.dataset.rid)}
            selected={row.dataset.rid === selected}
            tabbable={row.dataset.rid === tabbableRid}
            onToggle={() => setOpen(row.dataset.rid, !expanded.has(row.dataset.rid))}
            onSelect={() => {
              setFocused(row.dataset.rid);
              selectDataset(row.dataset.rid);
            }}
          />
        ))}
      </div>
      {selectedDataset?.description && (
        <p className="dataset-description" data-testid="dataset-description">
          {selectedDataset.description}
        </p>
      )}
    </div>
  );
}

interface DatasetNodeProps {
  row: TreeRow;
  expanded: boolean;
  selected: boolean;
  tabbable: boolean;
  onToggle(): void;
  onSelect(): void;
}

function DatasetNode({ row, expanded, selected, tabbable, onToggle, onSelect }: DatasetNodeProps) {
  const { dataset, level, hasChildren } = row;
  return (
    <div
      id={nodeId(dataset.rid)}
      role="treeitem"
      aria-level={level}
      aria-expanded={hasChildren ? expanded : undefined}
      aria-selected={selected}
      tabIndex={tabbable ? 0 : -1}
      className={selected ? 'tree-node selected' : 'tree-node'}
      style={{ paddingLeft: `${(level - 1) * 16 + 4}px` }}
      data-testid={nodeId(dataset.rid)}
      title={dataset.description ?? undefined}
      onClick={onSelect}
    >
      <span
        className={hasChildren ? 'twisty' : 'twisty leaf'}
        aria-hidden="true"
        onClick={(event) => {
          event.stopPropagation();
          if (hasChildren) onToggle();
        }}
      >
        {hasChildren ? (expanded ? '▾' : '▸') : ''}
      </span>
      <div className="tree-node-body">
        <div className="tree-node-title">
          <span className="rid">{dataset.rid}</span>
          {dataset.version && <span className="muted small">v{dataset.version}</span>}
          {dataset.types.map((type) => (
            <span key={type} className="chip">
              {type}
            </span>
          ))}
        </div>
        <MemberCounts dataset={dataset} />
      </div>
    </div>
  );
}

function MemberCounts({ dataset }: { dataset: DatasetSummary }) {
  const counts = Object.entries(dataset.members).filter(([type, count]) => type !== 'Dataset' && count > 0);
  if (counts.length === 0) return <div className="member-counts muted small">no direct members</div>;
  return (
    <div className="member-counts small">
      {counts.map(([type, count]) => (
        <span key={type}>
          {type} {count.toLocaleString()}
        </span>
      ))}
    </div>
  );
}
