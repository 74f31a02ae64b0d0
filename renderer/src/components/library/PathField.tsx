import { useEffect, useId, useState } from 'react';
import type { PathCompletion } from '../../../../shared/contract.js';
import { request } from '../../api.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { PATH_INPUT_ID } from '../../openActions.js';
import { useSession } from '../../stores/session.js';

const COMPLETION_DELAY_MS = 120;

/**
 * Browser mode has no native dialog: the user types (or pastes) the path of a bag folder or zip on this
 * machine. `~` is the home folder and quotes around a pasted path are dropped (by main, which opens it);
 * folders under the home folder complete as the user types, and a folder outside it is listed only once
 * the user confirms.
 */
export function PathField() {
  const [path, setPath] = useState('');
  const [outsideHome, setOutsideHome] = useState(false);
  const [completion, setCompletion] = useState<PathCompletion | null>(null);
  const opening = useSession((state) => state.openingPath !== null);
  const openBag = useSession((state) => state.openBag);
  const typed = useDebounced(path, COMPLETION_DELAY_MS);
  const listId = useId();
  const trimmed = path.trim();

  useEffect(() => {
    let current = true;
    request('library:complete', { path: typed, ...(outsideHome ? { outsideHome } : {}) }).then(
      (answer) => current && setCompletion(answer),
      () => current && setCompletion(null),
    );
    return () => {
      current = false;
    };
  }, [typed, outsideHome]);

  return (
    <form
      className="path-field"
      onSubmit={(event) => {
        event.preventDefault();
        if (trimmed) void openBag(trimmed);
      }}
    >
      <div className="open-row">
        <label htmlFor={PATH_INPUT_ID} className="visually-hidden">
          Path of a bag folder or .zip file
        </label>
        <input
          id={PATH_INPUT_ID}
          data-testid="path-input"
          className="path-input"
          type="text"
          list={listId}
          spellCheck={false}
          autoComplete="off"
          placeholder="Path of a bag folder or .zip file, e.g. ~/bags/Dataset_58A"
          aria-describedby={`${listId}-hint`}
          value={path}
          onChange={(event) => setPath(event.target.value)}
        />
        <button type="submit" className="primary" data-testid="open-path" disabled={!trimmed || opening}>
          Open
        </button>
      </div>
      <datalist id={listId} data-testid="path-completions">
        {completion?.entries.map((entry) => (
          <option key={entry.path} value={entry.path} label={entry.kind === 'zip' ? 'zip file' : 'folder'} />
        ))}
      </datalist>
      <p className="muted small path-hint" id={`${listId}-hint`} role="status" data-testid="path-hint">
        {completion?.refused ??
          (completion?.folder
            ? `${completion.entries.length.toLocaleString()} folder${completion.entries.length === 1 ? '' : 's'} and zip files in ${completion.folder}`
            : '~ is your home folder; folders complete as you type.')}
        {completion?.outsideHome && !outsideHome && (
          <button
            type="button"
            className="link-button"
            data-testid="list-outside-home"
            onClick={() => setOutsideHome(true)}
          >
            List it anyway
          </button>
        )}
      </p>
    </form>
  );
}
