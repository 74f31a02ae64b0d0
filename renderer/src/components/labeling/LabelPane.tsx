import { useEffect } from 'react';
import type { AssetInfo } from '../../../../shared/contract.js';
import type { RecordShape, RecordValues } from '../../../../shared/labels.js';
import { groupFeatureValues } from '../../data/featureGroups.js';
import { formatCell, formatCount } from '../../data/format.js';
import { hidesOthers } from '../../labeling/blind.js';
import { draftAgreement } from '../../labeling/draftAgreement.js';
import { queueTitle } from '../../labeling/queueTitle.js';
import { raterNamer } from '../../labeling/raterNames.js';
import { labelColumn, valueFields } from '../../labeling/recordForm.js';
import { useBlind, useLabeling, useLabelFeature } from '../../stores/labeling.js';
import { useSession } from '../../stores/session.js';
import { CurrentDraft } from './CurrentDraft.js';
import { BlindNote, ExistingValues } from './ExistingValues.js';
import { LabelMessages } from './LabelMessages.js';
import { RecordForm } from './RecordForm.js';
import { TermList, type TermVote } from './TermList.js';

interface LabelPaneProps {
  rid: string;
  index: number;
  total: number;
  info: AssetInfo | undefined;
}

/** Beside the image in label mode: the draft, the keyed terms, the values form and what executions said. */
export function LabelPane({ rid, index, total, info }: LabelPaneProps) {
  const feature = useLabelFeature();
  const draft = useLabeling((state) => state.drafts.get(rid));
  const termKeys = useLabeling((state) => state.termKeys);
  const form = useLabeling((state) => state.form);
  const queue = useLabeling((state) => state.queue);
  const raters = useLabeling((state) => state.raters);
  const blind = useBlind();
  const { labelCurrent, submitForm, closeForm, setBlind } = useLabeling.getState();
  const definitions = useSession((state) => state.features);
  // A form left open on an image the viewer moved away from would hold the keys hostage: close it.
  useEffect(
    () => () => {
      const open = useLabeling.getState().form;
      if (open?.targets.length === 1 && open.targets[0] === rid) useLabeling.getState().closeForm();
    },
    [rid],
  );
  if (!feature) return null;
  const { shape } = feature;
  const column = labelColumn(shape);
  const definition = definitions.find(
    (candidate) => candidate.name === shape.feature && candidate.target === shape.target,
  );
  const descriptions = new Map(
    definition?.terms
      .find((term) => term.column === column?.column)
      ?.terms.map((term) => [term.name, term.description]) ?? [],
  );
  const hidden = hidesOthers(blind, draft === undefined ? undefined : draft !== null);
  const values = info?.features.filter((value) => value.feature === shape.feature) ?? [];
  const group = groupFeatureValues(values, definition ? [definition] : [])[0];
  const votes: TermVote[] = (group?.values ?? []).flatMap((value) => {
    const term = column ? value.values[column.column] : null;
    return typeof term === 'string'
      ? [{ execution: value.execution ?? '?', term, dissenting: value.dissenting }]
      : [];
  });
  const nameOf = raterNamer(raters);
  const draftTerm = column && draft ? draft.values[column.column] : null;
  const agreement =
    typeof draftTerm === 'string' && !hidden ? draftAgreement(draftTerm, votes, nameOf) : null;
  const editing = form?.targets.length === 1 && form.targets[0] === rid;

  return (
    <section className="label-pane" data-blind={hidden ? 'hidden' : blind ? 'revealed' : 'off'}>
      <header className="label-pane-header">
        <h3>{feature.key}</h3>
        <span className="muted small">
          {queueTitle(queue?.spec)} · {formatCount(index + 1)} of {formatCount(total)}
        </span>
      </header>
      <CurrentDraft shape={shape} draft={draft} agreement={agreement} />
      <LabelMessages />
      {editing ? (
        <RecordForm
          shape={shape}
          values={draft?.values ?? null}
          preset={form.preset}
          title={`Label ${rid}`}
          onSave={submitForm}
          onCancel={closeForm}
        />
      ) : (
        <>
          {column && (
            <TermList
              column={column}
              termKeys={termKeys}
              current={draftTerm}
              votes={hidden ? [] : votes}
              descriptions={descriptions}
              nameOf={nameOf}
              onPick={labelCurrent}
            />
          )}
          <ValueSummary shape={shape} values={draft?.values ?? null} />
        </>
      )}
      {hidden ? (
        <BlindNote feature={feature.key} onReveal={() => setBlind(feature.key, false)} />
      ) : (
        <ExistingValues shape={shape} group={group} draft={draft} nameOf={nameOf} />
      )}
      <PaneSettings shape={shape} />
      <p className="muted small label-hint">
        Enter / → next · ← previous · Backspace clears · E values · Ctrl+Z undo · ? all keys
      </p>
    </section>
  );
}

/** The draft's other values (Confidence…) and the way to edit them: E puts the cursor in the first. */
function ValueSummary({ shape, values }: { shape: RecordShape; values: RecordValues | null }) {
  const fields = valueFields(shape);
  if (fields.length === 0) return null;
  return (
    <div className="value-summary">
      <dl>
        {fields.map((field) => (
          <div key={field.column}>
            <dt>{field.column}</dt>
            <dd>{(values && formatCell(values[field.column] ?? null)) || '—'}</dd>
          </div>
        ))}
      </dl>
      <button
        type="button"
        className="ghost"
        data-testid="edit-values"
        onClick={useLabeling.getState().editCurrent}
      >
        Values… <kbd>E</kbd>
      </button>
    </div>
  );
}

function PaneSettings({ shape }: { shape: RecordShape }) {
  const settings = useLabeling((state) => state.settings);
  const { changeSettings, openKeySettings } = useLabeling.getState();
  return (
    <div className="label-settings">
      <label className="toggle">
        <input
          type="checkbox"
          data-testid="advance-toggle"
          checked={settings.advance}
          onChange={(event) => changeSettings({ advance: event.target.checked })}
        />
        Advance on label
      </label>
      {valueFields(shape).length > 0 && (
        <label className="toggle">
          <input
            type="checkbox"
            checked={settings.askValues}
            onChange={(event) => changeSettings({ askValues: event.target.checked })}
          />
          Ask for values after a term
        </label>
      )}
      <button type="button" className="ghost" onClick={() => openKeySettings(true)}>
        Keys…
      </button>
    </div>
  );
}
