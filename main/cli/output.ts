import type { FeatureValue, InspectReport, Row, VerifyReport } from '../../shared/bag.js';

/**
 * When the program reading our output goes away (`satchel … | head`), the command ends quietly with
 * status 0, as Unix tools do; a reader of stderr that goes away only loses the messages.
 */
export function endQuietlyWhenReaderLeaves(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A one-line progress bar on stderr, only when stderr is a terminal. */
export function progressPrinter(
  label: string,
): ((progress: { done: number; total: number } | number, total?: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  let last = -1;
  return (progress, maybeTotal) => {
    const done = typeof progress === 'number' ? progress : progress.done;
    const total = typeof progress === 'number' ? (maybeTotal ?? 0) : progress.total;
    const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
    if (percent === last) return;
    last = percent;
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    process.stderr.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}%`);
    if (percent >= 100) process.stderr.write('\n');
  };
}

const SHOWN_MISSING = 20;

/**
 * RFC 8493: files fetch.txt lists but the bag lacks make it incomplete, hence not valid. A bag none of
 * whose fetch.txt files is present was downloaded holey, which is expected; either way it names the fix.
 */
function incompleteSentence(report: VerifyReport, bag: string): string {
  const files =
    report.unfetched === 1
      ? '1 file listed in fetch.txt is'
      : `${report.unfetched} files listed in fetch.txt are`;
  const holey = report.unfetched === report.fetchListed;
  const why = holey
    ? 'none of its fetch.txt files has been fetched, which is expected for a holey bag, but it is not valid until they are'
    : 'so it is not valid (RFC 8493)';
  const it = report.unfetched === 1 ? 'it' : 'them';
  return `INCOMPLETE: ${files} not in the bag; ${why}. Fetch ${it} with: satchel fetch ${bag}`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export const printHuman = {
  inspect(report: InspectReport): void {
    const lines = [
      `Dataset ${report.rid}  version ${report.version ?? '?'}  snapshot ${report.snaptime}  format ${report.format}  ${report.materialized ? 'materialized' : 'not materialized (holey)'}`,
      '',
      'Datasets:',
      table([
        ['RID', 'types', 'version', 'children', 'members'],
        ...report.datasets.map((dataset) => [
          dataset.rid,
          dataset.types.join(', '),
          dataset.version ?? '',
          dataset.children.join(', '),
          Object.entries(dataset.members)
            .map(([type, count]) => `${type} ${count}`)
            .join(', '),
        ]),
      ]),
      '',
      'Features:',
      table([
        ['target', 'feature', 'table', 'terms', 'values', 'rows'],
        ...report.features.map((feature) => [
          feature.target,
          feature.name,
          feature.table,
          feature.termColumns.join(', '),
          feature.valueColumns.join(', '),
          String(feature.rows),
        ]),
      ]),
      '',
      'Tables:',
      table([
        ['table', 'kind', 'rows'],
        ...report.tables.map((entry) => [`${entry.schema}:${entry.table}`, entry.kind, String(entry.rows)]),
      ]),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
  verify(report: VerifyReport, bag: string): void {
    const mb = (report.bytes / 1e6).toFixed(1);
    const checked = `${report.files} files, ${mb} MB, ${report.checks} checksums checked`;
    if (report.unfetched > 0) {
      process.stdout.write(`${incompleteSentence(report, bag)}\n`);
      const shown = report.missing.slice(0, SHOWN_MISSING);
      for (const missing of shown) process.stdout.write(`  missing  ${missing}\n`);
      if (report.unfetched > shown.length)
        process.stdout.write(`  … and ${report.unfetched - shown.length} more (--json lists them)\n`);
    }
    const state =
      report.problems.length === 0 ? (report.ok ? 'OK' : 'Checked') : `${report.problems.length} problem(s)`;
    process.stdout.write(`${state}: ${checked}\n`);
    for (const problem of report.problems)
      process.stdout.write(`  ${problem.kind.padEnd(18)} ${problem.path}  ${problem.message}\n`);
  },
  members(members: Record<string, Row[]>): void {
    for (const [type, rows] of Object.entries(members)) {
      process.stdout.write(`${type}: ${rows.length}\n`);
      for (const row of rows.slice(0, 20))
        process.stdout.write(
          `  ${String(row.RID)}  ${String(row.Filename ?? row.Name ?? row.Description ?? '')}\n`,
        );
      if (rows.length > 20) process.stdout.write(`  … ${rows.length - 20} more (use --json for all)\n`);
    }
  },
  values(values: FeatureValue[]): void {
    for (const value of values) {
      const shown = Object.entries(value.values)
        .map(([column, cell]) => `${column}=${cell === null ? '' : String(cell)}`)
        .join(' ');
      process.stdout.write(`${value.target}  ${value.execution ?? ''}  ${shown}\n`);
    }
  },
};
