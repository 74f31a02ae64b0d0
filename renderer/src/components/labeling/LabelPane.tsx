import { useEffect } from 'react';
import type { AssetInfo } from '../../../../shared/contract.js';
import type { Draft, RecordShape } from '../../../../shared/labels.js';
import { formatCell } from '../../data/format.js';
import { useRequest } from '../../data/useRequest.js';
import { labelColumn, valueFields } from '../../labeling/recordForm.js';
import { keyLabel } from '../../labeling/termKeys.js';
import { useLabeling, useLabelFeature, type QueueSpec } from '../../stores/labeling.js';
import { useSession } from '../../stores/session.js';
import { groupFeatureValues } from '../viewer/featureGroups.js';
import { LabelMessages } from './LabelMessages.js';
import { RecordForm } from './RecordForm.js';

interface LabelPaneProps {
  rid: string;
  index: number;
  total: number;
  info: AssetInfo | undefined;
}

/** Beside the image in label mode: the draft, the numbered terms, the values form and what executions said. */
export function LabelPane({ rid, index, total, info }: LabelPaneProps) {
  const feature = useLabelFeature();
  const draft = useLabeling((state) => state.drafts.get(rid));
  const termKeys = useLabeling((state) => state.termKeys);
  const form = useLabeling((state) => state.form);
  const settings = useLabeling((state) => state.settings);
  const queue = useLabeling((state) => state.queue);
  const { labelCurrent, submitForm, closeForm, editCurrent, changeSettings, openKeySettings } =
    useLabeling.getState();
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
  const values = info?.features.filter((value) => value.feature === shape.feature) ?? [];
  const group = groupFeatureValues(values, definition ? [definition] : [])[0];
  /** Per term, the executions that chose it for this image and whether they are outside the majority. */
  const votes = new Map<string, { execution: string; dissenting: boolean }[]>();
  for (const value of group?.values ?? []) {
    const term = column ? value.values[column.column] : null;
    const vote = { execution: value.execution ?? '?', dissenting: value.dissenting };
    if (typeof term === 'string') votes.set(term, [...(votes.get(term) ?? []), vote]);
  }
  const draftTerm = column && draft ? draft.values[column.column] : null;
  const majority = group?.values.find((value) => !value.dissenting)?.values[column?.column ?? ''];
  const differs =
    typeof draftTerm === 'string' && values.length > 0 && (group?.disagreement || majority !== draftTerm);

  return (
    <section className="label-pane">
      <header className="label-pane-header">
        <h3>{feature.key}</h3>
        <span className="muted small">
          {queueTitle(queue?.spec)} · {(index + 1).toLocaleString()} of {total.toLocaleString()}
        </span>
      </header>
      <CurrentDraft shape={shape} draft={draft} differs={differs} />
      <LabelMessages />
      {form && form.targets.length === 1 && form.targets[0] === rid ? (
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
            <ol className="term-list" aria-label={`${column.column} terms`}>
              {column.terms?.map((term) => {
                const key = termKeys[term];
                const voters = votes.get(term) ?? [];
                const classes = ['term', term === draftTerm && 'current', voters.length > 0 && 'voted'];
                return (
                  <li key={term}>
                    <button
                      type="button"
                      className={classes.filter(Boolean).join(' ')}
                      data-testid={`term-${term}`}
                      aria-pressed={term === draftTerm}
                      onClick={() => labelCurrent(term)}
                    >
                      <kbd>{key ? keyLabel(key) : '·'}</kbd>
                      <span className="term-text">
                        <span className="term-name">
                          {term}
                          {voters.map(({ execution, dissenting }) => (
                            <span
                              key={execution}
                              className={dissenting ? 'chip vote disagree' : 'chip vote'}
                              title={`Execution ${execution} labeled this image ${term}${dissenting ? ', against the majority' : ''}`}
                            >
                              {execution}
                            </span>
                          ))}
                        </span>
                        {descriptions.get(term) && (
                          <span className="term-description">{descriptions.get(term)}</span>
                        )}
                      </span>
                    </button>
                  </li>
                );
              })}
            </ol>
          )}
          {valueFields(shape).length > 0 && (
            <div className="value-summary">
              <dl>
                {valueFields(shape).map((field) => (
                  <div key={field.column}>
                    <dt>{field.column}</dt>
                    <dd>{draft ? formatCell(draft.values[field.column]) || '—' : '—'}</dd>
                  </div>
                ))}
              </dl>
              <button type="button" className="ghost" data-testid="edit-values" onClick={editCurrent}>
                Values… <kbd>E</kbd>
              </button>
            </div>
          )}
        </>
      )}
      <ExistingValues shape={shape} group={group} draft={draft} />
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
      <p className="muted small label-hint">
        Enter / → next · ← previous · Backspace clears · Ctrl+Z undo · ? all keys
      </p>
    </section>
  );
}

