import type { CellValue, ColumnInfo } from '../../../../shared/bag.js';
import { qualifiedName, tableKind } from '../../data/bagModel.js';
import { formatCell, stringField } from '../../data/format.js';
import { useRequest } from '../../data/useRequest.js';
import { useSession } from '../../stores/session.js';

/** Vocabularies are small: one page holds every term. */
const VOCABULARY_LIMIT = 5000;

type Reference = NonNullable<ColumnInfo['references']>;

/** A cell: foreign keys link to the referenced row, vocabulary terms explain themselves on hover. */
export function CellContent({ column, value }: { column: ColumnInfo; value: CellValue }) {
  const report = useSession((state) => state.bag!.report);
  if (value === null || value === '') return <span className="muted">—</span>;
  const text = formatCell(value);
  const reference = column.references;
  if (!reference || Array.isArray(value)) return <span title={text}>{text}</span>;
  return tableKind(report, qualifiedName(reference)) === 'vocabulary' ? (
    <VocabularyTerm reference={reference} term={value} />
  ) : (
    <ForeignKeyLink reference={reference} value={value} />
  );
}

function ForeignKeyLink({ reference, value }: { reference: Reference; value: string | number | boolean }) {
  const openTable = useSession((state) => state.openTable);
  return (
    <button
      type="button"
      className="fk-link"
      data-testid="fk-link"
      title={`Show ${reference.table} ${String(value)}`}
      onClick={() =>
        openTable({ table: qualifiedName(reference), filters: [{ column: reference.column, equals: value }] })
      }
    >
      {String(value)}
    </button>
  );
}

function VocabularyTerm({ reference, term }: { reference: Reference; term: string | number | boolean }) {
  const bagId = useSession((state) => state.bag!.bagId);
  const { value: vocabulary } = useRequest('bag:rows', {
    bagId,
    table: qualifiedName(reference),
    limit: VOCABULARY_LIMIT,
  });
  const entry = vocabulary?.rows.find((row) => row[reference.column] === term);
  const description = stringField(entry, 'Description');
  const synonyms = formatCell(entry?.Synonyms);
  const title = [String(term), description, synonyms && `Synonyms: ${synonyms}`].filter(Boolean).join('\n');
  return (
    <span className="vocabulary-term" title={title} data-testid="vocabulary-term">
      {String(term)}
    </span>
  );
}
