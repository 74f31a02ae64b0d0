import { useEffect, useRef, useState, type FormEvent } from 'react';
import { filterFacet, type FacetCounts, type MemberFilter, type TableInfo } from '../../../../shared/bag.js';
import type { RaterInfo } from '../../../../shared/raters.js';
import { useDebounced } from '../../hooks/useDebounced.js';
import { hasModKey, isTyping } from '../../keymap.js';
import { featureName, hasFilter, parseBound, replaceFacet, toggleFilter } from '../../data/memberFilters.js';
import { useSession } from '../../stores/session.js';

interface FilterPanelProps {
  info: TableInfo | undefined;
  counts: FacetCounts | undefined;
  column: string | null;
  onColumn(column: string | null): void;
}

const KIND_LABEL: Record<RaterInfo['kind'], string> = { person: 'person', model: 'model', unknown: '?' };

/** FiftyOne's sidebar: every facet of the members with its counts; a click adds or removes a filter. */
export function FilterPanel({ info, counts, column, onColumn }: FilterPanelProps) {
  const where = useSession((state) => state.where);
  const raters = useSession((state) => state.raters);
  const setFilters = useSession((state) => state.setFilters);
  const toggle = (filter: MemberFilter) => setFilters(toggleFilter(where, filter));
  const searchColumn = info?.columns.some((candidate) => candidate.name === 'Filename') ? 'Filename' : null;

  return (
    <aside id="filter-panel" className="filter-panel" aria-label="Filters" data-testid="filter-panel">
      {searchColumn && <NameSearch column={searchColumn} />}
      {!counts && <p className="muted">Counting…</p>}
      {counts &&
        groupByFeature(counts).map(({ feature, values, disagreement, ranges }) => (
          <section key={feature} className="facet" aria-label={`${featureName(feature)} filters`}>
            <h3>{featureName(feature)}</h3>
            {values.map((facet) => (
              <fieldset key={facet.column} className="facet-values">
                <legend className={facet.column === featureName(feature) ? 'visually-hidden' : undefined}>
                  {facet.column}
                </legend>
                {facet.counts.length === 0 && <p className="muted">No values here.</p>}
                {facet.counts.map((entry) => {
                  const filter: MemberFilter = {
                    kind: 'value',
                    feature,
                    column: facet.column,
                    value: entry.value,
                  };
                  return (
                    <FacetToggle
                      key={entry.value}
                      label={entry.value}
                      count={entry.count}
                      checked={hasFilter(where, filter)}
                      onChange={() => toggle(filter)}
                      testId={`facet-${featureName(feature)}-${facet.column}-${entry.value}`}
                    />
                  );
                })}
              </fieldset>
            ))}
            {disagreement && (
              <FacetToggle
                label="Raters disagree"
                count={disagreement.count}
                checked={hasFilter(where, { kind: 'disagreement', feature })}
                onChange={() => toggle({ kind: 'disagreement', feature })}
                testId={`facet-${featureName(feature)}-disagreement`}
              />
            )}
            {ranges.map((range) => (
              <RangeFilter key={range.column} feature={feature} range={range} />
            ))}
          </section>
        ))}
      {counts && counts.raters.length > 0 && (
        <fieldset className="facet facet-values">
          <legend>
            <h3>Rater</h3>
          </legend>
          {counts.raters.map((entry) => {
            const rater = raters.find((candidate) => candidate.execution === entry.execution);
            const filter: MemberFilter = { kind: 'rater', execution: entry.execution };
            return (
              <FacetToggle
                key={entry.execution}
                label={rater?.name ?? entry.execution}
                title={rater?.description ?? `Execution ${entry.execution}`}
                kind={rater?.kind ?? 'unknown'}
                count={entry.count}
                checked={hasFilter(where, filter)}
                onChange={() => toggle(filter)}
                testId={`facet-rater-${entry.execution}`}
              />
            );
          })}
        </fieldset>
      )}
      {info && <ColumnFacet info={info} counts={counts} column={column} onColumn={onColumn} />}
    </aside>
  );
}

function groupByFeature(counts: FacetCounts) {
  const features = [
    ...new Set([
      ...counts.values.map((entry) => entry.feature),
      ...counts.disagreements.map((entry) => entry.feature),
      ...counts.ranges.map((entry) => entry.feature),
    ]),
  ];
  return features.map((feature) => ({
    feature,
    values: counts.values.filter((entry) => entry.feature === feature),
    disagreement: counts.disagreements.find((entry) => entry.feature === feature),
    ranges: counts.ranges.filter((entry) => entry.feature === feature),
  }));
}

function FacetToggle({
  label,
  count,
  checked,
  onChange,
  testId,
  kind,
  title,
}: {
  label: string;
  count: number;
  checked: boolean;
  onChange(): void;
  testId: string;
  kind?: RaterInfo['kind'];
  title?: string;
}) {
  return (
    <label className="facet-toggle" data-testid={testId} title={title}>
      <input type="checkbox" checked={checked} onChange={onChange} />
      <span className="facet-label">{label}</span>
      {kind && (
        <span className={`rater-kind ${kind}`} data-testid="rater-kind">
          {KIND_LABEL[kind]}
        </span>
      )}
      <span className="facet-count" data-testid="facet-count" data-count={count}>
        <span className="visually-hidden">, </span>
        {count.toLocaleString()}
        <span className="visually-hidden"> members</span>
      </span>
    </label>
  );
}

