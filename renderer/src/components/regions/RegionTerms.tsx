import { keyLabel } from '../../labeling/termKeys.js';
import { useLabeling } from '../../stores/labeling.js';
import { useRegions } from '../../stores/regions/index.js';

/** The feature's terms with their keys: a click or the key labels the selected region. */
export function RegionTerms({ terms }: { terms: string[] }) {
  const termKeys = useLabeling((state) => state.termKeys);
  const label = useRegions((state) =>
    state.selected === null ? undefined : state.regions[state.selected]?.label,
  );
  const { assignTerm } = useRegions.getState();
  if (terms.length === 0) return null;
  return (
    <ol className="term-list compact" aria-label="Terms for the selected region">
      {terms.map((term) => {
        const key = termKeys[term];
        return (
          <li key={term}>
            <button
              type="button"
              className={label === term ? 'term current' : 'term'}
              data-testid={`region-term-${term}`}
              disabled={label === undefined}
              aria-pressed={label === term}
              onClick={() => assignTerm(term)}
            >
              <kbd>{key ? keyLabel(key) : '·'}</kbd>
              <span className="term-name">{term}</span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}
