import type { FeatureValue, Selector } from '../../../shared/bag.js';
import { SatchelError } from '../common/index.js';
import type { FeatureTable } from './model.js';

/**
 * deriva-ml's selectors (deriva_ml/feature.py) over the records of one group (one target and its
 * qualifier values). RCT compares as text, a missing RCT as "" — exactly as Python's max/min over
 * ISO strings; on equal RCTs the first record in input order wins, as Python's max/min do.
 */
export function selectRecord(
  records: FeatureValue[],
  selector: Selector,
  termColumn: string | null,
  /** For `workflow`: the executions of that workflow in the bag. */
  workflowExecutions: ReadonlySet<string> = new Set(),
): FeatureValue | null {
  if (records.length === 0) return null;
  switch (selector.kind) {
    case 'newest':
      return newest(records);
    case 'first':
      return extreme(records, (candidate, best) => rctOf(candidate) < rctOf(best));
    case 'execution':
      return newestOrNull(records.filter((record) => record.execution === selector.rid));
    case 'workflow':
      return newestOrNull(
        records.filter((record) => record.execution !== null && workflowExecutions.has(record.execution)),
      );
    case 'majority': {
      const column = selector.column ?? termColumn;
      return column === null ? null : majority(records, column);
    }
    case 'all':
      return null;
  }
}

/**
 * deriva-ml's select_majority_vote refuses to guess the column of a feature with several term
 * columns (or none); Satchel says so in one sentence instead of selecting nothing.
 */
export function majorityNeedsColumn(feature: FeatureTable, termColumns: readonly string[]): SatchelError {
  const name = `${feature.target.name}/${feature.name}`;
  if (termColumns.length === 0)
    return new SatchelError(
      'bad-argument',
      `select_majority_vote requires a column name: ${name} has no term column to count, so name one as majority:COLUMN.`,
    );
  const choices = termColumns.map((column) => `majority:${column}`);
  return new SatchelError(
    'bad-argument',
    `select_majority_vote requires a column name for features with multiple term columns: ${name} has ${termColumns.join(' and ')}, so use ${choices.join(' or ')}.`,
  );
}

function rctOf(record: FeatureValue): string {
  return record.rct ?? '';
}

function extreme(
  records: FeatureValue[],
  better: (candidate: FeatureValue, best: FeatureValue) => boolean,
): FeatureValue {
  let best = records[0]!;
  for (const record of records) if (better(record, best)) best = record;
  return best;
}

function newest(records: FeatureValue[]): FeatureValue {
  return extreme(records, (candidate, best) => rctOf(candidate) > rctOf(best));
}

function newestOrNull(records: FeatureValue[]): FeatureValue | null {
  return records.length === 0 ? null : newest(records);
}

/** Most frequent value of `column`; a tie goes to the newest record among the tied values. */
function majority(records: FeatureValue[], column: string): FeatureValue {
  const counts = new Map<string, number>();
  const keyOf = (record: FeatureValue) => JSON.stringify(record.values[column] ?? null);
  for (const record of records) counts.set(keyOf(record), (counts.get(keyOf(record)) ?? 0) + 1);
  const top = Math.max(...counts.values());
  return newest(records.filter((record) => counts.get(keyOf(record)) === top));
}

/**
 * Parses the CLI/contract spelling: newest | latest | first | majority[:Column] | execution:RID |
 * workflow:RID-or-NAME | all.
 */
export function parseSelector(text: string): Selector | null {
  const [name, argument] = text.split(/:(.*)/s, 2) as [string, string | undefined];
  switch (name) {
    case 'newest':
    case 'latest':
      return argument ? null : { kind: 'newest' };
    case 'first':
      return argument ? null : { kind: 'first' };
    case 'all':
      return argument ? null : { kind: 'all' };
    case 'majority':
      return argument ? { kind: 'majority', column: argument } : { kind: 'majority' };
    case 'execution':
      return argument ? { kind: 'execution', rid: argument } : null;
    case 'workflow':
      return argument ? { kind: 'workflow', workflow: argument } : null;
    default:
      return null;
  }
}
