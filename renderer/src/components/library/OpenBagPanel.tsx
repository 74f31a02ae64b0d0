import { useState } from 'react';
import { api } from '../../api.js';
import { chooseAndOpenBag, PATH_INPUT_ID } from '../../openActions.js';
import { MOD_KEY } from '../../keymap.js';
import { useSession } from '../../stores/session.js';

export function OpenBagPanel() {
  return (
    <section className="card" aria-labelledby="open-bag-title">
      <h2 id="open-bag-title">Open a bag</h2>
      {api.transport === 'electron' ? <OpenWithDialog /> : <OpenByPath />}
    </section>
  );
}

function OpenWithDialog() {
  const opening = useSession((state) => state.openingPath !== null);
  return (
    <div className="open-row">
      <button
        type="button"
        className="primary"
        data-testid="open-bag"
        disabled={opening}
        onClick={() => void chooseAndOpenBag()}
      >
        Open bag…
      </button>
      <span className="muted">
        <kbd>{MOD_KEY} O</kbd> · or drop a bag folder or .zip file onto this window
      </span>
    </div>
  );
}

/** Browser mode has no native dialog: the user types the path of a bag folder or zip on this machine. */
function OpenByPath() {
  const [path, setPath] = useState('');
  const opening = useSession((state) => state.openingPath !== null);
  const openBag = useSession((state) => state.openBag);
  const trimmed = path.trim();
  return (
    <form
      className="open-row"
      onSubmit={(event) => {
        event.preventDefault();
        if (trimmed) void openBag(trimmed);
      }}
    >
      <label htmlFor={PATH_INPUT_ID} className="visually-hidden">
        Path of a bag folder or .zip file
      </label>
      <input
        id={PATH_INPUT_ID}
        data-testid="path-input"
        className="path-input"
        type="text"
        spellCheck={false}
        autoComplete="off"
        placeholder="Path of a bag folder or .zip file, e.g. /data/bags/Dataset_58A"
        value={path}
        onChange={(event) => setPath(event.target.value)}
      />
      <button type="submit" className="primary" data-testid="open-path" disabled={!trimmed || opening}>
        Open
      </button>
    </form>
  );
}
