import { useEffect, useState, type ReactNode } from 'react';
import type { RegionAgreementReport } from '../../../../shared/regions.js';
import { errorMessage, request } from '../../api.js';
import { formatIoU } from '../../regions/format.js';
import { useRegions } from '../../stores/regions/index.js';
import { RegionPairPicker } from './RegionPairPicker.js';
import { RegionQueue } from './RegionQueue.js';

/** Region agreement of two raters on an asset-valued feature: matched boxes, mean IoU, unmatched, worst first. */
export function RegionAgreementView({
  bagId,
  feature,
  onBack,
}: {
  bagId: string;
  feature: string;
  onBack: () => void;
}) {
  const [pair, setPair] = useState<[string, string] | null>(null);
  const [answer, setAnswer] = useState<{ report?: RegionAgreementReport; error?: string }>({});
  // A saved drawing changes the drafts rater.
  const drawn = useRegions((state) => state.drawn);

  useEffect(() => {
    let current = true;
    request('regions:agreement', { bagId, feature, ...(pair ? { pair } : {}) }).then(
      (report) => current && setAnswer({ report }),
      (error: unknown) => current && setAnswer({ error: errorMessage(error) }),
    );
    return () => {
      current = false;
    };
  }, [bagId, feature, pair, drawn]);

  const { report, error } = answer;
  return (
    <section className="agreement-view" data-testid="region-agreement" aria-label="Region agreement">
      <header className="agreement-header">
        <h2>Region agreement on {feature}</h2>
        <span className="spacer" />
        <button type="button" className="secondary" data-testid="label-agreement" onClick={onBack}>
          Label agreement
        </button>
      </header>
      {error && (
        <p className="label-error" role="alert">
          {error}
        </p>
      )}
      {!report && !error && <p className="empty">Comparing drawings…</p>}
      {report && (
        <div className="agreement-body">
          <section className="agreement-card">
            <h3>Raters</h3>
            <RegionPairPicker report={report} onChange={setPair} />
            <RegionSummary report={report} />
          </section>
          {report.problems.length > 0 && (
            <section className="agreement-card wide" data-testid="region-problems">
              <h3>Files that could not be read ({report.problems.length})</h3>
              <ul className="small">
                {report.problems.slice(0, 50).map((problem) => (
                  <li key={problem} className="warn">
                    {problem}
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section className="agreement-card wide">
            <h3>
              Images where they differ most{' '}
              <span className="muted">({report.queue.length.toLocaleString()} drawn by both)</span>
            </h3>
            <RegionQueue report={report} />
          </section>
        </div>
      )}
    </section>
  );
}

function RegionSummary({ report }: { report: RegionAgreementReport }) {
  if (!report.pair) return <p className="muted">Region agreement needs two raters with drawings.</p>;
  return (
    <dl
      className="details-list region-summary"
      data-testid="region-summary"
      data-images={report.images}
      data-matched={report.matched}
      data-unmatched-a={report.unmatchedA}
      data-unmatched-b={report.unmatchedB}
      data-mean-iou={report.meanIoU ?? ''}
    >
      <Fact label="Images both drew">{report.images.toLocaleString()}</Fact>
      <Fact label={`Mean IoU of matched regions (IoU ≥ ${report.threshold})`}>
        {formatIoU(report.meanIoU)}
      </Fact>
      <Fact label="Matched regions">{report.matched.toLocaleString()}</Fact>
      <Fact label="Unmatched, first rater">{report.unmatchedA.toLocaleString()}</Fact>
      <Fact label="Unmatched, second rater">{report.unmatchedB.toLocaleString()}</Fact>
      <Fact label="Matched with different terms">{report.labelMismatches.toLocaleString()}</Fact>
      <Fact label="Drawn by one rater only">
        {report.onlyA.toLocaleString()} / {report.onlyB.toLocaleString()} images
      </Fact>
    </dl>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="details-pair">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
