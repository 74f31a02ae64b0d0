import { DRAFTS_RATER, useRegions } from '../../stores/regions/index.js';
import { raterColour } from './raters.js';

/** Show or hide the regions of each rater: every execution with a region file here, and my drafts. */
export function RaterToggles({ drafts }: { drafts: boolean }) {
  const files = useRegions((state) => state.files);
  const hidden = useRegions((state) => state.hidden);
  const { toggleRater } = useRegions.getState();
  const raters = [
    ...(drafts ? [DRAFTS_RATER] : []),
    ...new Set(files.filter((file) => file.kind === 'regions').map((file) => file.execution ?? '')),
  ];
  if (raters.length === 0) return null;
  return (
    <fieldset className="rater-toggles" data-testid="rater-toggles">
      <legend>Regions shown</legend>
      {raters.map((rater) => (
        <label key={rater} className="toggle">
          <input
            type="checkbox"
            data-testid={`show-rater-${rater}`}
            checked={!hidden[rater]}
            onChange={(event) => {
              toggleRater(rater);
              // Hand the keys back to the viewer: a focused checkbox would keep them from the labeler.
              event.currentTarget.blur();
            }}
          />
          <span className="swatch" style={{ background: raterColour(rater) }} />
          {rater === DRAFTS_RATER ? 'My drafts' : `Execution ${rater || '—'}`}
        </label>
      ))}
    </fieldset>
  );
}
