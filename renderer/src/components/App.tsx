import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.js';
import { useConnection } from '../stores/connection.js';
import { useLibrary } from '../stores/library.js';
import { useSession } from '../stores/session.js';
import { BagView } from './bag/BagView.js';
import { ConnectionProblem } from './common/ConnectionProblem.js';
import { DropOverlay } from './common/DropOverlay.js';
import { ErrorBanner } from './common/ErrorBanner.js';
import { OpeningProgress } from './common/OpeningProgress.js';
import { ShortcutOverlay } from './common/ShortcutOverlay.js';
import { useBagDrop } from './common/useBagDrop.js';
import { useGlobalKeys } from './common/useGlobalKeys.js';
import { LibraryScreen } from './library/LibraryScreen.js';

export function App() {
  const problem = useConnection((state) => state.problem);
  const [showShortcuts, setShowShortcuts] = useState(false);
  const dragging = useBagDrop();
  useGlobalKeys(useCallback(() => setShowShortcuts((shown) => !shown), []));
  useEffect(() => api.on('show-shortcuts', () => setShowShortcuts(true)), []);

  return (
    <div className="app">
      {problem ? <ConnectionProblem problem={problem} /> : <Screens />}
      {showShortcuts && <ShortcutOverlay onClose={() => setShowShortcuts(false)} />}
      {dragging && <DropOverlay />}
    </div>
  );
}

function Screens() {
  const started = useLibrary((state) => state.library !== null);
  const bagId = useSession((state) => state.bag?.bagId);
  return (
    <>
      <ErrorBanner />
      <OpeningProgress />
      {/* A bag opened over another starts with fresh view state (tree expansion, focus). */}
      {bagId ? (
        <BagView key={bagId} />
      ) : started ? (
        <LibraryScreen />
      ) : (
        <p className="starting">Connecting to Satchel…</p>
      )}
    </>
  );
}
