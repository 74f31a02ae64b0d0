import type { LabelFeature } from '../../../../shared/labels.js';
import { regionTerms } from '../../regions/feature.js';
import { useLabeling } from '../../stores/labeling.js';
import { useRegions } from '../../stores/regions/index.js';
import { useSession } from '../../stores/session.js';
import { queueTitle } from '../../labeling/queueTitle.js';
import { FeatureFiles } from './FeatureFiles.js';
import { RaterToggles } from './RaterToggles.js';
import { RegionList } from './RegionList.js';
import { RegionMessages } from './RegionMessages.js';
import { RegionTerms } from './RegionTerms.js';
import { RegionToolbar } from './RegionToolbar.js';

interface RegionPaneProps {
  feature: LabelFeature;
  index: number;
  total: number;
}

/** Beside the image while drawing an asset-valued feature: tools, the regions and their terms, the raters. */
export function RegionPane({ feature, index, total }: RegionPaneProps) {
  const bagId = useSession((state) => state.bag!.bagId);
  const queue = useLabeling((state) => state.queue);
  const drawn = useRegions((state) => state.drawn);
  return (
    <section className="label-pane region-pane" data-testid="region-pane">
      <header className="label-pane-header">
        <h3>{feature.key}</h3>
        <span className="muted small">
          {queueTitle(queue?.spec)} · {(index + 1).toLocaleString()} of {total.toLocaleString()} ·{' '}
          <span data-testid="regions-drawn" data-count={drawn}>
            {drawn.toLocaleString()} image{drawn === 1 ? '' : 's'} drawn
          </span>
        </span>
      </header>
      <RegionToolbar />
      <RegionMessages />
      <RegionList />
      <RegionTerms terms={regionTerms(feature.shape)} />
      <RaterToggles drafts />
      <FeatureFiles bagId={bagId} />
      <p className="muted small label-hint">
        B box · P polygon · O point · Space places · Enter closes · Esc cancels · Tab next region · Del
        deletes · arrows nudge (Shift ×10) · term keys label · C copies the previous image · ←/→ change image
        when nothing is selected
      </p>
    </section>
  );
}
