import { createRequire } from 'node:module';
import { CatalogClient, credentialFor, defaultCredentialFile, login, type Credential } from '../core/catalog/index.js';
import { commitDrafts } from '../core/commit/index.js';
import { defaultAuthor, LabelStore } from '../core/labels/index.js';
import { openWorkspaceDb } from '../core/workspace-db/index.js';
import { resolveWorkspace } from '../core/workspace/index.js';
import { requireOption, withBag } from './args.js';
import { printJson } from './output.js';

const require = createRequire(import.meta.url);

export function appVersion(): string {
  return (require('../../../package.json') as { version: string }).version;
}

/**
 * The credential for a catalog: deriva-py's credential.json entry for its host (a cookie, a bearer
 * token, or a user name and password to log in with), or none for anonymous access.
 */
export async function catalogCredential(url: string, file: string | undefined): Promise<Credential | null> {
  const client = new CatalogClient(url);
  const stored = await credentialFor(client.url.hostname, file ?? defaultCredentialFile());
  if (!stored) return null;
  if (stored.kind !== 'password') return stored;
  return login(client.url.origin, stored.username, stored.password);
}

/** `satchel commit BAG --catalog URL`: the bag's drafts as one Execution; safe to run again. */
export async function commitCommand(args: string[]): Promise<number> {
  const { values, bag } = await withBag(args, {
    catalog: { type: 'string' },
    workflow: { type: 'string' },
    description: { type: 'string' },
    credential: { type: 'string' },
    author: { type: 'string' },
  });
  const common = values as { workspace?: string; json?: boolean };
  const db = openWorkspaceDb(resolveWorkspace(common.workspace));
  try {
    const url = requireOption(values.catalog, '--catalog');
    const credential = await catalogCredential(url, values.credential as string | undefined);
    const client = new CatalogClient(url, { credential });
    const result = await commitDrafts({
      client,
      db,
      bag,
      store: new LabelStore(db),
      author: (values.author as string | undefined) ?? defaultAuthor(),
      appVersion: appVersion(),
      workflowName: values.workflow as string | undefined,
      description: values.description as string | undefined,
      onProgress: common.json || !process.stderr.isTTY ? undefined : ({ step, done, total }) => {
        process.stderr.write(`\rCommitting: ${step} ${total > 1 ? `${done}/${total}` : ''}`.padEnd(60));
        if (step === 'finishing') process.stderr.write('\n');
      },
    });
    if (common.json) printJson(result);
    else {
      const rows = Object.entries(result.inserted).map(([table, rids]) => `${table} ${rids.length}`).join(', ');
      const state = result.alreadyCommitted ? 'Already committed' : 'Committed';
      process.stdout.write(`${state}: Execution ${result.executionRid} (${rows})\n${result.chaiseUrl}\n`);
    }
    return 0;
  } finally {
    db.close();
    bag.close();
  }
}
