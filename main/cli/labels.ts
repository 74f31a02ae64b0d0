import fs from 'node:fs';
import type { CellValue } from '../../shared/bag.js';
import { SatchelError } from '../core/common/index.js';
import { StagedFiles, stagedFileReference } from '../core/regions/index.js';
import {
  defaultAuthor,
  exportDrafts,
  LabelingSession,
  LabelStore,
  parseDrafts,
  type DraftFormat,
} from '../core/labels/index.js';
import { requireOption, withBag, type Options } from './args.js';
import { openWorkspaceDatabase, workspaceFrom } from './databases.js';
import { printJson } from './output.js';

/** `satchel drafts` and `satchel label`: the offline labels of a bag, from the command line. */

const FEATURE_OPTIONS = {
  feature: { type: 'string' },
  author: { type: 'string' },
} as const satisfies Options;

async function withSession<T extends Options>(args: string[], options: T) {
  const { values, bag } = await withBag(args, { ...FEATURE_OPTIONS, ...options });
  const common = values as { workspace?: string; feature?: string; author?: string };
  const workspace = workspaceFrom(common.workspace);
  const db = openWorkspaceDatabase(workspace);
  try {
    const session = new LabelingSession(bag, new LabelStore(db), requireOption(common.feature, '--feature'));
    return {
      values,
      session,
      workspace,
      author: common.author ?? defaultAuthor(),
      close: () => {
        db.close();
        bag.close();
      },
    };
  } catch (error) {
    db.close();
    bag.close();
    throw error;
  }
}

function formatOption(value: unknown): DraftFormat {
  const format = (value as string | undefined) ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv')
    throw new SatchelError('bad-argument', `--format must be jsonl or csv, not "${format}".`);
  return format;
}

export async function draftsCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action !== 'list' && action !== 'export' && action !== 'import') {
    throw new SatchelError(
      'bad-argument',
      'Use "satchel drafts list", "satchel drafts export" or "satchel drafts import".',
    );
  }
  const { values, session, author, close } = await withSession(rest, {
    format: { type: 'string' },
    file: { type: 'string' },
  });
  try {
    const format = formatOption(values.format);
    const file = values.file as string | undefined;
    if (action === 'list') {
      const drafts = session.store.drafts(session.scope, session.definition.table);
      if (values.json)
        printJson({
          feature: `${session.definition.target}/${session.definition.name}`,
          progress: session.progress(),
          drafts,
        });
      else {
        const { labeled, total } = session.progress();
        process.stdout.write(
          `${session.definition.target}/${session.definition.name}: ${labeled} of ${total} labeled\n`,
        );
        for (const draft of drafts)
          process.stdout.write(
            `  ${draft.target}  ${JSON.stringify(draft.values)}  ${draft.author} ${draft.updatedAt}\n`,
          );
      }
      return 0;
    }
    if (action === 'export') {
      const text = exportDrafts(
        session.shape,
        session.store.drafts(session.scope, session.definition.table),
        format,
      );
      if (file) fs.writeFileSync(file, text);
      else process.stdout.write(text);
      return 0;
    }
    const input = requireOption(file, '--file');
    let text: string;
    try {
      text = fs.readFileSync(input, 'utf8');
    } catch {
      throw new SatchelError('missing-file', `${input} cannot be read.`, input);
    }
    const { records, rejects } = parseDrafts(session.shape, text, format, (rid) => session.isTarget(rid));
    const result =
      records.length > 0 ? session.store.setEach(session.scope, session.shape, records, author) : null;
    const summary = { imported: records.length, changed: result?.changed ?? 0, rejects };
    if (values.json) printJson(summary);
    else {
      process.stdout.write(
        `${records.length} records imported (${summary.changed} changed), ${rejects.length} rejected\n`,
      );
      for (const reject of rejects)
        process.stdout.write(`  ${input} line ${reject.line}: ${reject.reason}\n`);
    }
    return rejects.length > 0 ? 1 : 0;
  } finally {
    close();
  }
}

/** Parses `Column=Value`; the value stays text and is typed by the record validation. */
function assignment(text: string, option: string): [string, string] {
  const index = text.indexOf('=');
  if (index <= 0) throw new SatchelError('bad-argument', `${option} takes NAME=VALUE, not "${text}".`);
  return [text.slice(0, index), text.slice(index + 1)];
}

/**
 * `--file Column=PATH`: the file, checked and copied into the workspace's staged files, named in the
 * asset column by its reference; the commit uploads it and puts the new asset's RID there.
 */
function attachFiles(session: LabelingSession, workspace: string, texts: string[]): Record<string, string> {
  const assetColumns = session.shape.fields
    .filter((field) => field.kind === 'asset')
    .map((field) => field.column);
  const staged = new StagedFiles(workspace);
  const attached: Record<string, string> = {};
  for (const [column, file] of texts.map((text) => assignment(text, '--file'))) {
    if (!assetColumns.includes(column))
      throw new SatchelError(
        'bad-argument',
        `--file ${column}=${file}: ${session.definition.target}/${session.definition.name} has no asset column ${column} (${assetColumns.length > 0 ? `its asset columns: ${assetColumns.join(', ')}` : 'it has none'}).`,
      );
    if (file === '') throw new SatchelError('bad-argument', `--file ${column}= names no file.`);
    attached[column] = stagedFileReference(staged.attach(file));
  }
  return attached;
}

export async function labelCommand(args: string[]): Promise<number> {
  const { values, session, workspace, author, close } = await withSession(args, {
    set: { type: 'string', multiple: true },
    value: { type: 'string', multiple: true },
    file: { type: 'string', multiple: true },
    clear: { type: 'string', multiple: true },
  });
  try {
    const sets = ((values.set as string[] | undefined) ?? []).map((text) => assignment(text, '--set'));
    const files = (values.file as string[] | undefined) ?? [];
    if (files.length > 0 && sets.length === 0)
      throw new SatchelError(
        'bad-argument',
        '--file attaches a file to the targets of --set RID=Term; give at least one.',
      );
    const extra = Object.fromEntries(
      ((values.value as string[] | undefined) ?? []).map((text) => assignment(text, '--value')),
    );
    const clears = (values.clear as string[] | undefined) ?? [];
    if (sets.length === 0 && clears.length === 0)
      throw new SatchelError('bad-argument', 'Give at least one --set RID=Term or --clear RID.');
    const column = session.labelColumn;
    if (sets.length > 0 && !column)
      throw new SatchelError('bad-argument', `${session.shape.feature} has no column to set.`);
    const unknown = [...sets.map(([rid]) => rid), ...clears].find((rid) => !session.isTarget(rid));
    if (unknown)
      throw new SatchelError('bad-argument', `${session.definition.target} ${unknown} is not in this bag.`);
    const attached = attachFiles(session, workspace, files);
    const records = sets.map(([target, term]) => ({
      target,
      values: { ...extra, [column!]: term, ...attached } as Record<string, CellValue>,
    }));
    const results = [];
    if (records.length > 0)
      results.push(session.store.setEach(session.scope, session.shape, records, author, 'set'));
    if (clears.length > 0) results.push(session.store.clear(session.scope, session.shape, clears, author));
    const changed = results.reduce((sum, result) => sum + result.changed, 0);
    if (values.json) printJson({ changed, progress: session.progress() });
    else
      process.stdout.write(
        `${changed} draft label(s) changed; ${session.progress().labeled} of ${session.progress().total} labeled\n`,
      );
    return 0;
  } finally {
    close();
  }
}
