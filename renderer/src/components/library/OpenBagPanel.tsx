import { api } from '../../api.js';
import { chooseAndOpenBag } from '../../openActions.js';
import { MOD_KEY } from '../../keymap.js';
import { useSession } from '../../stores/session.js';
import { PathField } from './PathField.js';

export function OpenBagPanel() {
  return (
    <section className="card" aria-labelledby="open-bag-title">
      <h2 id="open-bag-title">Open a bag</h2>
      {api.transport === 'electron' ? <OpenWithDialog /> : <PathField />}
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
