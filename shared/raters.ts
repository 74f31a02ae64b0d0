/**
 * Who an execution is: a person or a model. deriva-ml records it in the workflow's Workflow_Type where a
 * bag carries it (most bags do not: the bag walk stops at Workflow); otherwise the execution's and
 * workflow's descriptions say it in words ("annotator A", "the classifier"), which is what a reader of
 * the catalog goes by too.
 */

export type RaterKind = 'person' | 'model' | 'unknown';

/** An execution that gave feature values in a bag, as the labeler and the agreement view name it. */
export interface RaterInfo {
  execution: string;
  description: string | null;
  workflow: string | null;
  workflowTypes: string[];
  kind: RaterKind;
  /** A short name taken from the description ("annotator A", "model"), else the RID. */
  name: string;
  /** Feature rows per feature key (`Image/Digit`). */
  features: Record<string, number>;
}

const MODEL_TYPES = /predict|inference|train|model|classif|segment|detect|automat/i;
const PERSON_TYPES = /manual|annotat|label|curat|review|expert|human|ground.?truth/i;
const MODEL_WORDS =
  /\b(model|classifier|network|cnn|resnet|predict(s|ion|ions|ed)?|inference|automatic|algorithm|softmax)\b/i;
const PERSON_WORDS =
  /\b(person|people|annotator|annotators|rater|labeler|labeller|human|manual|expert|hematologist|pathologist|radiologist|curator|reviewer|by hand)\b/i;

/** Person or model from the workflow types first, else from the descriptions (the execution's, then the workflow's). */
export function raterKind(
  workflowTypes: readonly string[],
  descriptions: readonly (string | null)[],
): RaterKind {
  const byType = (pattern: RegExp) => workflowTypes.some((type) => pattern.test(type));
  if (byType(MODEL_TYPES) && !byType(PERSON_TYPES)) return 'model';
  if (byType(PERSON_TYPES) && !byType(MODEL_TYPES)) return 'person';
  for (const text of descriptions) {
    if (!text) continue;
    const person = PERSON_WORDS.test(text);
    const model = MODEL_WORDS.test(text);
    if (person && !model) return 'person';
    if (model && !person) return 'model';
  }
  return 'unknown';
}

const NAMED_PERSON =
  /\b(annotator|rater|labeler|labeller|reader|reviewer|expert)\s+(#?[A-Z0-9][\w-]{0,11})\b/i;

/** "annotator A" from "Digit labels by annotator A (a person)…", "model" for a model, else the RID. */
export function raterName(execution: string, description: string | null, kind: RaterKind): string {
  const named = description ? NAMED_PERSON.exec(description) : null;
  if (named) return `${named[1]!.toLowerCase()} ${named[2]}`;
  if (kind === 'model') return 'model';
  return execution;
}

/** Names made unique: two executions both called "model" get their RIDs added. */
export function distinctNames<T extends { execution: string; name: string }>(raters: T[]): T[] {
  const counts = new Map<string, number>();
  for (const rater of raters) counts.set(rater.name, (counts.get(rater.name) ?? 0) + 1);
  return raters.map((rater) =>
    (counts.get(rater.name) ?? 0) > 1 && rater.name !== rater.execution
      ? { ...rater, name: `${rater.name} ${rater.execution}` }
      : rater,
  );
}

/** Whether people (not only models) already labeled a feature: blind labeling is then the default. */
export function peopleLabeled(raters: readonly RaterInfo[], featureKey: string): boolean {
  return raters.some((rater) => rater.kind === 'person' && (rater.features[featureKey] ?? 0) > 0);
}
