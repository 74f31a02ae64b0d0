import { useState } from 'react';
import { formatCount } from '../../data/format.js';
import { labelColumn } from '../../labeling/recordForm.js';
import { keyLabel } from '../../labeling/termKeys.js';
import { MOD_KEY } from '../../keymap.js';
import { useBlind, useLabeling, useLabelFeature, type QueueSpec } from '../../stores/labeling.js';
import { useSelection } from '../../stores/selection.js';
import { useSession } from '../../stores/session.js';
import { useViewer } from '../../stores/viewer.js';
import { DraftsTransfer, ImportResult, type ImportReport } from './DraftsTransfer.js';
import { queueTitle } from '../../labeling/queueTitle.js';
import { LabelMessages } from './LabelMessages.js';
import { LabelProgressBar } from './LabelProgressBar.js';

/** The label mode's toolbar over the grid: feature, work queue, progress, undo/redo, agreement, files, keys. */
export function LabelBar() {
  const queue = useLabeling((state) => state.queue);
  const canUndo = useLabeling((state) => state.canUndo);
  const canRedo = useLabeling((state) => state.canRedo);
  const view = useLabeling((state) => state.view);
  const viewerOpen = useViewer((state) => state.index !== null);
  const { undo, redo, showView, openKeySettings } = useLabeling.getState();
  const [imported, setImported] = useState<ImportReport | null>(null);

  const openLabeler = () => {
    const total = queue?.targets.length ?? 0;
    if (total === 0) return;
    const focus = useSelection.getState().focus;
    showView('grid');
    useViewer.getState().show(focus < total ? focus : 0);
  };

  return (
    <div className="label-bar" data-testid="label-bar">
      <div className="label-bar-row">
        <FeaturePicker />
        <QueuePicker />
        {!viewerOpen && <LabelProgressBar />}
      </div>
      <div className="label-bar-row">
        <button
          type="button"
          className="primary"
          data-testid="open-labeler"
          disabled={!queue || queue.targets.length === 0}
          onClick={openLabeler}
          title="Label the queue one image at a time with the keyboard (Enter on a tile)"
        >
          Label in the viewer
        </button>
        <div className="button-pair" role="group" aria-label="History">
          <button
            type="button"
            className="ghost"
            data-testid="undo"
            disabled={!canUndo}
            onClick={undo}
            aria-label="Undo"
            title={canUndo ? `Undo the last label action of this bag (${MOD_KEY} Z)` : 'Nothing to undo'}
          >
            ↶ <span className="wide-only">Undo</span>
          </button>
          <button
            type="button"
            className="ghost"
            data-testid="redo"
            disabled={!canRedo}
            onClick={redo}
            aria-label="Redo"
            title={canRedo ? `Redo (${MOD_KEY} Shift Z)` : 'Nothing to redo'}
          >
            ↷ <span className="wide-only">Redo</span>
          </button>
        </div>
        <div className="segmented" role="group" aria-label="Show">
          <button
            type="button"
            className={view === 'grid' ? 'active' : undefined}
            aria-pressed={view === 'grid'}
            onClick={() => showView('grid')}
          >
            Grid
          </button>
          <button
            type="button"
            className={view === 'agreement' ? 'active' : undefined}
            aria-pressed={view === 'agreement'}
            data-testid="agreement-toggle"
            onClick={() => showView('agreement')}
          >
            Agreement
          </button>
        </div>
        <BlindToggle />
        <DraftsTransfer onImported={setImported} />
        <button
          type="button"
          className="ghost"
          data-testid="key-settings-button"
          onClick={() => openKeySettings(true)}
        >
          Keys…
        </button>
        <TermKeyStrip />
        {!viewerOpen && <LabelMessages />}
      </div>
      {imported && <ImportResult report={imported} onDismiss={() => setImported(null)} />}
    </div>
  );
}

/** Its own component: the progress in each option changes with every label, and the toolbar need not redraw. */
function FeaturePicker() {
  const features = useLabeling((state) => state.features);
  const featureKey = useLabeling((state) => state.featureKey);
  const progress = useLabeling((state) => state.progress);
  const { chooseFeature } = useLabeling.getState();
  return (
    <label className="bar-field">
      <span className="muted">Feature</span>
      <select
        data-testid="label-feature"
        value={featureKey ?? ''}
        onChange={(event) => void chooseFeature(event.target.value)}
      >
        {features.map((feature) => (
          <option key={feature.key} value={feature.key}>
            {feature.key} ({formatCount((progress[feature.key] ?? feature.progress).labeled)} /{' '}
            {formatCount((progress[feature.key] ?? feature.progress).total)})
          </option>
        ))}
      </select>
    </label>
  );
}

