import { useLibrary } from '../../stores/library.js';
import { CatalogPanel } from '../catalog/CatalogPanel.js';
import { BagLists } from './BagLists.js';
import { OpenBagPanel } from './OpenBagPanel.js';
import { SampleCard } from './SampleCard.js';
import './library.css';

export function LibraryScreen() {
  const library = useLibrary((state) => state.library);
  const firstTime = library !== null && library.recent.length === 0;
  return (
    <main className="library" data-testid="library">
      <header className="library-header">
        <h1>Satchel</h1>
        <p className="muted">Browse DerivaML dataset bags: datasets, members, images and their labels.</p>
      </header>
      {firstTime && <SampleCard prominent />}
      <OpenBagPanel />
      {/* Bags already on this machine come first: the catalog is for fetching new ones. */}
      {library && <BagLists library={library} />}
      <CatalogPanel />
      {library && !firstTime && <SampleCard prominent={false} />}
    </main>
  );
}
