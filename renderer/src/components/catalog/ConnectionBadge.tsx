import type { CatalogConnection } from '../../../../shared/catalog.js';
import { connectionStatus, type ConnectionTone } from './catalogLogic.js';

export function StatusDot({ tone }: { tone: ConnectionTone }) {
  return <span className={`status-dot ${tone}`} aria-hidden="true" />;
}

interface ConnectionBadgeProps {
  connection: CatalogConnection | null;
  testId?: string;
  className?: string;
}

/** A dot and "Online as …" / "Offline" / "Sign in again"; the tooltip says why. */
export function ConnectionBadge({ connection, testId, className }: ConnectionBadgeProps) {
  const status = connectionStatus(connection);
  return (
    <span
      className={`connection-badge ${status.tone}${className ? ` ${className}` : ''}`}
      data-testid={testId}
      data-tone={status.tone}
      title={status.detail}
      role="status"
    >
      <StatusDot tone={status.tone} />
      <span className="connection-badge-text">{status.text}</span>
    </span>
  );
}
