import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { RecordField, RecordShape, RecordValues } from '../../../../shared/labels.js';
import {
  checkForm,
  describeField,
  firstFieldToFill,
  formInput,
  type FormInput,
  type FormSubmission,
} from '../../labeling/recordForm.js';

interface RecordFormProps {
  shape: RecordShape;
  /** The draft's values when one target is edited, else null. */
  values: RecordValues | null;
  preset: RecordValues;
  title: string;
  /** Many images at once: fields start empty and only the ones the user edits are changed. */
  bulk?: boolean;
  onSave(submission: FormSubmission): void;
  onCancel(): void;
}

/**
 * A feature record as a small form: Tab moves between fields, Enter saves, Esc cancels. The record is
 * checked against its shape on every change and cannot be saved while a field is invalid. A bulk edit
 * sends only the fields the user touched (and the term a key preset), so each image keeps the rest.
 */
export function RecordForm({
  shape,
  values,
  preset,
  title,
  bulk = false,
  onSave,
  onCancel,
}: RecordFormProps) {
  const [input, setInput] = useState<FormInput>(() => formInput(shape, values, preset));
  const [tried, setTried] = useState(false);
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set(Object.keys(preset)));
  const checked = checkForm(shape, input, bulk ? touched : undefined);
  const errors = checked.ok ? {} : checked.errors;
  const id = useId();
  const firstField = firstFieldToFill(shape, preset);

  const change = (column: string, value: string) => {
    setInput((current) => ({ ...current, [column]: value }));
    setTouched((current) => new Set(current).add(column));
  };

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    setTried(true);
    if (checked.ok)
      onSave(bulk ? { values: checked.values, only: [...touched] } : { values: checked.values });
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
      {bulk && (
        <p className="muted" data-testid="bulk-note">
          Only the fields you edit change; each image keeps its other values.
        </p>
      )}
      {shape.fields.map((field) => {
        const error = tried || touched.has(field.column) ? errors[field.column] : undefined;
        const fieldId = `${id}-${field.column}`;
        return (
          <div key={field.column} className={error ? 'form-field invalid' : 'form-field'}>
            <label htmlFor={fieldId}>
              {field.column}
              <span className="muted small">
                {' '}
                {describeField(field)}
                {bulk
                  ? touched.has(field.column)
                    ? ', changes'
                    : ', kept'
                  : field.required
                    ? ', required'
                    : ', optional'}
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
