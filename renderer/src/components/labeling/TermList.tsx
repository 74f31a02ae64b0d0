import type { RecordField } from '../../../../shared/labels.js';
import { describeKeyRule, keyLabel, type TermKeys } from '../../labeling/termKeys.js';

export interface TermVote {
  execution: string;
  term: string;
  dissenting: boolean;
}

interface TermListProps {
  column: RecordField;
  termKeys: TermKeys;
  current: unknown;
  /** Executions' terms for this image (empty while blind mode hides them). */
  votes: TermVote[];
  descriptions: Map<string, string | null>;
  nameOf(execution: string): string;
  onPick(term: string): void;
}

/** The vocabulary with each term's key (and how keys are laid out), the user's choice and the executions' votes. */
export function TermList({ column, termKeys, current, votes, descriptions, nameOf, onPick }: TermListProps) {
  const terms = column.terms ?? [];
  return (
    <>
      <p className="muted small key-rule" data-testid="term-key-rule">
        {describeKeyRule(terms, termKeys)}
      </p>
      <ol className="term-list" aria-label={`${column.column} terms`}>
        {terms.map((term) => {
          const key = termKeys[term];
          const voters = votes.filter((vote) => vote.term === term);
          const classes = ['term', term === current && 'current', voters.length > 0 && 'voted'];
          return (
            <li key={term}>
              <button
                type="button"
                className={classes.filter(Boolean).join(' ')}
                data-testid={`term-${term}`}
                aria-pressed={term === current}
                aria-keyshortcuts={key}
                onClick={() => onPick(term)}
              >
                <kbd aria-label={key ? `key ${keyLabel(key)}` : 'no key'}>{key ? keyLabel(key) : '·'}</kbd>
                <span className="term-text">
                  <span className="term-name">
                    {term}
                    {voters.map(({ execution, dissenting }) => (
                      <span
                        key={execution}
                        className={dissenting ? 'chip vote disagree' : 'chip vote'}
                        title={`${nameOf(execution)} (execution ${execution}) labeled this image ${term}${dissenting ? ', against the majority' : ''}`}
                      >
                        {nameOf(execution)}
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
    </>
  );
}