export function queueTitle(spec: QueueSpec | undefined): string {
  switch (spec?.kind) {
    case undefined:
      return 'No queue';
    case 'all':
      return 'All members';
    case 'unlabeled':
      return 'Not labeled by me';
    case 'disagreements':
      return 'Executions disagree';
    case 'confidence':
      return `Lowest ${spec.column ?? 'confidence'} first`;
    case 'label':
      return `Labeled ${spec.value}`;
    case 'dataset-type':
      return `In ${spec.value} datasets`;
    case 'targets':
      return spec.title;
  }
}

function CurrentDraft({
  shape,
  draft,
  differs,
}: {
  shape: RecordShape;
  draft: Draft | null | undefined;
  differs: boolean;
}) {
  const column = labelColumn(shape);
  if (draft === undefined)
    return (
      <p className="current-draft muted" data-testid="current-draft">
        Reading your draft…
      </p>
    );
  if (draft === null)
    return (
      <p className="current-draft muted" data-testid="current-draft" data-value="">
        Not labeled by you yet.
      </p>
    );
  const value = column ? formatCell(draft.values[column.column]) : '';
  return (
    <p
      className={differs ? 'current-draft differs' : 'current-draft'}
      data-testid="current-draft"
      data-value={value}
    >
      Your label: <strong>{value || '—'}</strong>
      {differs && <span className="chip danger">differs from the executions</span>}
    </p>
  );
}

function ExistingValues({
  shape,
  group,
  draft,
}: {
  shape: RecordShape;
  group: ReturnType<typeof groupFeatureValues>[number] | undefined;
  draft: Draft | null | undefined;
}) {
  const bag = useSession((state) => state.bag!);
  // Execution descriptions, read once per bag (useRequest keeps the answer), where the bag has the table.
  const hasExecutions = bag.report.tables.some(
    (table) => table.schema === 'deriva-ml' && table.table === 'Execution',
  );
  const { value: executions } = useRequest(
    'bag:rows',
    hasExecutions ? { bagId: bag.bagId, table: 'deriva-ml:Execution', limit: 1000 } : null,
  );
  const describe = new Map(
    executions?.rows.map((row) => [
      String(row.RID),
      typeof row.Description === 'string' ? row.Description : '',
    ]) ?? [],
  );
  const columns = shape.fields.map((field) => field.column);
  if (!group && !draft) return <p className="muted small">No execution has labeled this image.</p>;
  return (
    <section className="existing-values" data-testid="existing-values">
      <h4>
        Labels of this image
        {group?.disagreement && (
          <span className="chip danger" data-testid="feature-disagreement">
            executions disagree
          </span>
        )}
      </h4>
      <table className="feature-table">
        <thead>
          <tr>
            <th scope="col">By</th>
            {columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {draft && (
            <tr className="draft-row">
              <td>My draft</td>
              {columns.map((column) => (
                <td key={column}>{formatCell(draft.values[column])}</td>
              ))}
            </tr>
          )}
          {group?.values.map((value, position) => (
            <tr
              key={`${value.execution ?? ''} ${position}`}
              className={value.dissenting ? 'dissent' : undefined}
            >
              <td className="mono" title={describe.get(value.execution ?? '') || value.rct || undefined}>
                {value.execution ?? '—'}
              </td>
              {columns.map((column) => (
                <td key={column}>{formatCell(value.values[column])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
