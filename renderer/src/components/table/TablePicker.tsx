import { useState } from 'react';
import { qualifiedName } from '../../data/bagModel.js';
import { useSession } from '../../stores/session.js';

/** Every table of the bag with its kind and row count, grouped by schema, with a name filter. */
export function TablePicker({ current }: { current: string | null }) {
  const tables = useSession((state) => state.bag!.report.tables);
  const openTable = useSession((state) => state.openTable);
  const [query, setQuery] = useState('');
  const needle = query.trim().toLowerCase();
  const shown = tables.filter((table) => qualifiedName(table).toLowerCase().includes(needle));
  const schemas = [...new Set(shown.map((table) => table.schema))];

  return (
    <nav className="table-picker" aria-label="Tables" data-testid="table-picker">
      <input
        type="search"
        className="table-search"
        placeholder="Find a table"
        aria-label="Find a table"
        data-testid="table-search"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
      />
      {schemas.map((schema) => (
        <section key={schema}>
          <h3 className="panel-title">{schema}</h3>
          <ul>
            {shown
              .filter((table) => table.schema === schema)
              .map((table) => {
                const name = qualifiedName(table);
                return (
                  <li key={name}>
                    <button
                      type="button"
                      className={name === current ? 'table-choice current' : 'table-choice'}
                      aria-current={name === current ? 'true' : undefined}
                      data-testid={`table-${name}`}
                      onClick={() => name !== current && openTable({ table: name, filters: [] })}
                    >
                      <span className="table-choice-name">{table.table}</span>
                      <span className={`kind kind-${table.kind}`}>{table.kind}</span>
                      <span className="count">{table.rows.toLocaleString()}</span>
                    </button>
                  </li>
                );
              })}
          </ul>
        </section>
      ))}
      {shown.length === 0 && <p className="muted small">No table matches.</p>}
    </nav>
  );
}
