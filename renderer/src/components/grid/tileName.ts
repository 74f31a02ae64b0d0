import type { Badge } from '../../../../shared/contract.js';

/** What a screen reader says for a tile: the member, then its labels as the badges show them. */
export function tileName(
  rid: string,
  filename: string | null,
  badges: Badge[],
  draft: string | null,
): string {
  const labels = badges.map(
    (badge) => `${badge.feature} ${badge.value}${badge.disagreement ? ' (executions disagree)' : ''}`,
  );
  if (draft !== null) labels.unshift(`your draft ${draft}`);
  const member = filename ? `${rid} ${filename}` : rid;
  return labels.length > 0 ? `${member}; ${labels.join(', ')}` : member;
}
