import { useEffect, useState } from 'react';
import { useActiveConnection, useCatalog } from '../../stores/catalog.js';
import { CommitDialog } from './CommitDialog.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import './catalog.css';

/** The bag header's catalog dot (online, offline, sign in again) and its "Commit labels…" button. */
export function CommitControls() {
  const connection = useActiveConnection();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    void useCatalog.getState().start();
  }, []);
  return (
    <div className="commit-controls">
      <ConnectionBadge connection={connection} testId="header-catalog-status" className="compact" />
      <button
        type="button"
        className="secondary"
        data-testid="commit-button"
        onClick={() => setOpen(true)}
        title="Send this bag's draft labels to a catalog as one execution"
      >
        Commit labels…
      </button>
      {open && <CommitDialog onClose={() => setOpen(false)} />}
    </div>
  );
}
