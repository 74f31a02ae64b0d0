import { useEffect, useState } from 'react';
import type { AgreementReport } from '../../../../shared/labels.js';
import { errorMessage, request } from '../../api.js';
import { isRegionFeature } from '../../regions/feature.js';
import { useLabeling, useLabelFeature } from '../../stores/labeling.js';
import { useSession } from '../../stores/session.js';
import { RegionAgreementView } from '../regions/RegionAgreementView.js';

const MAX_DISAGREEMENT_ROWS = 500;

/** Landis and Koch's words for a kappa, so the number reads without a textbook. */
export function kappaWords(kappa: number | null): string {
  if (kappa === null) return 'undefined';
  if (kappa < 0) return 'worse than chance';
  if (kappa === 0) return 'chance';
  if (kappa <= 0.2) return 'slight';
  if (kappa <= 0.4) return 'fair';
  if (kappa <= 0.6) return 'moderate';
  if (kappa <= 0.8) return 'substantial';
  return 'almost perfect';
}

function formatKappa(kappa: number | null): string {
  return kappa === null ? '—' : kappa.toFixed(2);
}

/** The part of a rater's label after its id ("5VJ: Cell-type annotation…" → "Cell-type annotation…"). */
function raterDescription(rater: { id: string; label: string }): string {
  if (rater.id === 'drafts') return 'Your drafts in this workspace, not committed yet';
  return rater.label.startsWith(`${rater.id}: `) ? rater.label.slice(rater.id.length + 2) : rater.label;
}

function raterName(rater: { id: string; label: string }): string {
  return rater.id === 'drafts' ? 'My drafts' : rater.id;
}

type Rater = AgreementReport['raters'][number];

