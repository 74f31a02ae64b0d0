import { filterFacet, type MemberFilter } from '../../../shared/bag.js';

/** The filterable grid's filters as the user sees them: chips to read and remove, toggles to add. */

/** `Image/Digit` → `Digit`. */
export function featureName(key: string): string {
  return key.slice(key.indexOf('/') + 1);
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** A filter in words, for its chip: "Digit: 3", "by annotator A", "Digit: raters disagree". */
export function filterText(filter: MemberFilter, nameOf: (execution: string) => string): string {
  switch (filter.kind) {
    case 'value': {
      const feature = featureName(filter.feature);
      return filter.column === feature
        ? `${feature}: ${filter.value}`
        : `${feature} ${filter.column}: ${filter.value}`;
    }
    case 'rater':
      return `by ${nameOf(filter.execution)}`;
    case 'disagreement':
      return `${featureName(filter.feature)}: raters disagree`;
    case 'range': {
      const { min, max } = filter;
      const range =
        min !== null && max !== null
          ? `${formatNumber(min)} to ${formatNumber(max)}`
          : min !== null
            ? `at least ${formatNumber(min)}`
            : `at most ${formatNumber(max ?? 0)}`;
      return `${featureName(filter.feature)} ${filter.column} ${range}`;
    }
    case 'column':
      if (filter.contains !== undefined) return `${filter.column} contains “${filter.contains}”`;
      return `${filter.column}: ${filter.equals === null || filter.equals === undefined ? '(empty)' : String(filter.equals)}`;
  }
}

export function sameFilter(a: MemberFilter, b: MemberFilter): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function hasFilter(filters: readonly MemberFilter[], filter: MemberFilter): boolean {
  return filters.some((candidate) => sameFilter(candidate, filter));
}

/** Adds the filter, or takes it away if it is on (a value of a facet is a toggle). */
export function toggleFilter(filters: readonly MemberFilter[], filter: MemberFilter): MemberFilter[] {
  return hasFilter(filters, filter)
    ? filters.filter((candidate) => !sameFilter(candidate, filter))
    : [...filters, filter];
}

/**
 * Puts a filter that a facet holds only once (a range, a text search) in place of the one before;
 * `null` takes the facet's filter away.
 */
export function replaceFacet(
  filters: readonly MemberFilter[],
  facet: string,
  filter: MemberFilter | null,
): MemberFilter[] {
  const others = filters.filter((candidate) => filterFacet(candidate) !== facet);
  return filter ? [...others, filter] : others;
}

/** The work queue's title for a filtered view: its chips joined. */
export function filterTitle(filters: readonly MemberFilter[], nameOf: (execution: string) => string): string {
  return filters.length === 0
    ? 'All members'
    : filters.map((filter) => filterText(filter, nameOf)).join(' · ');
}

/** A typed bound of a range: empty is open, anything not a number is refused. */
export function parseBound(text: string): number | null | 'invalid' {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : 'invalid';
}
