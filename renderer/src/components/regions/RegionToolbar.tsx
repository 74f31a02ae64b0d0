import type { DrawnShapeType } from '../../../../shared/regions.js';
import { MOD_KEY } from '../../keymap.js';
import { useRegions } from '../../stores/regions/index.js';

const TOOLS: { tool: DrawnShapeType; name: string; key: string }[] = [
  { tool: 'rectangle', name: 'Box', key: 'B' },
  { tool: 'polygon', name: 'Polygon', key: 'P' },
  { tool: 'point', name: 'Point', key: 'O' },
];

const HINTS: Record<DrawnShapeType, string> = {
  rectangle: 'Drag a box, or click two corners (Space places one at the cursor; arrows move it).',
  polygon:
    'Click the vertices (or Space at the cursor), then Enter, a double-click or the first vertex closes it.',
  point: 'Click, or press Space at the cursor.',
};

/** The drawing tools, undo and redo, and what to do next with the tool armed. */
export function RegionToolbar() {
  const tool = useRegions((state) => state.tool);
  const placed = useRegions((state) => state.placed.length);
  const canUndo = useRegions((state) => state.canUndo);
  const canRedo = useRegions((state) => state.canRedo);
  const { armTool, cancel, undo, redo, copyPrevious } = useRegions.getState();
  return (
    <div className="region-toolbar">
      <div className="segmented" role="group" aria-label="Drawing tool">
        {TOOLS.map((entry) => (
          <button
            key={entry.tool}
            type="button"
            className={tool === entry.tool ? 'active' : undefined}
            aria-pressed={tool === entry.tool}
            data-testid={`tool-${entry.tool}`}
            title={`${entry.name} (${entry.key})`}
            onClick={() => (tool === entry.tool ? cancel() : armTool(entry.tool))}
          >
            {entry.name} <kbd>{entry.key}</kbd>
          </button>
        ))}
      </div>
      <button
        type="button"
        className="ghost"
        data-testid="copy-previous"
        onClick={copyPrevious}
        title="Copy the regions of the previous image (C)"
      >
        Copy previous <kbd>C</kbd>
      </button>
      <button
        type="button"
        className="ghost"
        data-testid="region-undo"
        disabled={!canUndo}
        onClick={undo}
        title={`Undo (${MOD_KEY} Z)`}
      >
        ↶ Undo
      </button>
      <button
        type="button"
        className="ghost"
        data-testid="region-redo"
        disabled={!canRedo}
        onClick={redo}
        title={`Redo (${MOD_KEY} Shift Z)`}
      >
        ↷ Redo
      </button>
      {tool && (
        <p className="muted small region-hint" data-testid="region-hint">
          {HINTS[tool]} {placed > 0 ? `${placed} placed · ` : ''}Esc cancels.
        </p>
      )}
    </div>
  );
}
