import type { AgreementReport } from '../../../../shared/labels.js';
import { agreementRaterName, formatKappa } from '../../labeling/kappa.js';

type Rater = AgreementReport['raters'][number];

interface ConfusionMatrixProps {
  report: AgreementReport;
  pair: [string | undefined, string | undefined];
  nameOf(execution: string): string;
  onChoose(which: 0 | 1, id: string): void;
  onOpen(title: string, targets: string[]): void;
}

/** Two raters' labels against each other; a cell opens its images as a work queue. */
export function ConfusionMatrix({ report, pair: [a, b], nameOf, onChoose, onOpen }: ConfusionMatrixProps) {
  const raters = report.raters;
  const raterA = raters.find((rater) => rater.id === a);
  const raterB = raters.find((rater) => rater.id === b);
  const confusion = report.confusion;
  const name = (rater: Rater) => agreementRaterName(rater, nameOf);
  const pairKappa = report.pairs.find(
    (entry) => (entry.a === a && entry.b === b) || (entry.a === b && entry.b === a),
  );
  const disagreeing = confusion
    ? confusion.matrix.reduce(
        (sum, row, i) => sum + row.reduce((rowSum, count, j) => rowSum + (i === j ? 0 : count), 0),
        0,
      )
    : 0;
  return (
    <section className="agreement-card matrix">
      <h3>Confusion matrix</h3>
      <div className="pair-pickers">
        <RaterPicker
          label="Rows"
          testId="rater-a"
          value={a}
          raters={raters}
          name={name}
          onChange={(id) => onChoose(0, id)}
        />
        <RaterPicker
          label="Columns"
          testId="rater-b"
          value={b}
          raters={raters}
          name={name}
          onChange={(id) => onChoose(1, id)}
        />
      </div>
      {confusion && raterA && raterB ? (
        <>
          <p data-testid="confusion-summary" data-shared={confusion.shared} data-disagreements={disagreeing}>
            <strong>{confusion.shared.toLocaleString()}</strong> images rated by both ·{' '}
            <strong className={disagreeing > 0 ? 'danger' : undefined}>{disagreeing.toLocaleString()}</strong>{' '}
            disagreements · κ {formatKappa(pairKappa?.kappa ?? null)}
          </p>
          <div className="confusion-scroll">
            <table className="confusion" data-testid="confusion-matrix">
              <caption className="visually-hidden">
                Rows: {name(raterA)}; columns: {name(raterB)}
              </caption>
              <thead>
                <tr>
                  <th scope="col" className="corner">
                    <span className="muted small">
                      {name(raterA)} ↓ · {name(raterB)} →
                    </span>
                  </th>
                  {confusion.labels.map((label) => (
                    <th key={label} scope="col">
                      {label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {confusion.matrix.map((row, i) => (
                  <tr key={confusion.labels[i]}>
                    <th scope="row">{confusion.labels[i]}</th>
                    {row.map((count, j) => {
                      const targets = confusion.targets[`${i},${j}`] ?? [];
                      const kind = count === 0 ? 'zero' : i === j ? 'agree' : 'disagree';
                      const said = `${name(raterA)} said ${confusion.labels[i]}, ${name(raterB)} said ${confusion.labels[j]}`;
                      return (
                        <td key={j} className={`cell ${kind}`}>
                          <button
                            type="button"
                            data-testid={`cell-${i}-${j}`}
                            disabled={count === 0}
                            aria-label={`${count} image${count === 1 ? '' : 's'}: ${said}`}
                            title={`${said}: ${count} image${count === 1 ? '' : 's'}${count > 0 ? '; click to label them' : ''}`}
                            onClick={() =>
                              onOpen(
                                `${name(raterA)} ${confusion.labels[i]} · ${name(raterB)} ${confusion.labels[j]}`,
                                targets,
                              )
                            }
                          >
                            {count}
                          </button>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted small">Click a cell to make its images the work queue and label them.</p>
        </>
      ) : (
        <p className="muted">Choose two raters that share images.</p>
      )}
    </section>
  );
}

function RaterPicker(props: {
  label: string;
  testId: string;
  value: string | undefined;
  raters: Rater[];
  name(rater: Rater): string;
  onChange(id: string): void;
}) {
  return (
    <label>
      {props.label}
      <select
        data-testid={props.testId}
        value={props.value ?? ''}
        onChange={(event) => props.onChange(event.target.value)}
      >
        {props.raters.map((rater) => (
          <option key={rater.id} value={rater.id}>
            {props.name(rater)}
          </option>
        ))}
      </select>
    </label>
  );
}
