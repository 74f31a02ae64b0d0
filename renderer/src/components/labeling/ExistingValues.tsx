import type { Draft, RecordShape } from '../../../../shared/labels.js';
import type { FeatureGroup } from '../../data/featureGroups.js';
import { formatCell } from '../../data/format.js';

interface ExistingValuesProps {
  shape: RecordShape;
  group: FeatureGroup | undefined;
  draft: Draft | null | undefined;
  nameOf(execution: string): string;
}

/** Every label of this image: the user's draft, then each execution's, named as people read them. */
export function ExistingValues({ shape, group, draft, nameOf }: ExistingValuesProps) {
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
              <td title={value.execution ? `execution ${value.execution}` : (value.rct ?? undefined)}>
                {value.execution ? nameOf(value.execution) : '—'}
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

/** What blind mode says in place of the executions' labels. */
export function BlindNote({ feature, onReveal }: { feature: string; onReveal(): void }) {
  return (
    <section className="blind-note" data-testid="blind-note">
      <p>
        <strong>Blind labeling:</strong> other raters' labels and confidences of this image are hidden until
        you label it, so they cannot sway your choice.
      </p>
      <button
        type="button"
        className="ghost"
        onClick={onReveal}
        title={`Turn blind labeling off for ${feature}`}
      >
        Show them for every image
      </button>
    </section>
  );
}
