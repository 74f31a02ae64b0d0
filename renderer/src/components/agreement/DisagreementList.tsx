import type { AgreementReport } from '../../../../shared/labels.js';
import { api } from '../../api.js';
import { agreementRaterName, minorityLabels } from '../../labeling/kappa.js';

const MAX_DISAGREEMENT_ROWS = 500;

interface DisagreementListProps {
  report: AgreementReport;
  bagId: string;
  /** The qualified asset table of the images, for their thumbnails. */
  table: string;
  nameOf(execution: string): string;
  onOpen(targets: string[], at: number): void;
}

/**
 * Every image the raters disagree on, with its thumbnail; the header stays while the list scrolls, and
 * each row's image is a button (Tab reaches it, Enter opens the labeler there).
 */
export function DisagreementList({ report, bagId, table, nameOf, onOpen }: DisagreementListProps) {
  const raters = report.raters;
  const targets = report.disagreements.map((entry) => entry.target);
  const shown = report.disagreements.slice(0, MAX_DISAGREEMENT_ROWS);
  if (shown.length === 0) return <p className="muted">Every rater agrees on every image they share.</p>;
  return (
    <div className="disagreement-scroll">
      <table className="data-grid disagreements" data-testid="disagreements">
        <thead>
          <tr>
            <th scope="col">Image</th>
            {raters.map((rater) => (
              <th
                key={rater.id}
                scope="col"
                title={rater.id === 'drafts' ? undefined : `execution ${rater.id}`}
              >
                {agreementRaterName(rater, nameOf)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((entry, position) => {
            const minority = minorityLabels(entry.labels);
            const said = raters
              .filter((rater) => entry.labels[rater.id] !== undefined)
              .map((rater) => `${agreementRaterName(rater, nameOf)} ${entry.labels[rater.id]}`)
              .join(', ');
            return (
              <tr
                key={entry.target}
                className="clickable"
                data-testid={`disagreement-${entry.target}`}
                onClick={() => onOpen(targets, position)}
              >
                <td>
                  <button
                    type="button"
                    className="disagreement-open"
                    data-testid={`open-disagreement-${entry.target}`}
                    aria-label={`Label ${entry.target} (${said})`}
                    onClick={(event) => {
                      event.stopPropagation();
                      onOpen(targets, position);
                    }}
                  >
                    <img
                      src={api.assetUrl('thumb', bagId, table, entry.target)}
                      alt=""
                      loading="lazy"
                      decoding="async"
                    />
                    <span className="mono">{entry.target}</span>
                  </button>
                </td>
                {raters.map((rater) => {
                  const label = entry.labels[rater.id];
                  return (
                    <td
                      key={rater.id}
                      className={label !== undefined && minority.has(label) ? 'dissent' : undefined}
                    >
                      {label ?? <span className="muted">—</span>}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
      {report.disagreements.length > shown.length && (
        <p className="muted small">
          The first {shown.length} of {report.disagreements.length.toLocaleString()} are listed; open one to
          label them all in order.
        </p>
      )}
    </div>
  );
}
