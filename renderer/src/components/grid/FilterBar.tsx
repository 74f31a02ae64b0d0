import type { FacetCounts, MemberFilter } from '../../../../shared/bag.js';
import { featureName, filterText, filterTitle, sameFilter } from '../../data/memberFilters.js';
import { raterNamer } from '../../labeling/raterNames.js';
import { useLabeling } from '../../stores/labeling.js';
import { useSession } from '../../stores/session.js';

interface FilterBarProps {
  elementType: string;
  counts: FacetCounts | undefined;
  /** The grid's member count, shown while no counts were asked for (the panel closed, no filter on). */
  members: number | null;
  panelOpen: boolean;
  onTogglePanel(): void;
}

/** The grid's filters as removable chips, how many members pass them, and the way into labeling them. */
export function FilterBar({ elementType, counts, members, panelOpen, onTogglePanel }: FilterBarProps) {
  const where = useSession((state) => state.where);
  const raters = useSession((state) => state.raters);
  const features = useSession((state) => state.features);
  const setFilters = useSession((state) => state.setFilters);
  const nameOf = raterNamer(raters);
  const labelable = features.filter((feature) => feature.target === elementType);
  const remove = (filter: MemberFilter) =>
    setFilters(where.filter((candidate) => !sameFilter(candidate, filter)));
  // The queue labels the feature a filter names, else the one label mode would pick.
  const named = where.find(
    (filter): filter is Extract<MemberFilter, { feature: string }> =>
      'feature' in filter &&
      labelable.some((feature) => `${feature.target}/${feature.name}` === filter.feature),
  );
  const labelThese = () =>
    void useLabeling
      .getState()
      .labelFiltered(
        { kind: 'filter', title: filterTitle(where, nameOf), elementType, where },
        named?.feature,
      );

  return (
    <div className="filter-bar" role="region" aria-label="Active filters" data-testid="filter-bar">
      <button
        type="button"
        className="ghost"
        aria-pressed={panelOpen}
        aria-controls="filter-panel"
        onClick={onTogglePanel}
        data-testid="toggle-filters"
        title="Show or hide the filters"
      >
        Filters{where.length > 0 ? ` (${where.length})` : ''}
      </button>
      <span className="filter-count" data-testid="filter-count" aria-live="polite">
        {counts
          ? where.length > 0
            ? `${counts.total.toLocaleString()} of ${counts.members.toLocaleString()}`
            : `${counts.members.toLocaleString()} ${elementType}`
          : where.length === 0 && members !== null
            ? `${members.toLocaleString()} ${elementType}`
            : '…'}
      </span>
      <ul className="filter-chips" aria-label="Filters on">
        {where.map((filter) => {
          const text = filterText(filter, nameOf);
          return (
            <li key={JSON.stringify(filter)} className="chip filter-chip" data-testid="filter-chip">
              <span>{text}</span>
              <button
                type="button"
                className="chip-remove"
                aria-label={`Remove filter ${text}`}
                title={`Remove filter ${text}`}
                onClick={() => remove(filter)}
              >
                ×
              </button>
            </li>
          );
        })}
      </ul>
      {where.length > 0 && (
        <button type="button" className="ghost" onClick={() => setFilters([])} data-testid="clear-filters">
          Clear all
        </button>
      )}
      {where.length > 0 && labelable.length > 0 && (
        <button
          type="button"
          className="primary"
          onClick={labelThese}
          disabled={!counts || counts.total === 0}
          data-testid="label-filtered"
          title={`Label these ${elementType} members as a work queue${named ? ` (feature ${featureName(named.feature)})` : ''}`}
        >
          Label these{counts ? ` ${counts.total.toLocaleString()}` : ''}
        </button>
      )}
    </div>
  );
}
