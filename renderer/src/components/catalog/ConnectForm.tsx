import { useId, useState } from 'react';
import type { CatalogConnection } from '../../../../shared/catalog.js';
import { problemOf, useCatalog } from '../../stores/catalog.js';
import { connectRequest, signInAdvice, type SignInForm, type SignInMethod } from './catalogLogic.js';
import { CatalogError } from './CatalogError.js';

const METHODS: { method: SignInMethod; label: string; hint: string }[] = [
  {
    method: 'file',
    label: 'My deriva-py credential',
    hint: 'Satchel reads ~/.deriva/credential.json and the Globus sign-in of deriva-globus-auth-utils (~/.deriva/globus-credential.json) on this computer, as deriva-py does.',
  },
  {
    method: 'token',
    label: 'A token',
    hint: 'A bearer token from your identity provider. It stays in Satchel for this session only.',
  },
  {
    method: 'login',
    label: 'User name and password',
    hint: 'For servers with database accounts. The password is sent to the catalog once and never kept.',
  },
];

interface ConnectFormProps {
  initialUrl?: string;
  /** Signing in again to a known catalog: the address is fixed. */
  lockUrl?: boolean;
  initialMethod?: SignInMethod;
  submitLabel?: string;
  onConnected?(connection: CatalogConnection): void;
  onCancel?(): void;
}

/** The catalog address and a way to sign in; shared by the library's catalog panel and the commit dialog. */
export function ConnectForm({
  initialUrl = '',
  lockUrl = false,
  initialMethod = 'file',
  submitLabel = 'Connect',
  onConnected,
  onCancel,
}: ConnectFormProps) {
  const id = useId();
  const connecting = useCatalog((state) => state.connecting);
  const connect = useCatalog((state) => state.connect);
  const [form, setForm] = useState<SignInForm>({
    url: initialUrl,
    method: initialMethod,
    token: '',
    username: '',
    password: '',
  });
  const [problem, setProblem] = useState<string | null>(null);
  const update = (change: Partial<SignInForm>) => {
    setForm((previous) => ({ ...previous, ...change }));
    setProblem(null);
  };
  const hint = METHODS.find((entry) => entry.method === form.method)!.hint;

  const submit = async () => {
    const built = connectRequest(form);
    if ('missing' in built) {
      setProblem(built.missing);
      return;
    }
    setProblem(null);
    try {
      const connection = await connect(built.request);
      const advice = signInAdvice(connection, form.method);
      if (advice) setProblem(advice);
      else {
        setForm((previous) => ({ ...previous, token: '', password: '' }));
        onConnected?.(connection);
      }
    } catch (error) {
      setProblem(problemOf(error).message);
    }
  };

  return (
    <form
      className="catalog-form"
      data-testid="connect-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label className="catalog-field" htmlFor={`${id}-url`}>
        <span className="catalog-field-label">Catalog address</span>
        <input
          id={`${id}-url`}
          data-testid="catalog-url"
          className="mono"
          type="text"
          spellCheck={false}
          autoComplete="url"
          placeholder="https://example.org/ermrest/catalog/1"
          value={form.url}
          readOnly={lockUrl}
          onChange={(event) => update({ url: event.target.value })}
        />
      </label>
      <fieldset className="catalog-field sign-in-methods">
        <legend className="catalog-field-label">Sign in with</legend>
        <div className="segmented" role="radiogroup">
          {METHODS.map(({ method, label }) => (
            <label key={method} className={form.method === method ? 'segment selected' : 'segment'}>
              <input
                type="radio"
                name={`${id}-method`}
                data-testid={`catalog-auth-${method}`}
                value={method}
                checked={form.method === method}
                onChange={() => update({ method })}
              />
              {label}
            </label>
          ))}
        </div>
        <p className="muted small">{hint}</p>
      </fieldset>
      {form.method === 'token' && (
        <label className="catalog-field" htmlFor={`${id}-token`}>
          <span className="catalog-field-label">Token</span>
          <input
            id={`${id}-token`}
            data-testid="catalog-token"
            className="mono"
            type="password"
            autoComplete="off"
            placeholder="Paste the token"
            value={form.token}
            onChange={(event) => update({ token: event.target.value })}
          />
        </label>
      )}
      {form.method === 'login' && (
        <div className="catalog-field-row">
          <label className="catalog-field" htmlFor={`${id}-user`}>
            <span className="catalog-field-label">User name</span>
            <input
              id={`${id}-user`}
              data-testid="catalog-username"
              type="text"
              autoComplete="username"
              spellCheck={false}
              value={form.username}
              onChange={(event) => update({ username: event.target.value })}
            />
          </label>
          <label className="catalog-field" htmlFor={`${id}-password`}>
            <span className="catalog-field-label">Password</span>
            <input
              id={`${id}-password`}
              data-testid="catalog-password"
              type="password"
              autoComplete="current-password"
              value={form.password}
              onChange={(event) => update({ password: event.target.value })}
            />
          </label>
        </div>
      )}
      {problem && <CatalogError message={problem} testId="connect-error" />}
      <div className="catalog-form-actions">
        <button type="submit" className="primary" data-testid="catalog-connect" disabled={connecting}>
          {connecting ? 'Connecting…' : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="ghost" onClick={onCancel} disabled={connecting}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
