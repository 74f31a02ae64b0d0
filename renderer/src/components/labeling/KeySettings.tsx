import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { labelColumn } from '../../labeling/recordForm.js';
import {
  assignTermKey,
  describeKeyRule,
  keyLabel,
  keyOfEvent,
  unassignTermKey,
} from '../../labeling/termKeys.js';
import { useLabeling, useLabelFeature } from '../../stores/labeling.js';

const MODIFIERS = new Set(['Shift', 'Control', 'Alt', 'Meta', 'AltGraph', 'CapsLock']);

/** Remapping term keys: click a term, press a key. Conflicts are refused with the reason. */
export function KeySettings() {
  const feature = useLabelFeature();
  const termKeys = useLabeling((state) => state.termKeys);
  const settings = useLabeling((state) => state.settings);
  const { setTermKeys, resetTermKeys, openKeySettings, changeSettings } = useLabeling.getState();
  const [capturing, setCapturing] = useState<string | null>(null);
  const [message, setMessage] = useState<{ text: string; refused: boolean } | null>(null);
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const previous = document.activeElement;
    dialog.current?.focus();
    return () => {
      if (previous instanceof HTMLElement) previous.focus({ preventScroll: true });
    };
  }, []);

  if (!feature) return null;
  const terms = labelColumn(feature.shape)?.terms ?? [];
  const close = () => openKeySettings(false);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // Nothing typed here may reach the labeler or the viewer behind the dialog.
    event.stopPropagation();
    if (!capturing) {
      if (event.key === 'Escape') {
        event.preventDefault();
        close();
      }
      return;
    }
    if (MODIFIERS.has(event.key)) return;
    event.preventDefault();
    if (event.key === 'Escape') {
      setCapturing(null);
      setMessage(null);
      return;
    }
    const result = assignTermKey(termKeys, capturing, keyOfEvent(event));
    if (result.ok) {
      setTermKeys(result.keys);
      setMessage({ text: `${capturing} is now on ${keyLabel(result.keys[capturing]!)}.`, refused: false });
      setCapturing(null);
    } else {
      setMessage({ text: `Not changed: ${result.reason}`, refused: true });
    }
  };

  return (
    <div className="modal-backdrop" onClick={close}>
      <div
        ref={dialog}
        className="modal key-settings"
        role="dialog"
        aria-modal="true"
        aria-label="Labeling keys"
        tabIndex={-1}
        data-testid="key-settings"
        onClick={(event) => event.stopPropagation()}
        onKeyDown={onKeyDown}
      >
        <header className="modal-header">
          <h2>Keys for {feature.key}</h2>
          <button type="button" className="ghost" onClick={close}>
            Close
          </button>
        </header>
        <div className="key-settings-body">
          <p className="muted">Click a term, then press the key that should set it. Esc cancels.</p>
          <p data-testid="key-rule">{describeKeyRule(terms, termKeys)}</p>
          <ul className="key-list">
            {terms.map((term) => (
              <li key={term}>
                <button
                  type="button"
                  className={capturing === term ? 'key-row capturing' : 'key-row'}
                  data-testid={`key-for-${term}`}
                  onClick={() => {
                    setCapturing(term);
                    setMessage(null);
                  }}
                >
                  <kbd>{termKeys[term] ? keyLabel(termKeys[term]) : '—'}</kbd>
                  <span>{term}</span>
                  {capturing === term && <span className="muted small">Press a key…</span>}
                </button>
                {termKeys[term] && (
                  <button
                    type="button"
                    className="ghost small"
                    title={`Take the key away from ${term}`}
                    onClick={() => setTermKeys(unassignTermKey(termKeys, term))}
                  >
                    No key
                  </button>
                )}
              </li>
            ))}
          </ul>
          {message && (
            <p
              className={message.refused ? 'warn' : 'ok'}
              role={message.refused ? 'alert' : 'status'}
              data-testid="key-message"
            >
              {message.text}
            </p>
          )}
          <label className="toggle">
            <input
              type="checkbox"
              checked={settings.advance}
              onChange={(event) => changeSettings({ advance: event.target.checked })}
            />
            Advance to the next image after a label
          </label>
          <label className="toggle">
            <input
              type="checkbox"
              checked={settings.askValues}
              onChange={(event) => changeSettings({ askValues: event.target.checked })}
            />
            Ask for the other values (Confidence…) after every term key
          </label>
          <div>
            <button type="button" className="secondary" onClick={resetTermKeys}>
              Reset to the default keys
            </button>
          </div>
        </div>
      </div>
    </div>
  );
}
