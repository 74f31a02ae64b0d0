/** Landis and Koch's words for a kappa, so the number reads without a textbook. */
export function kappaWords(kappa: number | null): string {
  if (kappa === null) return 'undefined';
  if (kappa < 0) return 'worse than chance';
  if (kappa === 0) return 'chance';
  if (kappa <= 0.2) return 'slight';
  if (kappa <= 0.4) return 'fair';
  if (kappa <= 0.6) return 'moderate';
  if (kappa <= 0.8) return 'substantial';
  return 'almost perfect';
}

export function formatKappa(kappa: number | null): string {
  return kappa === null ? '—' : kappa.toFixed(2);
}

/** What the agreement view calls a rater: "My drafts", the execution's short name, else its RID. */
export function agreementRaterName(rater: { id: string }, nameOf: (execution: string) => string): string {
  return rater.id === 'drafts' ? 'My drafts' : nameOf(rater.id);
}

/** The part of a rater's label after its id ("5VJ: Cell-type annotation…" → "Cell-type annotation…"). */
export function raterDescription(rater: { id: string; label: string }): string {
  if (rater.id === 'drafts') return 'Your drafts in this workspace, not committed yet';
  return rater.label.startsWith(`${rater.id}: `) ? rater.label.slice(rater.id.length + 2) : rater.label;
}

/** Labels of one disagreement that are outside its majority (every label when there is no single majority). */
export function minorityLabels(labels: Record<string, string>): Set<string> {
  const counts = new Map<string, number>();
  for (const label of Object.values(labels)) counts.set(label, (counts.get(label) ?? 0) + 1);
  const most = Math.max(0, ...counts.values());
  const tied = [...counts.values()].filter((count) => count === most).length > 1;
  return new Set([...counts].filter(([, count]) => tied || count < most).map(([label]) => label));
}
