import { useEffect, useState } from 'react';
import type { AgreementReport } from '../../../../shared/labels.js';
import { errorMessage, request } from '../../api.js';
import { elementTypeTable } from '../../data/bagModel.js';
import { formatKappa, kappaWords } from '../../labeling/kappa.js';
import { raterNamer } from '../../labeling/raterNames.js';
import { isRegionFeature } from '../../regions/feature.js';
import { useLabeling, useLabelFeature } from '../../stores/labeling.js';
import { useSession } from '../../stores/session.js';
import { ConfusionMatrix } from '../agreement/ConfusionMatrix.js';
import { DisagreementList } from '../agreement/DisagreementList.js';
import { RatersCard } from '../agreement/RatersCard.js';
import { RegionAgreementView } from '../regions/RegionAgreementView.js';

/** Who agrees with whom on the feature: raters, kappas, a confusion matrix whose cells open work queues, disagreements. */
export function AgreementView() {
  const bag = useSession((state) => state.bag!);
  const feature = useLabelFeature();
  const draftsVersion = useLabeling((state) => state.draftsVersion);
  const raters = useLabeling((state) => state.raters);
  const { openTargets, showView } = useLabeling.getState();
  const [pair, setPair] = useState<[string, string] | null>(null);
  const [answer, setAnswer] = useState<{ report?: AgreementReport; error?: string }>({});
  const [regions, setRegions] = useState(false);
  const featureKey = feature?.key;
  const drawsRegions = isRegionFeature(feature?.shape);
  const bagId = bag.bagId;

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
  const nameOf = raterNamer(raters);
  const shown: [string | undefined, string | undefined] = pair ?? [
    report?.raters[0]?.id,
    report?.raters[1]?.id,
  ];
  const choose = (which: 0 | 1, id: string) => {
    const next: [string, string] = [shown[0] ?? id, shown[1] ?? id];
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
              by all {report.raters.length} raters
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
          <RatersCard report={report} pair={shown} nameOf={nameOf} onPair={setPair} />
          <ConfusionMatrix
            report={report}
            pair={shown}
            nameOf={nameOf}
            onChoose={choose}
            onOpen={(title, targets) => void openTargets(title, targets)}
          />
          <section className="agreement-card wide">
            <h3>
              Disagreements{' '}
              <span className="muted">
                ({report.disagreements.length.toLocaleString()} images, every rater)
              </span>
            </h3>
            <DisagreementList
              report={report}
              bagId={bagId}
              table={feature ? elementTypeTable(bag.report, feature.shape.target) : ''}
              nameOf={nameOf}
              onOpen={(targets, at) => void openTargets('Disagreements', targets, at)}
            />
          </section>
        </div>
      )}
    </section>
  );
}
