import type { CommitSummary } from '../../../../shared/catalog.js';
import { earlierText, insertedRows, rowsText } from './catalogLogic.js';

/** The execution a commit made or finished, what it inserted per table, and what became of an earlier attempt. */
export function CommitResult({ result }: { result: CommitSummary }) {
  const rows = insertedRows(result.inserted);
  const earlier = earlierText(result.earlier);
  return (
    <section
      className={result.alreadyCommitted ? 'commit-result already' : 'commit-result'}
      data-testid="commit-result"
      data-execution-rid={result.executionRid}
      data-already-committed={result.alreadyCommitted}
      data-earlier={result.earlier?.outcome ?? 'none'}
    >
      <div className="commit-result-title">
        <span className="commit-result-icon" aria-hidden="true">
          ✓
        </span>
        <div>
          <p className="commit-result-headline">
            {result.alreadyCommitted ? 'Already committed as execution ' : 'Committed as execution '}
            <span className="rid" data-testid="commit-execution-rid">
              {result.executionRid}
            </span>
          </p>
          <p className="muted small">
            {result.alreadyCommitted
              ? 'These drafts were sent before; nothing was sent again.'
              : `${rowsText(result.rows)} sent · workflow ${result.workflowRid}`}
          </p>
        </div>
        <a
          className="secondary commit-chaise"
          href={result.chaiseUrl}
          target="_blank"
          rel="noreferrer"
          data-testid="commit-chaise-link"
        >
          Open in Chaise ↗
        </a>
      </div>
      {(earlier || result.notes.length > 0) && (
        <div className="commit-notes" data-testid="commit-notes">
          {earlier && <p className="commit-notes-title">{earlier}</p>}
          <ul>
            {result.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </div>
      )}
      {rows.length > 0 && (
        <table className="commit-table">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col" className="number">
                Rows
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ table, rows: count }) => (
              <tr key={table} data-testid={`commit-rows-${table}`}>
                <td className="mono">{table}</td>
                <td className="number">{count.toLocaleString('en-US')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
