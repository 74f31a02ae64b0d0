import { useRegions } from '../../stores/regions/index.js';

const KIND_NAMES = { rectangle: 'Box', polygon: 'Polygon', point: 'Point' } as const;

/** The image's regions in drawing order (Tab's order); a click selects one. */
export function RegionList() {
  const regions = useRegions((state) => state.regions);
  const selected = useRegions((state) => state.selected);
  const loaded = useRegions((state) => state.loaded);
  const { select } = useRegions.getState();
  if (!loaded) return <p className="muted small">Reading your regions…</p>;
  if (regions.length === 0)
    return (
      <p className="muted small" data-testid="region-list-empty">
        No regions on this image yet: press B, P or O to draw.
      </p>
    );
  return (
    <ol className="region-list" data-testid="region-list" aria-label="Regions">
      {regions.map((region, index) => (
        <li key={index}>
          <button
            type="button"
            className={selected === index ? 'region-entry selected' : 'region-entry'}
            aria-pressed={selected === index}
            data-testid={`region-entry-${index}`}
            onClick={() => select(selected === index ? null : index)}
          >
            <span className="muted">{index + 1}</span>
            <span>{KIND_NAMES[region.kind]}</span>
            <span className="region-entry-label">
              {region.label ?? <span className="muted">no term</span>}
            </span>
          </button>
        </li>
      ))}
    </ol>
  );
}
