import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { RecordField, RecordShape, RecordValues } from '../../../../shared/labels.js';
import { checkForm, formInput, labelColumn, type FormInput } from '../../labeling/recordForm.js';

interface RecordFormProps {
  shape: RecordShape;
  /** The draft's values when one target is edited, else null. */
  values: RecordValues | null;
  preset: RecordValues;
  title: string;
  onSave(values: RecordValues): void;
  onCancel(): void;
}

/**
 * A feature record as a small form: Tab moves between fields, Enter saves, Esc cancels. The record is
 * checked against its shape on every change and cannot be saved while a field is invalid.
 */
export function RecordForm({ shape, values, preset, title, onSave, onCancel }: RecordFormProps) {
  const [input, setInput] = useState<FormInput>(() => formInput(shape, values, preset));
  const [tried, setTried] = useState(false);
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set());
  const checked = checkForm(shape, input);
  const errors = checked.ok ? {} : checked.errors;
  const id = useId();
  // With the term chosen by a key, the cursor starts in the first field still to fill.
  const label = labelColumn(shape);
  const firstField =
    shape.fields.find((field) => field !== label || !(field.column in preset))?.column ??
    shape.fields[0]?.column;

  const change = (column: string, value: string) => {
    setInput((current) => ({ ...current, [column]: value }));
    setTouched((current) => new Set(current).add(column));
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    setTried(true);
    if (checked.ok) onSave(checked.values);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLFormElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    } else if (event.key === 'Enter' && event.target instanceof HTMLSelectElement) {
      // Enter in a text field submits the form natively; a select needs help.
      event.preventDefault();
      submit();
    } else {
      // Keys typed here belong to the form, not to the labeler's shortcuts.
      event.stopPropagation();
    }
  };

  const problems = Object.entries(errors).filter(([column]) => tried || touched.has(column));
  return (
    <form
      className="record-form"
      data-testid="record-form"
      aria-label={title}
      onSubmit={submit}
      onKeyDown={onKeyDown}
      noValidate
    >
      <h4>{title}</h4>
      {shape.fields.map((field) => {
        const error = tried || touched.has(field.column) ? errors[field.column] : undefined;
        const fieldId = `${id}-${field.column}`;
        return (
          <div key={field.column} className={error ? 'form-field invalid' : 'form-field'}>
            <label htmlFor={fieldId}>
              {field.column}
              <span className="muted small">
                {' '}
                {describeKind(field)}
                {field.required ? ', required' : ', optional'}
              </span>
            </label>
            <FieldInput
              field={field}
              id={fieldId}
              value={input[field.column] ?? ''}
              autoFocus={field.column === firstField}
              invalid={Boolean(error)}
              onChange={(value) => change(field.column, value)}
            />
            {error && (
              <p className="field-error" id={`${fieldId}-error`} data-testid={`field-error-${field.column}`}>
                {error}
              </p>
            )}
          </div>
        );
      })}
      {tried && problems.length > 0 && (
        <p className="field-error" role="alert" data-testid="form-refused">
          Not saved: {problems.map(([, message]) => message).join(' ')}
        </p>
      )}
      <div className="form-buttons">
        <button type="submit" className="primary" data-testid="form-save" aria-disabled={!checked.ok}>
          Save <kbd>Enter</kbd>
        </button>
        <button type="button" className="ghost" onClick={onCancel}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </form>
  );
}

function describeKind(field: RecordField): string {
  switch (field.kind) {
    case 'term':
      return 'term';
    case 'integer':
      return `whole number (${field.type})`;
    case 'float':
      return 'number';
    case 'boolean':
      return 'true / false';
    case 'date':
      return 'date';
    case 'asset':
      return 'asset RID';
    default:
      return 'text';
  }
}

interface FieldInputProps {
  field: RecordField;
  id: string;
  value: string;
  autoFocus: boolean;
  invalid: boolean;
  onChange(value: string): void;
}

function FieldInput({ field, id, value, autoFocus, invalid, onChange }: FieldInputProps) {
  const common = {
    id,
    autoFocus,
    'aria-invalid': invalid,
    'aria-describedby': invalid ? `${id}-error` : undefined,
    'data-testid': `field-${field.column}`,
  };
  if (field.kind === 'term') {
    return (
      <select {...common} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">—</option>
        {/* A value outside the vocabulary stays visible (and refused) instead of silently vanishing. */}
        {value !== '' && !field.terms?.includes(value) && <option value={value}>{value}</option>}
        {field.terms?.map((term) => (
          <option key={term} value={term}>
            {term}
          </option>
        ))}
      </select>
    );
  }
  if (field.kind === 'boolean') {
    return (
      <select {...common} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">—</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  }
  return (
    <input
      {...common}
      type={field.kind === 'date' ? 'date' : 'text'}
      inputMode={field.kind === 'integer' ? 'numeric' : field.kind === 'float' ? 'decimal' : undefined}
      value={value}
      autoComplete="off"
      onChange={(event) => onChange(event.target.value)}
    />
  );
}
