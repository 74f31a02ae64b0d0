import type { FoundBag, LibraryState, RecentBag } from '../../../../shared/contract.js';
import { useLibrary } from '../../stores/library.js';
import { useSession } from '../../stores/session.js';

interface BagListsProps {
  library: LibraryState;
}

export function BagLists({ library }: BagListsProps) {
  return (
    <>
      {library.derivaCache.length > 0 && (
        <section className="card" aria-labelledby="cache-title" data-testid="cache-card">
          <h2 id="cache-title">Found in the deriva-ml cache</h2>
          <ul className="bag-list" data-testid="cache-bags">
            {library.derivaCache.map((bag) => (
              <CachedBagItem key={bag.path} bag={bag} />
            ))}
          </ul>
        </section>
      )}
      <section className="card" aria-labelledby="recent-title">
        <h2 id="recent-title">Recent bags</h2>
        {library.recent.length === 0 ? (
          <p className="muted">Bags you open appear here.</p>
        ) : (
          <ul className="bag-list" data-testid="recent-bags">
            {library.recent.map((bag) => (
              <RecentBagItem key={bag.path} bag={bag} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function OpenButton({ path, name }: { path: string; name: string }) {
  const opening = useSession((state) => state.openingPath !== null);
  const openBag = useSession((state) => state.openBag);
  return (
    <button
      type="button"
      className="primary"
      disabled={opening}
      onClick={() => void openBag(path)}
      aria-label={`Open ${name}`}
    >
      Open
    </button>
  );
}

function RecentBagItem({ bag }: { bag: RecentBag }) {
  const forget = useLibrary((state) => state.forget);
  const name = `dataset ${bag.rid}${bag.version ? ` v${bag.version}` : ''} (${bag.source ?? bag.path})`;
  return (
    <li className="bag-item" data-testid="recent-bag" data-path={bag.path}>
      <div className="bag-item-text">
        <div className="bag-item-title">
          <span className="rid">{bag.rid}</span>
          <span className="chip" data-testid="recent-version">
            {bag.version ? `v${bag.version}` : 'no version'}
          </span>
          {bag.source && (
            <span className="bag-source" data-testid="recent-source">
              {bag.source}
            </span>
          )}
        </div>
        <div className="path tail" title={bag.path}>
          <bdi>{bag.path}</bdi>
        </div>
        <div className="muted small">opened {new Date(bag.openedAt).toLocaleString()}</div>
      </div>
      <OpenButton path={bag.path} name={name} />
      <button
        type="button"
        className="ghost"
        onClick={() => void forget(bag.path)}
        aria-label={`Forget ${name}`}
      >
        Forget
      </button>
    </li>
  );
}

function CachedBagItem({ bag }: { bag: FoundBag }) {
  return (
    <li className="bag-item" data-testid="cache-bag">
      <div className="bag-item-text">
        <div className="bag-item-title">
          <span className="rid">{bag.rid}</span>
          <span className="muted small">{bag.source}</span>
        </div>
        <div className="path" title={bag.path}>
          {bag.path}
        </div>
      </div>
      <OpenButton path={bag.path} name={`dataset ${bag.rid}`} />
    </li>
  );
}
