import type { ReactNode } from 'react';

interface CatalogErrorProps {
  message: string;
  /** A second line: what happens to the user's work, what to do next. */
  advice?: string | null;
  tone?: 'danger' | 'warn';
  testId?: string;
  children?: ReactNode;
}

/** An error sentence from main, shown where the call was made (not in the app-wide banner). */
export function CatalogError({ message, advice, tone = 'danger', testId, children }: CatalogErrorProps) {
  return (
    <div className={`catalog-error ${tone}`} role="alert" data-testid={testId}>
      <div className="catalog-error-text">
        <p className="catalog-error-message">{message}</p>
        {advice && <p className="catalog-error-advice">{advice}</p>}
      </div>
      {children && <div className="catalog-error-actions">{children}</div>}
    </div>
  );
}
