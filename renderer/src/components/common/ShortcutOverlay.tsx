import { useEffect, useRef } from 'react';
import { KEYMAP } from '../../keymap.js';

interface ShortcutOverlayProps {
  onClose(): void;
}

export function ShortcutOverlay({ onClose }: ShortcutOverlayProps) {
  const dialog = useRef<HTMLDivElement>(null);
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
          {KEYMAP.map(({ area, shortcuts }) => (
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
