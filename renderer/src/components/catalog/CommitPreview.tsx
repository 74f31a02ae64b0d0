import { useId } from 'react';
import type { CommitPreview, CommitPreviewDraft } from '../../../../shared/catalog.js';
import { CatalogError } from './CatalogError.js';
import { draftFilters, draftsText, previewSentence, valuesText, type DraftFilter } from './catalogLogic.js';
import type { Loaded } from './useCommitPreview.js';

/** What the next commit to the chosen catalog sends, per feature: only drafts changed since the catalog got them. */
export function CommitSummaryTable({
  preview,
  mismatch,
}: {
  preview: Loaded<CommitPreview>;
  /** The chosen catalog is not the bag's: a commit there is refused. */
  mismatch: boolean;
}) {
  if (preview.status === 'loading') return <p className="muted">Counting the drafts…</p>;
  if (preview.status === 'failed') return <CatalogError message={preview.problem.message} />;
  const { value } = preview;
  const total = value.pending + value.committed;
  return (
    <section
      className="commit-section"
      data-testid="commit-summary"
      data-total={value.pending}
      data-committed={value.committed}
      aria-busy={preview.stale}
    >
      <h3 className="catalog-subtitle">What will be sent</h3>
      {value.unfinished && (
        <p className="commit-note" data-testid="commit-unfinished">
          An earlier commit to this catalog stopped before it finished
          {value.unfinished.executionRid ? ` (execution ${value.unfinished.executionRid})` : ''}; committing
          finishes it first, with the drafts as they are now.
        </p>
      )}
      {total === 0 ? (
        <p className="muted">This bag has no drafts yet. Label some members first.</p>
      ) : (
        <>
          <table className="commit-table">
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col" className="number">
                  To send
                </th>
                <th scope="col" className="number">
                  Committed before
                </th>
              </tr>
            </thead>
            <tbody>
              {value.features.map((feature) => (
                <tr
                  key={feature.key}
                  data-testid={`commit-feature-${feature.key}`}
                  data-pending={feature.pending}
                  data-committed={feature.committed}
                >
                  <td className="mono" title={feature.table}>
                    {feature.key}
                  </td>
                  <td className="number">{feature.pending.toLocaleString('en-US')}</td>
                  <td className="number muted">{feature.committed.toLocaleString('en-US')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small" data-testid="commit-summary-sentence">
            {previewSentence(value, mismatch)}
          </p>
        </>
      )}
    </section>
  );
}

interface DraftsListProps {
  preview: Loaded<CommitPreview>;
  filter: DraftFilter;
  onFilter(filter: DraftFilter): void;
}

/** The bag's drafts with a mark each, pending (goes in the next commit) or committed, and a filter by mark. */
export function DraftsList({ preview, filter, onFilter }: DraftsListProps) {
  const id = useId();
  if (preview.status !== 'ready') return null;
  const { value } = preview;
  if (value.pending + value.committed === 0) return null;
  return (
    <section className="commit-section" aria-labelledby={`${id}-title`} data-testid="commit-drafts">
      <div className="commit-drafts-header">
        <h3 id={`${id}-title`} className="catalog-subtitle">
          Drafts
        </h3>
        <div className="segmented" role="radiogroup" aria-label="Show drafts">
          {draftFilters(value).map((entry) => (
            <label key={entry.filter} className={filter === entry.filter ? 'segment selected' : 'segment'}>
              <input
                type="radio"
                name={`${id}-filter`}
                value={entry.filter}
                data-testid={`commit-drafts-filter-${entry.filter}`}
                checked={filter === entry.filter}
                onChange={() => onFilter(entry.filter)}
              />
              {entry.label} <span className="segment-count">{entry.count.toLocaleString('en-US')}</span>
            </label>
          ))}
        </div>
      </div>
      {value.drafts.length === 0 ? (
        <p className="muted" data-testid="commit-drafts-empty">
          {filter === 'pending'
            ? `Nothing pending: all ${draftsText(value.committed)} are in this catalog.`
            : 'No draft has been committed to this catalog yet.'}
        </p>
      ) : (
        // Focusable, so the list scrolls from the keyboard too.
        <div className="commit-drafts-scroll" tabIndex={0} role="region" aria-labelledby={`${id}-title`}>
          <table className="commit-table" aria-busy={preview.stale}>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Target</th>
                <th scope="col">Value</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {value.drafts.map((draft) => (
                <DraftRow key={`${draft.feature} ${draft.target}`} draft={draft} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {value.matching > value.drafts.length && (
        <p className="muted small" data-testid="commit-drafts-more">
          Showing the first {value.drafts.length.toLocaleString('en-US')} of {draftsText(value.matching)}.
        </p>
      )}
    </section>
  );
}

function DraftRow({ draft }: { draft: CommitPreviewDraft }) {
  return (
    <tr data-testid={`commit-draft-${draft.target}`} data-feature={draft.feature} data-state={draft.state}>
      <td className="mono">{draft.feature}</td>
      <td className="mono">{draft.target}</td>
      <td>{valuesText(draft.values)}</td>
      <td>
        <span className={`draft-mark ${draft.state}`}>
          <span aria-hidden="true">{draft.state === 'committed' ? '✓' : '●'}</span>
          {draft.state === 'committed' ? 'Committed' : 'Pending'}
        </span>
      </td>
    </tr>
  );
}
