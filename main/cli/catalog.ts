import os from 'node:os';
import path from 'node:path';
import { transferText } from '../../shared/catalog.js';
import { openBag } from '../core/bag/index.js';
import {
  CatalogClient,
  confirmGlobusSignIn,
  isCatalogError,
  parseCatalogUrl,
  presentable,
  storedSignIn,
  type CatalogError,
  type CatalogUrl,
} from '../core/catalog/index.js';
import { SatchelError } from '../core/common/index.js';
import {
  downloadBag,
  listDatasets,
  type DatasetListing,
  type DatasetState,
  type DownloadedBag,
  type DownloadProgress,
} from '../core/download/index.js';
import { contextWorkingDir, findDerivaContext } from '../core/library/index.js';
import { EXIT_BAD_INPUT, parse, requireOption } from './args.js';
import { workspaceFrom } from './databases.js';
import { printJson, progressPrinter } from './output.js';

/** Exit code when the server or the network failed (bad input stays 2). */
export const EXIT_REMOTE = 3;
const EXIT_INTERRUPTED = 130;

const CONNECTION = {
  credential: { type: 'string' },
  home: { type: 'string' },
} as const;

/** `satchel catalog datasets URL [--json] [--credential FILE] [--home DIR]` */
export async function catalogCommand(args: string[]): Promise<number> {
  const [subcommand, ...rest] = args;
  if (subcommand !== 'datasets') {
    throw new SatchelError(
      'bad-argument',
      `"catalog ${subcommand ?? ''}" is not a command; use "satchel catalog datasets URL".`,
    );
  }
  return reportingCatalogErrors(async () => {
    const { values, positionals } = parse(rest, CONNECTION);
    const client = await connect(requireUrl(positionals), values);
    const datasets = await listDatasets(client);
    if (values.json) printJson(datasets);
    else printDatasets(datasets);
    return 0;
  });
}

/** `satchel download URL --dataset RID [--version V] [--json] [--workspace DIR] [--credential FILE] [--home DIR]` */
export async function downloadCommand(args: string[]): Promise<number> {
  return reportingCatalogErrors(async () => {
    const { values, positionals } = parse(args, {
      ...CONNECTION,
      dataset: { type: 'string' },
      version: { type: 'string' },
      holey: { type: 'boolean' },
      concurrency: { type: 'string' },
      'working-dir': { type: 'string' },
      'cache-dir': { type: 'string' },
    });
    const url = requireUrl(positionals);
    const client = await connect(url, values);
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    process.once('SIGINT', interrupt);
    try {
      const bag = await downloadBag(client, {
        rid: requireOption(values.dataset, '--dataset'),
        version: values.version,
        homeDir: values.home ? path.resolve(values.home) : undefined,
        // deriva-ml's folders: --working-dir / --cache-dir, else its .deriva-context.json for this catalog.
        workingDir:
          values['working-dir'] ??
          contextWorkingDir(findDerivaContext(), url.hostname, url.catalog) ??
          undefined,
        cacheRoot: values['cache-dir'] ? path.resolve(values['cache-dir']) : undefined,
        materialize: values.holey !== true,
        concurrency: concurrencyOption(values.concurrency),
        workspace: workspaceFrom(values.workspace),
        signal: controller.signal,
        onProgress: values.json ? undefined : progressReporter(),
      });
      const opened = await openBag(bag.bagDir, { workspace: workspaceFrom(values.workspace) });
      const datasets = (() => {
        try {
          return opened.datasets().map((dataset) => ({
            rid: dataset.rid,
            types: dataset.types,
            version: dataset.version,
            members: dataset.members,
          }));
        } finally {
          opened.close();
        }
      })();
      if (values.json) printJson({ ...bag, datasets });
      else {
        const from =
          bag.cachedBy === 'deriva-ml'
            ? ", found in deriva-ml's cache"
            : bag.cachedBy === 'satchel'
              ? ', from the cache'
              : '';
        process.stderr.write(
          `Dataset ${bag.rid} ${bag.version} at snapshot ${bag.snapshot}${from}: ${filesSentence(bag)}\n`,
        );
        if (bag.indexProblem) process.stderr.write(`satchel: ${bag.indexProblem}\n`);
        process.stdout.write(`${bag.bagDir}\n`);
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
    }
  });
}

/** A CatalogError becomes one line on stderr and an exit code; everything else goes to the caller. */
export async function reportingCatalogErrors(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (!isCatalogError(error)) throw error;
    process.stderr.write(`satchel: ${error.message}\n`);
    return exitCodeFor(error);
  }
}

