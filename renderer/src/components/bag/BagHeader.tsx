import { useSession } from '../../stores/session.js';
import { CommitControls } from '../catalog/CommitControls.js';
import { DraftCount } from './DraftCount.js';

export function BagHeader() {
  const bag = useSession((state) => state.bag)!;
  const verifying = useSession((state) => state.verify.status === 'running');
  const runVerify = useSession((state) => state.runVerify);
  const closeBag = useSession((state) => state.closeBag);
  const { report } = bag;
  return (
    <header className="bag-header" data-testid="bag-header">
      <button
        type="button"
        className="ghost"
        onClick={() => void closeBag()}
        title="Close this bag and go back to the library"
      >
        ← Library
      </button>
      <div className="bag-title">
        <div className="bag-title-row">
          <h1>
            Dataset{' '}
            <span className="rid" data-testid="bag-rid">
              {report.rid}
            </span>
          </h1>
          <DraftCount bagId={bag.bagId} />
        </div>
        <dl className="facts">
          <Fact label="Version" value={report.version ?? 'none'} />
          <Fact label="Snapshot" value={report.snaptime} />
          <Fact label="Format" value={report.format} />
          <Fact
            label="Files"
            value={report.materialized ? 'materialized' : 'not materialized'}
            warn={!report.materialized}
            title={
              report.materialized
                ? 'Every asset file is in the bag.'
                : 'Some asset files are only listed in fetch.txt.'
            }
          />
        </dl>
        <div className="path" title={bag.path}>
          {bag.path}
        </div>
      </div>
      <button
        type="button"
        className="secondary"
        data-testid="verify-button"
        disabled={verifying}
        onClick={() => void runVerify()}
        title="Check every file against the bag's manifests and checksums"
      >
        {verifying ? 'Verifying…' : 'Verify'}
      </button>
      <CommitControls />
    </header>
  );
}

interface FactProps {
  label: string;
  value: string;
  warn?: boolean;
  title?: string;
}

function Fact({ label, value, warn = false, title }: FactProps) {
  return (
    <div className="fact" title={title}>
      <dt>{label}</dt>
      <dd className={warn ? 'warn' : undefined}>{value}</dd>
    </div>
  );
}
