import type { RegionAgreementReport } from '../../../../shared/regions.js';
import { useLabeling } from '../../stores/labeling.js';
import { formatIoU } from '../../regions/format.js';

const MAX_ROWS = 500;

/** The images both raters drew, the most different first; a row opens the labeler on them in this order. */
export function RegionQueue({ report }: { report: RegionAgreementReport }) {
  const { openTargets } = useLabeling.getState();
  const targets = report.queue.map((entry) => entry.target);
  if (report.queue.length === 0) return <p className="muted">No image was drawn by both raters.</p>;
  return (
    <div className="disagreement-scroll">
      <table className="data-grid" data-testid="region-queue">
        <thead>
          <tr>
            <th scope="col">Image</th>
            <th scope="col">Difference</th>
            <th scope="col">Matched</th>
            <th scope="col">Mean IoU</th>
            <th scope="col">Unmatched (first / second)</th>
            <th scope="col">Different terms</th>
            <th scope="col">Points, lines</th>
          </tr>
        </thead>
        <tbody>
          {report.queue.slice(0, MAX_ROWS).map((entry, position) => (
            <tr
              key={entry.target}
              className="clickable"
              data-testid={`region-queue-${entry.target}`}
              title="Open the images in this order in the labeler"
              onClick={() => void openTargets('Regions differ most', targets, position)}
            >
              <td className="mono">{entry.target}</td>
              <td className="number">{entry.difference.toFixed(2)}</td>
              <td className="number">{entry.matched}</td>
              <td className="number">{formatIoU(entry.meanIoU)}</td>
              <td className="number">
                {entry.unmatchedA} / {entry.unmatchedB}
              </td>
              <td className="number">{entry.labelMismatches}</td>
              <td className="number">
                {entry.notComparedA} / {entry.notComparedB}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.queue.length > MAX_ROWS && (
        <p className="muted small">The first {MAX_ROWS} are listed; a click opens them all in order.</p>
      )}
    </div>
  );
}