/** One of the two raters the confusion matrix compares. */
function RaterPicker(props: {
  label: string;
  testId: string;
  value: string | null | undefined;
  raters: Rater[];
  onChange: (id: string) => void;
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
            {raterName(rater)}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Who agrees with whom on the feature: raters, kappas, a confusion matrix whose cells open work queues, disagreements. */
export function AgreementView() {
  const bagId = useSession((state) => state.bag!.bagId);
  const feature = useLabelFeature();
  const draftsVersion = useLabeling((state) => state.draftsVersion);
  const { openTargets, showView } = useLabeling.getState();
  const [pair, setPair] = useState<[string, string] | null>(null);
  const [answer, setAnswer] = useState<{ report?: AgreementReport; error?: string }>({});
  const [regions, setRegions] = useState(false);
  const featureKey = feature?.key;
  const drawsRegions = isRegionFeature(feature?.shape);

  useEffect(() => {
    if (!featureKey) return;
    let current = true;
    request('labels:agreement', { bagId, feature: featureKey, ...(pair ? { pair } : {}) }).then(
      (report) => current && setAnswer({ report }),
      (error: unknown) => current && setAnswer({ error: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
    // Drafts are a rater too: a new label changes the report.
  }, [bagId, featureKey, pair, draftsVersion]);

  const { report, error } = answer;
  const raters = report?.raters ?? [];
  const [a, b] = pair ?? [raters[0]?.id, raters[1]?.id];
  const raterA = raters.find((rater) => rater.id === a);
  const raterB = raters.find((rater) => rater.id === b);
  const confusion = report?.confusion ?? null;
  const pairKappa = report?.pairs.find(
    (entry) => (entry.a === a && entry.b === b) || (entry.a === b && entry.b === a),
  );
  const disagreeing = confusion
    ? confusion.matrix.reduce(
        (sum, row, i) => sum + row.reduce((rowSum, count, j) => rowSum + (i === j ? 0 : count), 0),
        0,
      )
    : 0;
  const choose = (which: 0 | 1, id: string) => {
    const next: [string, string] = [a ?? id, b ?? id];
    next[which] = id;
    setPair(next);
  };

  if (regions && drawsRegions && featureKey)
    return <RegionAgreementView bagId={bagId} feature={featureKey} onBack={() => setRegions(false)} />;
  return (
    <section className="agreement-view" data-testid="agreement-view" aria-label="Agreement between raters">
      <header className="agreement-header">
        <h2>Agreement on {feature?.key}</h2>
        {report && (
          <span data-testid="fleiss">
            Fleiss' κ <strong>{formatKappa(report.fleiss.kappa)}</strong>{' '}
            <span className="muted">
              ({kappaWords(report.fleiss.kappa)}) over {report.fleiss.subjects.toLocaleString()} images rated
              by all {raters.length} raters
            </span>
          </span>
        )}
        <span className="spacer" />
        {drawsRegions && (
          <button
            type="button"
            className="secondary"
            data-testid="region-agreement-button"
            onClick={() => setRegions(true)}
          >
            Region agreement
          </button>
        )}
        <button type="button" className="secondary" onClick={() => showView('grid')}>
          Back to the grid
        </button>
      </header>
      {error && (
        <p className="label-error" role="alert">
          {error}
        </p>
      )}
      {!report && !error && <p className="empty">Comparing raters…</p>}
      {report && (
        <div className="agreement-body">
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
                {raters.map((rater) => (
                  <tr key={rater.id} data-testid={`rater-${rater.id}`}>
                    <td className="mono">{raterName(rater)}</td>
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
                  const name = (id: string) =>
                    raterName(raters.find((rater) => rater.id === id) ?? { id, label: id });
                  return (
                    <tr
                      key={`${entry.a} ${entry.b}`}
                      className={shown ? 'chosen' : undefined}
                      data-testid={`pair-${entry.a}-${entry.b}`}
                    >
                      <td className="mono">
                        <button
                          type="button"
                          className="link-button"
                          aria-pressed={shown}
                          title="Show this pair in the confusion matrix"
                          onClick={() => setPair([entry.a, entry.b])}
                        >
                          {name(entry.a)} vs {name(entry.b)}
                        </button>
                      </td>
                      <td className="number">{entry.shared.toLocaleString()}</td>
                      <td className="number" title={kappaWords(entry.kappa)}>
                        {formatKappa(entry.kappa)}{' '}
                        <span className="muted small">{kappaWords(entry.kappa)}</span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
          <section className="agreement-card matrix">
            <h3>Confusion matrix</h3>
            <div className="pair-pickers">
              <RaterPicker
                label="Rows"
                testId="rater-a"
                value={a}
                raters={raters}
                onChange={(id) => choose(0, id)}
              />
              <RaterPicker
                label="Columns"
                testId="rater-b"
                value={b}
                raters={raters}
                onChange={(id) => choose(1, id)}
              />
            </div>
            {confusion && raterA && raterB ? (
              <>
                <p
                  data-testid="confusion-summary"
                  data-shared={confusion.shared}
                  data-disagreements={disagreeing}
                >
                  <strong>{confusion.shared.toLocaleString()}</strong> images rated by both ·{' '}
                  <strong className={disagreeing > 0 ? 'danger' : undefined}>
                    {disagreeing.toLocaleString()}
                  </strong>{' '}
                  disagreements · κ {formatKappa(pairKappa?.kappa ?? null)}
                </p>
                <div className="confusion-scroll">
                  <table className="confusion" data-testid="confusion-matrix">
                    <thead>
                      <tr>
                        <th scope="col" className="corner">
                          <span className="muted small">
                            {raterName(raterA)} ↓ · {raterName(raterB)} →
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
                            return (
                              <td key={j} className={`cell ${kind}`}>
                                <button
                                  type="button"
                                  data-testid={`cell-${i}-${j}`}
                                  disabled={count === 0}
                                  title={`${raterName(raterA)}: ${confusion.labels[i]}, ${raterName(raterB)}: ${confusion.labels[j]} — ${count} image${count === 1 ? '' : 's'}; click to label them`}
                                  onClick={() =>
                                    void openTargets(
                                      `${raterName(raterA)} ${confusion.labels[i]} · ${raterName(raterB)} ${confusion.labels[j]}`,
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
          <section className="agreement-card wide">
            <h3>
              Disagreements{' '}
              <span className="muted">
                ({report.disagreements.length.toLocaleString()} images, every rater)
              </span>
            </h3>
            <DisagreementList report={report} />
          </section>
        </div>
      )}
    </section>
  );
}

function DisagreementList({ report }: { report: AgreementReport }) {
  const { openTargets } = useLabeling.getState();
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
              <th key={rater.id} scope="col" className="mono">
                {raterName(rater)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((entry, position) => {
            const counts = new Map<string, number>();
            for (const label of Object.values(entry.labels)) counts.set(label, (counts.get(label) ?? 0) + 1);
            const most = Math.max(...counts.values());
            // Without a single majority every label is in dispute.
            const tied = [...counts.values()].filter((count) => count === most).length > 1;
            return (
              <tr
                key={entry.target}
                className="clickable"
                data-testid={`disagreement-${entry.target}`}
                onClick={() => void openTargets('Disagreements', targets, position)}
              >
                <td className="mono">{entry.target}</td>
                {raters.map((rater) => {
                  const label = entry.labels[rater.id];
                  const minority = label !== undefined && (tied || counts.get(label)! < most);
                  return (
                    <td key={rater.id} className={minority ? 'dissent' : undefined}>
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
          The first {shown.length} of {report.disagreements.length.toLocaleString()} are listed; click one to
          label them all in order.
        </p>
      )}
    </div>
  );
}
