import os from 'node:os';
import path from 'node:path';
import { transferText } from '../../shared/catalog.js';
import { locateBag } from '../core/bag/index.js';
import { readFetchFile } from '../core/bag/fetch.js';
import { hatracForFile, isCatalogError } from '../core/catalog/index.js';
import { materializeBag, reuseSources, type MaterializeProgress } from '../core/download/index.js';
import { parse, requireBagArgument } from './args.js';
import { concurrencyOption, reportingCatalogErrors } from './catalog.js';
import { workspaceFrom } from './databases.js';
import { printJson } from './output.js';

const EXIT_INTERRUPTED = 130;

/**
 * `satchel fetch BAG [--concurrency N] [--credential FILE] [--home DIR] [--json]`: brings the files
 * fetch.txt lists into a holey bag, reusing any copy already on disk (other cached bags, the
 * workspace's store) after checking its MD5 and fetching only the rest, with the credential
 * deriva-py would use for the files' host. Ctrl-C stops it; running it again resumes.
 */
export async function fetchCommand(args: string[]): Promise<number> {
  return reportingCatalogErrors(async () => {
    const { values, positionals } = parse(args, {
      concurrency: { type: 'string' },
      credential: { type: 'string' },
      home: { type: 'string' },
    });
    const input = requireBagArgument(positionals);
    const workspace = workspaceFrom(values.workspace);
    const bagDir = await locateBag(input, { workspace });
    const entries = readFetchFile(bagDir);
    const homeDir = values.home ? path.resolve(values.home) : os.homedir();
    const first = entries[0];
    if (!first) {
      if (values.json) printJson({ bag: bagDir, files: 0, reused: 0, fetched: 0, fetchedBytes: 0 });
      else process.stderr.write(`${input} has no fetch.txt entries: there is nothing to fetch.\n`);
      return 0;
    }
    const hatrac = await hatracForFile(first.url, {
      homeDir,
      credentialFile: values.credential ? path.resolve(values.credential) : undefined,
    });
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    process.once('SIGINT', interrupt);
    try {
      const result = await materializeBag(hatrac, bagDir, {
        concurrency: concurrencyOption(values.concurrency),
        signal: controller.signal,
        ...reuseSources(bagDir, { homeDir, workspace }),
        resumeHint: `run satchel fetch ${input} again`,
        onProgress: values.json ? undefined : fetchProgressPrinter(),
      });
      const transfer = {
        reused: result.reused,
        fetched: result.downloaded,
        fetchedBytes: result.fetchedBytes,
      };
      if (values.json) printJson({ bag: bagDir, ...result });
      else
        process.stderr.write(
          `${input}: ${result.files} files in place: ${transferText(transfer)}${result.skipped > 0 ? ` (${result.skipped} were there already)` : ''}.\n`,
        );
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

/** One line on stderr, rewritten as files arrive (terminals only). */
function fetchProgressPrinter(): ((progress: MaterializeProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = '';
  return (progress) => {
    const line = `Fetching ${progress.doneFiles}/${progress.totalFiles} files: ${transferText({
      reused: progress.reusedFiles,
      fetched: progress.fetchedFiles,
      fetchedBytes: progress.fetchedBytes,
    })}`;
    if (line === last) return;
    last = line;
    process.stderr.write(`\r${line}`);
    if (progress.doneFiles === progress.totalFiles) process.stderr.write('\n');
  };
}
