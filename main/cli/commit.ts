import { isCatalogError, parseCatalogUrl } from '../core/catalog/index.js';
import { commitDrafts } from '../core/commit/index.js';
import { appVersion } from '../core/common/index.js';
import { LabelStore } from '../core/labels/index.js';
import { requireOption, withBag } from './args.js';
import { connect, reportingCatalogErrors } from './catalog.js';
import { openWorkspaceDatabase, workspaceFrom } from './databases.js';
import { printJson } from './output.js';

const EXIT_INTERRUPTED = 130;

/**
 * `satchel commit BAG --catalog URL`: the bag's drafts as one Execution by the catalog's signed-in
 * identity; safe to run again. Ctrl-C cancels at the next request and leaves it resumable.
 */
export async function commitCommand(args: string[]): Promise<number> {
  return reportingCatalogErrors(() => commitBag(args));
}

async function commitBag(args: string[]): Promise<number> {
  const { values, bag } = await withBag(args, {
    catalog: { type: 'string' },
    workflow: { type: 'string' },
    description: { type: 'string' },
    credential: { type: 'string' },
    home: { type: 'string' },
  });
  const common = values as { workspace?: string; json?: boolean };
  const db = openWorkspaceDatabase(workspaceFrom(common.workspace));
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    const url = parseCatalogUrl(requireOption(values.catalog, '--catalog'));
    const client = await connect(url, {
      credential: values.credential as string | undefined,
      home: values.home as string | undefined,
    });
    const result = await commitDrafts({
      client,
      db,
      bag,
      store: new LabelStore(db),
      appVersion: appVersion(),
      workflowName: values.workflow as string | undefined,
      description: values.description as string | undefined,
      signal: controller.signal,
      onProgress:
        common.json || !process.stderr.isTTY
          ? undefined
          : ({ step, done, total }) => {
              process.stderr.write(`\rCommitting: ${step} ${total > 1 ? `${done}/${total}` : ''}`.padEnd(60));
              if (step === 'finishing') process.stderr.write('\n');
            },
    });
    if (common.json) printJson(result);
    else {
      const rows = Object.entries(result.inserted)
        .map(([table, rids]) => `${table} ${rids.length}`)
        .join(', ');
      const state = result.alreadyCommitted ? 'Already committed' : 'Committed';
      process.stdout.write(`${state}: Execution ${result.executionRid} (${rows})\n${result.chaiseUrl}\n`);
      for (const note of result.notes) process.stdout.write(`${note}\n`);
    }
    return 0;
  } catch (error) {
    if (controller.signal.aborted && isCatalogError(error) && error.kind === 'cancelled') {
      process.stderr.write(`\nsatchel: ${error.message}\n`);
      return EXIT_INTERRUPTED;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', interrupt);
    db.close();
    bag.close();
  }
}
