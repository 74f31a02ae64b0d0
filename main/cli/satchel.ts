import { locateBag } from '../core/bag/index.js';
import { isCatalogError } from '../core/catalog/errors.js';
import { SatchelError, isSatchelError } from '../core/common/index.js';
import { exportImageFolder } from '../core/export/index.js';
import { verifyBag } from '../core/verify/index.js';
import {
  EXIT_BAD_INPUT,
  EXIT_PROBLEMS,
  parse,
  requireBagArgument,
  requireOption,
  selectorOption,
  withBag,
} from './args.js';
import { nameDatabaseFailure, workspaceFrom } from './databases.js';
import { endQuietlyWhenReaderLeaves, printHuman, printJson, progressPrinter } from './output.js';

const USAGE = `Usage: satchel <command> [options]

Commands:
  inspect BAG                      datasets, tables, features and counts of a bag
  verify BAG                       check BagIt manifests, checksums and fetch.txt; a bag whose fetch.txt
                                   files are not all present is incomplete (exit 1)
  members BAG [--dataset RID] [--recurse] [--type ELEMENT]
  values BAG --target TABLE --feature NAME [--selector newest|first|majority[:COLUMN]|execution:RID|
             workflow:RID-or-NAME]  every record of the feature in the dataset; --selector keeps one per target
  export BAG --out DIR [--asset-table T] [--target FEATURE ...] [--selector S]
             [--missing unknown|skip|error] [--copy]
  export BAG --coco OUT.json --feature Image/Region [--selector S] [--dataset RID]
                                   the regions of an asset-valued feature as one COCO file
  serve [BAG] [--port N]           browser mode on 127.0.0.1: prints the URL (with its token) and serves
                                   until Ctrl-C; BROWSER=none keeps the browser closed
  start [BAG]                      the desktop app, or browser mode when Electron is not installed
  drafts list|export|import BAG --feature Image/Cell_Type [--format jsonl|csv] [--file F]
                                   offline labels (drafts) of a bag: list, export, or import with validation
  label BAG --feature Image/Cell_Type --set RID=Term ... [--value Column=V ...] [--clear RID ...]
                                   set (or clear) draft labels from a script; invalid records exit 2
  catalog datasets URL [--credential FILE]
                                   datasets of a catalog with their versions and member counts
  download URL --dataset RID [--version V] [--holey] [--credential FILE] [--working-dir DIR]
             [--cache-dir DIR]     build the bag at that version's snapshot into the deriva-ml cache
                                   (recorded in its index.sqlite); files already on disk are reused
  fetch BAG [--concurrency N] [--credential FILE]
                                   bring a holey bag's fetch.txt files into it, reusing copies already
                                   on disk; Ctrl-C stops, running it again resumes
  commit BAG --catalog URL [--workflow NAME] [--description TEXT] [--credential FILE]
                                   send the drafts as one Execution; resumable, and a second run sends nothing
  workspace check|backup|restore [--from FILE]
                                   check the workspace database (recovering what a damaged one still holds),
                                   back it up now, or put a backup in its place

Common options: --json, --workspace DIR (default: the app-data folder, or SATCHEL_WORKSPACE)
BAG is a bag folder or a bag .zip.`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  // Loaded on demand: the server brings sharp, SQLite and a worker thread that other commands do not need.
  serve: async (args) => (await import('../serve/index.js')).serveCommand(args),
  start: async (args) => (await import('../serve/index.js')).startCommand(args),
  drafts: async (args) => (await import('./labels.js')).draftsCommand(args),
  label: async (args) => (await import('./labels.js')).labelCommand(args),
  catalog: async (args) => (await import('./catalog.js')).catalogCommand(args),
  download: async (args) => (await import('./catalog.js')).downloadCommand(args),
  fetch: async (args) => (await import('./fetch.js')).fetchCommand(args),
  commit: async (args) => (await import('./commit.js')).commitCommand(args),
  workspace: async (args) => (await import('./workspace.js')).workspaceCommand(args),
  inspect: async (args) => {
    const { values, bag } = await withBag(args, {});
    try {
      const report = bag.inspect();
      if (values.json) printJson(report);
      else printHuman.inspect(report);
      return 0;
    } finally {
      bag.close();
    }
  },
  verify: async (args) => {
    const { values, positionals } = parse(args, {});
    const input = requireBagArgument(positionals);
    const bagDir = await locateBag(input, { workspace: workspaceFrom(values.workspace) });
    const report = await verifyBag(bagDir, {
      onProgress: values.json ? undefined : progressPrinter('Verifying'),
    });
    if (values.json) printJson(report);
    else printHuman.verify(report, input);
    return report.ok ? 0 : EXIT_PROBLEMS;
  },
  members: async (args) => {
    const { values, bag } = await withBag(args, {
      dataset: { type: 'string' },
      recurse: { type: 'boolean' },
      type: { type: 'string' },
    });
    try {
      const dataset = (values.dataset as string | undefined) ?? bag.rid;
      const all = bag.allMembers(dataset, values.recurse === true);
      const chosen = values.type ? { [values.type as string]: all[values.type as string] ?? [] } : all;
      if (values.type && !((values.type as string) in all)) bag.elementType(values.type as string);
      if (values.json) printJson(chosen);
      else printHuman.members(chosen);
      return 0;
    } finally {
      bag.close();
    }
  },
  values: async (args) => {
    const { values, bag } = await withBag(args, {
      target: { type: 'string' },
      feature: { type: 'string' },
      selector: { type: 'string' },
      dataset: { type: 'string' },
    });
    try {
      const target = requireOption(values.target, '--target');
      const feature = requireOption(values.feature, '--feature');
      // All records by default, as deriva-ml's feature_values returns them; --selector reduces.
      const selector = selectorOption(values.selector as string | undefined) ?? { kind: 'all' };
      const result = bag.featureValues(
        target,
        feature,
        selector,
        (values.dataset as string | undefined) ?? bag.rid,
      );
      if (values.json) printJson(result);
      else printHuman.values(result);
      return 0;
    } finally {
      bag.close();
    }
  },
  export: async (args) => {
    // The COCO file of a feature's regions is its own path (loaded on demand: it reads with sharp's helpers).
    if (args.some((arg) => arg === '--coco' || arg.startsWith('--coco=')))
      return (await import('./regions.js')).exportCocoCommand(args);
    const { values, bag } = await withBag(args, {
      out: { type: 'string' },
      'asset-table': { type: 'string' },
      target: { type: 'string', multiple: true },
      selector: { type: 'string' },
      missing: { type: 'string' },
      copy: { type: 'boolean' },
    });
    try {
      const missing = (values.missing as string | undefined) ?? 'unknown';
      if (!['unknown', 'skip', 'error'].includes(missing)) {
        throw new SatchelError('bad-argument', `--missing must be unknown, skip or error, not "${missing}".`);
      }
      const { manifest, missing: absent } = exportImageFolder(bag, {
        outDir: requireOption(values.out, '--out'),
        assetTable: values['asset-table'] as string | undefined,
        targets: (values.target as string[] | undefined) ?? [],
        selector: selectorOption(values.selector as string | undefined),
        missing: missing as 'unknown' | 'skip' | 'error',
        copy: values.copy === true,
      });
      printJson(manifest);
      if (absent.length > 0) {
        const [files, them] =
          absent.length === 1 ? ['1 file is', 'it'] : [`${absent.length} files are`, 'them'];
        const first = `${absent[0]!.relative}${absent.length > 1 ? ', …' : ''}`;
        process.stderr.write(
          `satchel: ${files} not in the bag (${first}), so the export leaves ${them} out as deriva-ml does; satchel fetch ${bag.root} brings ${them}.\n`,
        );
      }
      return 0;
    } finally {
      bag.close();
    }
  },
};

export async function main(argv: string[]): Promise<void> {
  endQuietlyWhenReaderLeaves();
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = name ? 0 : EXIT_BAD_INPUT;
    return;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`satchel: "${name}" is not a command.\n${USAGE}\n`);
    process.exitCode = EXIT_BAD_INPUT;
    return;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  try {
    process.exitCode = await command(rest);
  } catch (caught) {
    const error = nameDatabaseFailure(caught);
    if (isSatchelError(error) || isCatalogError(error)) {
      process.stderr.write(`satchel: ${error.message}\n`);
      process.exitCode = EXIT_BAD_INPUT;
      return;
    }
    process.stderr.write(`satchel: unexpected failure: ${(error as Error).message ?? String(error)}\n`);
    process.exitCode = 70;
  }
}