/** Blind labeling of this feature: other raters' labels stay hidden until the user labels an image. */
function BlindToggle() {
  const featureKey = useLabeling((state) => state.featureKey);
  const blind = useBlind();
  const setBlind = useLabeling((state) => state.setBlind);
  if (!featureKey) return null;
  return (
    <label
      className="toggle blind-toggle"
      title="Hide other raters' labels and confidences of an image until you have labeled it"
    >
      <input
        type="checkbox"
        data-testid="blind-toggle"
        checked={blind}
        onChange={(event) => setBlind(featureKey, event.target.checked)}
      />
      Blind
    </label>
  );
}

const KIND_NAMES: Record<Exclude<QueueSpec['kind'], 'targets' | 'filter'>, string> = {
  all: 'All members',
  unlabeled: 'Not labeled by me',
  disagreements: 'Executions disagree',
  confidence: 'Lowest confidence first',
  label: 'By existing label…',
  'dataset-type': 'By dataset type…',
};

/** The work queue: one of main's queues (some with a value to pick), and how many images it holds. */
function QueuePicker() {
  const queue = useLabeling((state) => state.queue);
  const loading = useLabeling((state) => state.queueLoading);
  const feature = useLabelFeature();
  const datasets = useSession((state) => state.datasets);
  const { chooseQueue, refreshQueue } = useLabeling.getState();
  if (!feature) return null;
  const spec = queue?.spec;
  const terms = labelColumn(feature.shape)?.terms ?? [];
  const types = [...new Set(datasets.flatMap((dataset) => dataset.types))].sort();
  const numbers = feature.shape.fields.filter((field) => field.kind === 'float' || field.kind === 'integer');
  const kinds = (Object.keys(KIND_NAMES) as (keyof typeof KIND_NAMES)[]).filter(
    (kind) =>
      (kind !== 'confidence' || numbers.length > 0) &&
      (kind !== 'label' || terms.length > 0) &&
      (kind !== 'dataset-type' || types.length > 0),
  );

  const pickKind = (kind: string) => {
    if (kind === 'label') void chooseQueue({ kind, value: terms[0]! });
    else if (kind === 'dataset-type') void chooseQueue({ kind, value: types[0]! });
    else if (kind === 'confidence') void chooseQueue({ kind });
    else if (kind === 'all' || kind === 'unlabeled' || kind === 'disagreements') void chooseQueue({ kind });
  };

  const values =
    spec?.kind === 'label'
      ? terms
      : spec?.kind === 'dataset-type'
        ? types
        : spec?.kind === 'confidence' && numbers.length > 1
          ? numbers.map((field) => field.column)
          : null;
  const value =
    spec?.kind === 'label' || spec?.kind === 'dataset-type'
      ? spec.value
      : spec?.kind === 'confidence'
        ? (spec.column ?? numbers[0]?.column)
        : '';

  return (
    <div className="bar-field queue-picker">
      <label className="bar-field">
        <span className="muted">Queue</span>
        <select
          data-testid="queue-kind"
          value={spec?.kind ?? ''}
          onChange={(event) => pickKind(event.target.value)}
        >
          {spec?.kind === 'targets' && <option value="targets">{spec.title}</option>}
          {spec?.kind === 'filter' && <option value="filter">{queueTitle(spec)}</option>}
          {kinds.map((kind) => (
            <option key={kind} value={kind}>
              {KIND_NAMES[kind]}
            </option>
          ))}
        </select>
      </label>
      {values && (
        <select
          data-testid="queue-value"
          aria-label="Queue value"
          value={value ?? ''}
          onChange={(event) => {
            const picked = event.target.value;
            if (spec?.kind === 'label' || spec?.kind === 'dataset-type')
              void chooseQueue({ kind: spec.kind, value: picked });
            else void chooseQueue({ kind: 'confidence', column: picked });
          }}
        >
          {values.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      )}
      <span
        className="muted queue-size"
        data-testid="queue-size"
        data-kind={queue?.spec.kind}
        data-count={queue?.targets.length ?? 0}
        title={queueTitle(spec)}
      >
        {loading ? 'reading…' : `${(queue?.targets.length ?? 0).toLocaleString()} images`}
      </span>
      <button
        type="button"
        className="ghost icon"
        onClick={() => void refreshQueue()}
        disabled={!queue || spec?.kind === 'targets'}
        title="Read the queue again (it does not shrink while you label)"
        aria-label="Read the queue again"
      >
        ↻
      </button>
    </div>
  );
}

/** The term keys at a glance, for labeling selected tiles without opening the shortcut list. */
function TermKeyStrip() {
  const feature = useLabelFeature();
  const termKeys = useLabeling((state) => state.termKeys);
  const terms = feature ? (labelColumn(feature.shape)?.terms ?? []) : [];
  const bound = terms.filter((term) => termKeys[term]);
  if (bound.length === 0) return null;
  return (
    <span className="term-strip muted small" aria-label="Term keys">
      {bound.map((term) => (
        <span key={term}>
          <kbd>{keyLabel(termKeys[term]!)}</kbd> {term}
        </span>
      ))}
    </span>
  );
}
