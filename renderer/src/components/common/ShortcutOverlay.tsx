import { useEffect, useRef } from 'react';
import { KEYMAP, labelingShortcuts, REGION_SHORTCUTS, type ShortcutArea } from '../../keymap.js';
import { labelColumn } from '../../labeling/recordForm.js';
import { isRegionFeature } from '../../regions/feature.js';
import { useLabeling, useLabelFeature } from '../../stores/labeling.js';

/** The label mode's keys, with the current mapping, while label mode is on. */
function useLabelingAreas(): ShortcutArea[] {
  const active = useLabeling((state) => state.active);
  const termKeys = useLabeling((state) => state.termKeys);
  const feature = useLabelFeature();
  if (!active || !feature) return [];
  const terms = labelColumn(feature.shape)?.terms ?? [];
  const areas = labelingShortcuts(
    feature.key,
    terms.map((term) => ({ term, key: termKeys[term] ?? null })),
  );
  return isRegionFeature(feature.shape) ? [...areas, REGION_SHORTCUTS] : areas;
}

interface ShortcutOverlayProps {
  onClose(): void;
}

export function ShortcutOverlay({ onClose }: ShortcutOverlayProps) {
  const dialog = useRef<HTMLDivElement>(null);
  const labelingAreas = useLabelingAreas();
  useEffect(() => {
    const previous = document.activeElement;
    dialog.current?.focus();
    return () => {
      if (previous instanceof HTMLElement) previous.focus();
    };
  }, []);

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        ref={dialog}
        className="modal shortcut-overlay"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        tabIndex={-1}
        data-testid="shortcut-overlay"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={(event) => {
          if (event.key === 'Escape') {
            event.stopPropagation();
            onClose();
          }
        }}
      >
        <header className="modal-header">
          <h2>Keyboard shortcuts</h2>
          <button type="button" className="ghost" onClick={onClose}>
            Close
          </button>
        </header>
        <div className="shortcut-areas">
          {[...labelingAreas, ...KEYMAP].map(({ area, shortcuts }) => (
            <section key={area} className="shortcut-area">
              <h3>{area}</h3>
              <dl>
                {shortcuts.map(({ keys, action }) => (
                  <div key={action} className="shortcut">
                    <dt>
                      {keys.map((key) => (
                        <kbd key={key}>{key}</kbd>
                      ))}
                    </dt>
                    <dd>{action}</dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
        </div>
      </div>
    </div>
  );
}
