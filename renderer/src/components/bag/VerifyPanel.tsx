import type { VerifyReport } from '../../../../shared/bag.js';
import { formatBytes } from '../../data/format.js';
import { useProgress } from '../../stores/progress.js';
import { useSession } from '../../stores/session.js';
import { ProgressBar } from '../common/ProgressBar.js';

export function VerifyPanel() {
  const verify = useSession((state) => state.verify);
  const progress = useProgress((state) => state.byTask.verify);
  if (verify.status === 'idle') return null;
  if (verify.status === 'running') {
    return (
      <div className="verify-panel">
        <ProgressBar label="Verifying" progress={progress} testId="verify-progress" />
      </div>
    );
  }
  return <VerifyResult report={verify.report} />;
}

function VerifyResult({ report }: { report: VerifyReport }) {
  const dismiss = useSession((state) => state.dismissVerify);
  const summary = `${report.files.toLocaleString()} files, ${formatBytes(report.bytes)}, ${report.checks.toLocaleString()} checks`;
  return (
    <section
      className={report.ok ? 'verify-panel ok' : 'verify-panel failed'}
      data-testid="verify-report"
      data-ok={report.ok}
      aria-label="Verification report"
    >
      <div className="verify-summary">
        <strong>{headline(report)}</strong>
        <span className="muted">{summary}</span>
        {report.unfetched > 0 && (
          <span className="warn" data-testid="verify-incomplete">
            {incompleteText(report)}
          </span>
        )}
        <button type="button" className="ghost" onClick={dismiss}>
          Dismiss
        </button>
      </div>
      {report.problems.length > 0 && (
        <table className="problems">
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Kind</th>
              <th scope="col">What is wrong</th>
            </tr>
          </thead>
          <tbody>
            {report.problems.map((problem, index) => (
              <tr key={`${problem.path} ${index}`}>
                <td className="mono">{problem.path}</td>
                <td>
                  <span className="chip danger">{problem.kind}</span>
                </td>
                <td>{problem.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function headline(report: VerifyReport): string {
  if (report.ok) return 'The bag is intact.';
  const count = report.problems.length;
  if (count === 0) return 'The bag is incomplete.';
  return `${count} problem${count === 1 ? '' : 's'} found.`;
}

/** RFC 8493: missing fetch.txt files make a bag incomplete; for a holey bag that is expected. */
function incompleteText(report: VerifyReport): string {
  const files = `${report.unfetched.toLocaleString('en-US')} file${report.unfetched === 1 ? ' is' : 's are'}`;
  return report.unfetched === report.fetchListed
    ? `${files} listed in fetch.txt and none fetched yet: expected for a holey bag. Fetch the files to make it complete.`
    : `${files} listed in fetch.txt but missing, so the bag is not valid. Fetch the files to complete it.`;
}
