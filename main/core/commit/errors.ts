import { SatchelError } from '../common/index.js';
import type { Drift } from './drift.js';

export class CommitDriftError extends SatchelError {
  constructor(readonly drift: Drift[]) {
    const first = drift[0]!;
    super(
      'schema-drift',
      `The catalog changed since the bag was made, so nothing was sent: ${drift.length} draft(s) cannot be committed, e.g. ${first.target}: ${first.reason}`,
    );
  }
}