function exitCodeFor(error: CatalogError): number {
  return error.kind === 'bad-url' || error.kind === 'bad-credential' ? EXIT_BAD_INPUT : EXIT_REMOTE;
}

function requireUrl(positionals: string[]): CatalogUrl {
  if (positionals.length !== 1)
    throw new SatchelError(
      'bad-argument',
      'Name exactly one catalog URL, like https://host/ermrest/catalog/1.',
    );
  return parseCatalogUrl(positionals[0]!);
}

export function concurrencyOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 64)
    throw new SatchelError(
      'bad-argument',
      `--concurrency must be a whole number from 1 to 64, not "${text}".`,
    );
  return value;
}

/**
 * The credential deriva-py would use for the catalog's host: its credential.json entry (--credential,
 * else <home>/.deriva/credential.json), overridden by a Globus token from
 * <home>/.deriva/globus-credential.json. A user-name entry signs in; the session stays in memory.
 */
export async function connect(
  url: CatalogUrl,
  values: { credential?: string; home?: string },
): Promise<CatalogClient> {
  const credentialFile = values.credential ? path.resolve(values.credential) : undefined;
  const stored = await storedSignIn(url, {
    homeDir: values.home ? path.resolve(values.home) : os.homedir(),
    credentialFile,
  });
  if (stored.source === 'none' && credentialFile) {
    throw new SatchelError('bad-argument', `${credentialFile} has no credential for ${url.hostname}.`);
  }
  const client = new CatalogClient(url, { credential: await presentable(url.origin, stored.credential) });
  await confirmGlobusSignIn(client);
  return client;
}

/** What became of the asset files, in one sentence; a holey bag says it is incomplete on purpose. */
function filesSentence(bag: DownloadedBag): string {
  if (bag.materialized) {
    const { files, downloaded, skipped, reused, fetchedBytes } = bag.assets;
    const transfer = transferText({ reused, fetched: downloaded, fetchedBytes });
    return `${files} files: ${transfer}${skipped > 0 ? ` (${skipped} were there already)` : ''}.`;
  }
  const listed = bag.fetchListed;
  return listed === 0
    ? 'a complete bag without asset files.'
    : `a holey bag, incomplete as expected: its ${listed} files are listed in fetch.txt and not fetched; satchel fetch ${bag.bagDir} fetches them.`;
}

function progressReporter(): (progress: DownloadProgress) => void {
  const bars = { tables: progressPrinter('Tables') };
  let phase = '';
  return (progress) => {
    if (progress.phase !== phase) {
      phase = progress.phase;
      if (phase === 'plan') process.stderr.write('Reading the catalog model and the dataset version...\n');
      if (phase === 'rows') process.stderr.write('Finding the rows the dataset reaches...\n');
    }
    if (progress.phase === 'tables') bars.tables?.(progress.done, progress.total);
    if (progress.phase === 'assets' && process.stderr.isTTY && progress.files && progress.transfer)
      process.stderr.write(
        `\rFiles ${progress.files.done}/${progress.files.total}: ${transferText(progress.transfer)}${progress.files.done === progress.files.total ? '\n' : ''}`,
      );
  };
}

/**
 * One row per dataset and version, each showing the dataset as it was at that version's snapshot
 * (read there); a version without a snapshot shows the live catalog, marked "(live)".
 */
function printDatasets(datasets: DatasetListing[]): void {
  const membersOf = (state: DatasetState) => {
    const members = Object.entries(state.members).map(([type, count]) => `${type} ${count}`);
    if (state.children.length) members.push(`${state.children.length} nested`);
    return members.join(', ');
  };
  const row = (rid: string, version: string, snapshot: string, state: DatasetState) => {
    const description = (state.description ?? '').replace(/\s+/g, ' ');
    return [
      rid,
      version,
      snapshot,
      state.types.join(', '),
      membersOf(state),
      description.length > 60 ? `${description.slice(0, 57)}...` : description,
    ];
  };
  const rows = [
    ['RID', 'version', 'snapshot', 'types', 'members', 'description'],
    ...datasets.flatMap((dataset) =>
      dataset.versions.length === 0
        ? [row(dataset.rid, '', '(live)', dataset)]
        : dataset.versions.map((version) =>
            row(
              dataset.rid,
              version.version,
              version.snapshot ?? '(live)',
              version.atSnapshot ?? (version.snapshot ? emptyState : dataset),
            ),
          ),
    ),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  process.stdout.write(
    `${rows
      .map((cells) =>
        cells
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n')}\n`,
  );
}

/** A version whose snapshot predates the dataset shows nothing rather than today's state. */
const emptyState: DatasetState = { description: null, types: [], members: {}, children: [] };
