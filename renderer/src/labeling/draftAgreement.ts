/** One execution's term for the image being labeled. */
export interface Vote {
  execution: string;
  term: string;
}

export interface DraftAgreement {
  agrees: string[];
  differs: string[];
  /** "agrees with annotator A and model; differs from annotator B", or null when no execution labeled it. */
  sentence: string | null;
}

function list(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Which raters the user's draft agrees with and which it differs from, by name. */
export function draftAgreement(
  draft: string,
  votes: readonly Vote[],
  nameOf: (execution: string) => string,
): DraftAgreement {
  const agrees = [
    ...new Set(votes.filter((vote) => vote.term === draft).map((vote) => nameOf(vote.execution))),
  ];
  const differs = [
    ...new Set(votes.filter((vote) => vote.term !== draft).map((vote) => nameOf(vote.execution))),
  ].filter((name) => !agrees.includes(name));
  let sentence: string | null = null;
  if (agrees.length > 0 && differs.length > 0)
    sentence = `agrees with ${list(agrees)}; differs from ${list(differs)}`;
  else if (agrees.length > 0) sentence = `agrees with ${list(agrees)}`;
  else if (differs.length > 0) sentence = `differs from ${list(differs)}`;
  return { agrees, differs, sentence };
}
