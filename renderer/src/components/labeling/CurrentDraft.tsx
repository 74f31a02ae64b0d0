import type { Draft, RecordShape } from '../../../../shared/labels.js';
import { formatCell } from '../../data/format.js';
import type { DraftAgreement } from '../../labeling/draftAgreement.js';
import { labelColumn } from '../../labeling/recordForm.js';

interface CurrentDraftProps {
  shape: RecordShape;
  draft: Draft | null | undefined;
  /** How the draft compares with the executions; null while they are hidden or absent. */
  agreement: DraftAgreement | null;
}

/** The user's label of this image and, once it is set, which raters it agrees with. */
export function CurrentDraft({ shape, draft, agreement }: CurrentDraftProps) {
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
  const differs = agreement !== null && agreement.differs.length > 0;
  // Red only when no rater chose the same: agreeing with some is the normal case of a disagreement.
  const alone = differs && agreement.agrees.length === 0;
  return (
    <p
      className={alone ? 'current-draft differs' : 'current-draft'}
      data-testid="current-draft"
      data-value={value}
    >
      Your label: <strong>{value || '—'}</strong>
      {agreement?.sentence && (
        <span
          className={agreement.agrees.length === 0 ? 'chip danger' : differs ? 'chip warn' : 'chip ok'}
          data-testid="draft-agreement"
        >
          {agreement.sentence}
        </span>
      )}
    </p>
  );
}
