import type { RegionAgreementReport } from '../../../../shared/regions.js';

function raterName(rater: { id: string; label: string }): string {
  return rater.id === 'drafts' ? 'My drafts' : rater.label;
}

/** The two raters compared, each picked from every rater with region drawings. */
export function RegionPairPicker({
  report,
  onChange,
}: {
  report: RegionAgreementReport;
  onChange: (pair: [string, string]) => void;
}) {
  const [a, b] = report.pair ?? [undefined, undefined];
  const choose = (which: 0 | 1, id: string) => {
    const next: [string, string] = [a ?? id, b ?? id];
    next[which] = id;
    onChange(next);
  };
  return (
    <div className="pair-pickers">
      {(['First', 'Second'] as const).map((label, which) => (
        <label key={label}>
          {label}
          <select
            data-testid={`region-rater-${which === 0 ? 'a' : 'b'}`}
            value={(which === 0 ? a : b) ?? ''}
            onChange={(event) => choose(which as 0 | 1, event.target.value)}
          >
            {report.raters.map((rater) => (
              <option key={rater.id} value={rater.id}>
                {raterName(rater)} ({rater.images} images, {rater.regions} regions)
              </option>
            ))}
          </select>
        </label>
      ))}
    </div>
  );
}