/** A text search in a member column (the file name); it filters once typing pauses. */
function NameSearch({ column }: { column: string }) {
  const where = useSession((state) => state.where);
  const setFilters = useSession((state) => state.setFilters);
  const facet = `contains ${column}`;
  const current = where.find((filter) => filterFacet(filter) === facet);
  const currentText = current?.kind === 'column' ? (current.contains ?? '') : '';
  const [text, setText] = useState(currentText);
  const settled = useDebounced(text, 250);
  const input = useRef<HTMLInputElement>(null);
  // `/` goes to the search from anywhere but a text field, as in most lists with a filter.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== '/' || hasModKey(event) || isTyping(event.target)) return;
      event.preventDefault();
      input.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  // A chip removed elsewhere empties the field.
  useEffect(() => setText(currentText), [currentText]);
  useEffect(() => {
    if (settled.trim() === currentText) return;
    const latest = useSession.getState().where;
    setFilters(
      replaceFacet(
        latest,
        facet,
        settled.trim() === '' ? null : { kind: 'column', column, contains: settled.trim() },
      ),
    );
    // Only a settled text changes the filters; the current text is read to avoid a loop.
  }, [settled]);
  return (
    <label className="facet-search">
      <span>{column === 'Filename' ? 'File name contains' : `${column} contains`}</span>
      <input
        ref={input}
        type="search"
        aria-keyshortcuts="/"
        value={text}
        onChange={(event) => setText(event.target.value)}
        data-testid="filter-search"
        spellCheck={false}
      />
    </label>
  );
}

function RangeFilter({ feature, range }: { feature: string; range: FacetCounts['ranges'][number] }) {
  const where = useSession((state) => state.where);
  const setFilters = useSession((state) => state.setFilters);
  const facet = `range ${feature} ${range.column}`;
  const current = where.find((filter) => filterFacet(filter) === facet);
  const [min, setMin] = useState(
    current?.kind === 'range' && current.min !== null ? String(current.min) : '',
  );
  const [max, setMax] = useState(
    current?.kind === 'range' && current.max !== null ? String(current.max) : '',
  );
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const low = parseBound(min);
    const high = parseBound(max);
    if (low === 'invalid' || high === 'invalid') {
      setProblem('Type a number, or leave the bound empty.');
      return;
    }
    setProblem(null);
    setFilters(
      replaceFacet(
        where,
        facet,
        low === null && high === null
          ? null
          : { kind: 'range', feature, column: range.column, min: low, max: high },
      ),
    );
  };
  const shown = (value: number | null) => (value === null ? '—' : String(Number(value.toPrecision(3))));
  return (
    <form className="facet-range" onSubmit={submit} aria-label={`${range.column} range`}>
      <p>
        {range.column} <span className="muted">{`${shown(range.min)} to ${shown(range.max)}`}</span>{' '}
        <span className="facet-count">{range.count.toLocaleString()}</span>
      </p>
      <div className="range-fields">
        <input
          type="text"
          inputMode="decimal"
          aria-label={`${range.column} at least`}
          placeholder="min"
          value={min}
          onChange={(event) => setMin(event.target.value)}
          data-testid={`range-min-${range.column}`}
        />
        <input
          type="text"
          inputMode="decimal"
          aria-label={`${range.column} at most`}
          placeholder="max"
          value={max}
          onChange={(event) => setMax(event.target.value)}
          data-testid={`range-max-${range.column}`}
        />
        <button type="submit" className="ghost" data-testid={`range-apply-${range.column}`}>
          Apply
        </button>
      </div>
      {problem && (
        <p className="error-text" role="alert">
          {problem}
        </p>
      )}
    </form>
  );
}

/** Any column of the member table: its most frequent values with counts. */
function ColumnFacet({
  info,
  counts,
  column,
  onColumn,
}: {
  info: TableInfo;
  counts: FacetCounts | undefined;
  column: string | null;
  onColumn(column: string | null): void;
}) {
  const where = useSession((state) => state.where);
  const setFilters = useSession((state) => state.setFilters);
  const shown = counts?.column?.column === column ? counts?.column : null;
  return (
    <section className="facet" aria-label="Column filters">
      <h3>
        <label htmlFor="facet-column">Column</label>
      </h3>
      <select
        id="facet-column"
        value={column ?? ''}
        onChange={(event) => onColumn(event.target.value === '' ? null : event.target.value)}
        data-testid="facet-column"
      >
        <option value="">Choose a column…</option>
        {info.columns.map((candidate) => (
          <option key={candidate.name} value={candidate.name}>
            {candidate.name}
          </option>
        ))}
      </select>
      {column && !shown && <p className="muted">Counting…</p>}
      {shown && (
        <fieldset className="facet-values">
          <legend className="visually-hidden">{column} values</legend>
          {shown.counts.map((entry) => {
            const filter: MemberFilter = { kind: 'column', column: shown.column, equals: entry.value };
            return (
              <FacetToggle
                key={entry.value ?? '\u0000'}
                label={entry.value ?? '(empty)'}
                count={entry.count}
                checked={hasFilter(where, filter)}
                onChange={() => setFilters(toggleFilter(where, filter))}
                testId={`facet-column-${entry.value ?? 'empty'}`}
              />
            );
          })}
          {shown.distinct > shown.counts.length && (
            <p className="muted">
              The {shown.counts.length} most frequent of {shown.distinct.toLocaleString()} values.
            </p>
          )}
        </fieldset>
      )}
    </section>
  );
}
