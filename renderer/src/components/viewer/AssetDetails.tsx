import { useState, type ReactNode } from 'react';
import type { FeatureDefinition, Row } from '../../../../shared/bag.js';
import type { AssetInfo } from '../../../../shared/contract.js';
import { formatBytes, formatCell } from '../../data/format.js';
import { raterNamer } from '../../labeling/raterNames.js';
import { useSession } from '../../stores/session.js';
import { groupFeatureValues, type FeatureGroup } from '../../data/featureGroups.js';

interface AssetDetailsProps {
  info: AssetInfo | undefined;
  row: Row | undefined;
  elementType: string;
  /** Inside the labeling pane, which shows the labels itself: the rest folds away under one heading. */
  embedded?: boolean;
  /** Shown after the labels: the files of asset-valued features and their overlays. */
  children?: ReactNode;
}

export function AssetDetails({ info, row, elementType, embedded = false, children }: AssetDetailsProps) {
  const features = useSession((state) => state.features);
  const content = (
    <>
      {info ? (
        <>
          <FileFacts info={info} />
          {!embedded && (
            <Labels groups={groupFeatureValues(info.features, featuresOf(features, elementType))} />
          )}
          {children}
          <Provenance info={info} />
        </>
      ) : (
        <p className="muted">Loading details…</p>
      )}
      {row && <Fields row={row} />}
    </>
  );
  if (embedded) return <FoldedDetails>{content}</FoldedDetails>;
  return (
    <aside className="asset-details" aria-label="About this member" data-testid="asset-details">
      {content}
    </aside>
  );
}

/** Folded away under one heading; what it holds is only rendered while it is open. */
function FoldedDetails({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  return (
    <details
      className="embedded-details"
      data-testid="asset-details"
      open={open}
      onToggle={(event) => setOpen(event.currentTarget.open)}
    >
      <summary>File, provenance and fields</summary>
      {open && children}
    </details>
  );
}

function featuresOf(features: FeatureDefinition[], elementType: string): FeatureDefinition[] {
  return features.filter((feature) => feature.target === elementType);
}

function checksumText(matches: boolean | null): { text: string; className?: string } {
  if (matches === true) return { text: 'matches the MD5 in the bag', className: 'ok' };
  if (matches === false) return { text: 'does NOT match the MD5 in the bag', className: 'danger' };
  return { text: 'not checked' };
}

function FileFacts({ info }: { info: AssetInfo }) {
  const checksum = checksumText(info.checksumMatches);
  return (
    <section>
      <h3>File</h3>
      <dl className="details-list">
        <Pair label="Path" className="mono">
          {info.relative ?? '—'}
        </Pair>
        <Pair label="In the bag" className={info.exists ? undefined : 'warn'}>
          {info.exists ? 'yes' : 'no: not fetched'}
        </Pair>
        <Pair label="Size">{info.bytes === null ? '—' : formatBytes(info.bytes)}</Pair>
        <Pair label="Checksum" className={checksum.className} testId="checksum">
          {checksum.text}
        </Pair>
        <Pair label="Asset types">
          {info.types.length === 0
            ? '—'
            : info.types.map((type) => (
                <span key={type} className="chip">
                  {type}
                </span>
              ))}
        </Pair>
      </dl>
    </section>
  );
}

interface PairProps {
  label: string;
  className?: string;
  testId?: string;
  children: ReactNode;
}

function Pair({ label, className, testId, children }: PairProps) {
  return (
    <div className="details-pair">
      <dt>{label}</dt>
      <dd className={className} data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

function Labels({ groups }: { groups: FeatureGroup[] }) {
  const nameOf = raterNamer(useSession((state) => state.raters));
  return (
    <section data-testid="feature-values">
      <h3>Labels</h3>
      {groups.length === 0 && <p className="muted">No execution has labeled this member.</p>}
      {groups.map((group) => (
        <div key={group.feature} className="feature-group">
          <h4>
            {group.feature}
            {group.disagreement && (
              <span className="chip danger" data-testid="feature-disagreement">
                executions disagree
              </span>
            )}
          </h4>
          <table className="feature-table">
            <thead>
              <tr>
                <th scope="col">Execution</th>
                {group.columns.map((column) => (
                  <th key={column} scope="col">
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {group.values.map((value, index) => (
                <tr
                  key={`${value.execution ?? ''} ${index}`}
                  className={value.dissenting ? 'dissent' : undefined}
                >
                  <td title={value.execution ? `execution ${value.execution}` : (value.rct ?? undefined)}>
                    {value.execution ? nameOf(value.execution) : '—'}
                  </td>
                  {group.columns.map((column) => (
                    <td key={column}>{formatCell(value.values[column])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}

function Provenance({ info }: { info: AssetInfo }) {
  const nameOf = raterNamer(useSession((state) => state.raters));
  if (info.provenance.length === 0) return null;
  return (
    <section>
      <h3>Provenance</h3>
      <ul className="provenance">
        {info.provenance.map((entry) => (
          <li key={`${entry.execution} ${entry.role ?? ''}`}>
            <span title={`execution ${entry.execution}`}>{nameOf(entry.execution)}</span>
            {entry.role && <span className="chip">{entry.role}</span>}
            {entry.description && <span className="muted">{entry.description}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Fields({ row }: { row: Row }) {
  return (
    <section>
      <h3>Fields</h3>
      <dl className="details-list">
        {Object.entries(row).map(([column, value]) => (
          <Pair key={column} label={column}>
            {value === null ? <span className="muted">—</span> : formatCell(value)}
          </Pair>
        ))}
      </dl>
    </section>
  );
}
