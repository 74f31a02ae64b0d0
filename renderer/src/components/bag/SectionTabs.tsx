import type { KeyboardEvent } from 'react';
import { elementTypesOf } from '../../data/bagModel.js';
import { useLabeling } from '../../stores/labeling.js';
import { useSession, type BagSection } from '../../stores/session.js';

interface Tab {
  id: string;
  label: string;
  section: BagSection;
}

/** Element type tabs (Image, Subject, …) plus the table browser; arrow keys move between tabs. */
export function SectionTabs() {
  const datasets = useSession((state) => state.datasets);
  const section = useSession((state) => state.section);
  const recurse = useSession((state) => state.recurse);
  const showSection = useSession((state) => state.showSection);
  const setRecurse = useSession((state) => state.setRecurse);
  const bag = useSession((state) => state.bag);
  const features = useSession((state) => state.features);
  const labeling = useLabeling((state) => state.active);
  const canLabel = features.some((feature) => bag?.assetElementTypes.includes(feature.target));

  const tabs: Tab[] = [
    ...elementTypesOf(datasets).map((name): Tab => ({
      id: name,
      label: name,
      section: { kind: 'members', elementType: name },
    })),
    { id: 'tables', label: 'All tables', section: { kind: 'tables' } },
  ];
  const activeId = section.kind === 'members' ? section.elementType : 'tables';

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (step === 0) return;
    event.preventDefault();
    const index = tabs.findIndex((tab) => tab.id === activeId);
    const next = tabs[(index + step + tabs.length) % tabs.length]!;
    showSection(next.section);
    document.getElementById(`tab-${next.id}`)?.focus();
  };

  return (
    <div className="section-bar">
      <div role="tablist" aria-label="Members and tables" className="tabs" onKeyDown={onKeyDown}>
        {tabs.map((tab) => {
          const active = tab.id === activeId;
          return (
            <button
              key={tab.id}
              id={`tab-${tab.id}`}
              type="button"
              role="tab"
              aria-selected={active}
              tabIndex={active ? 0 : -1}
              className={active ? 'tab active' : 'tab'}
              data-testid={`tab-${tab.id}`}
              onClick={() => !active && showSection(tab.section)}
            >
              {tab.label}
            </button>
          );
        })}
      </div>
      {section.kind === 'members' && !labeling && (
        <label className="toggle">
          <input
            type="checkbox"
            data-testid="recurse-toggle"
            checked={recurse}
            onChange={(event) => setRecurse(event.target.checked)}
          />
          Include nested datasets
        </label>
      )}
      <button
        type="button"
        className={labeling ? 'primary label-mode' : 'secondary label-mode'}
        data-testid="label-mode"
        aria-pressed={labeling}
        disabled={!canLabel && !labeling}
        title={
          canLabel
            ? 'Label mode: label images with the keyboard, in bulk, and compare raters'
            : 'This bag has no feature on images to label'
        }
        onClick={() => (labeling ? useLabeling.getState().stop() : void useLabeling.getState().start())}
      >
        {labeling ? '✎ Labeling' : '✎ Label'}
      </button>
    </div>
  );
}
