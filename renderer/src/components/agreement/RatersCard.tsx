import type { AgreementReport } from '../../../../shared/labels.js';
import { agreementRaterName, formatKappa, kappaWords, raterDescription } from '../../labeling/kappa.js';

interface RatersCardProps {
  report: AgreementReport;
  pair: [string | undefined, string | undefined];
  nameOf(execution: string): string;
  onPair(pair: [string, string]): void;
}

/** Each rater with the images it labeled, and Cohen's κ of every pair (a pair opens in the matrix). */
export function RatersCard({ report, pair: [a, b], nameOf, onPair }: RatersCardProps) {
  const name = (id: string) => agreementRaterName({ id }, nameOf);
  return (
    <section className="agreement-card raters">
      <h3>Raters</h3>
      <table className="data-grid" data-testid="raters">
        <thead>
          <tr>
            <th scope="col">Rater</th>
            <th scope="col">Who</th>
            <th scope="col">Images</th>
          </tr>
        </thead>
        <tbody>
          {report.raters.map((rater) => (
            <tr key={rater.id} data-testid={`rater-${rater.id}`}>
              <td title={rater.id === 'drafts' ? undefined : `execution ${rater.id}`}>{name(rater.id)}</td>
              <td>{raterDescription(rater)}</td>
              <td className="number">{rater.targets.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Cohen's κ per pair</h3>
      <table className="data-grid" data-testid="kappa-table">
        <thead>
          <tr>
            <th scope="col">Pair</th>
            <th scope="col">Shared</th>
            <th scope="col">κ</th>
          </tr>
        </thead>
        <tbody>
          {report.pairs.map((entry) => {
            const shown = (entry.a === a && entry.b === b) || (entry.a === b && entry.b === a);
            return (
              <tr
                key={`${entry.a} ${entry.b}`}
                className={shown ? 'chosen' : undefined}
                data-testid={`pair-${entry.a}-${entry.b}`}
              >
                <td>
                  <button
                    type="button"
                    className="link-button"
                    aria-pressed={shown}
                    title="Show this pair in the confusion matrix"
                    onClick={() => onPair([entry.a, entry.b])}
                  >
                    {name(entry.a)} vs {name(entry.b)}
                  </button>
                </td>
                <td className="number">{entry.shared.toLocaleString()}</td>
                <td className="number" title={kappaWords(entry.kappa)}>
                  {formatKappa(entry.kappa)} <span className="muted small">{kappaWords(entry.kappa)}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
