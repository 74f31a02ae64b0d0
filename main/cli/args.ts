import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Selector } from '../../shared/bag.js';
import { openBag, parseSelector, type Bag } from '../core/bag/index.js';
import { SatchelError } from '../core/common/index.js';
import { noteBagDatabase, workspaceFrom } from './databases.js';
import { progressPrinter } from './output.js';

/** Exit codes: 0 success, 1 the bag has problems (verify), 2 bad input or usage. */
export const EXIT_PROBLEMS = 1;
export const EXIT_BAD_INPUT = 2;

export const COMMON = {
  json: { type: 'boolean' },
  workspace: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<T extends Options>(args: string[], options: T) {
  try {
    return parseArgs({
      args,
      options: { ...COMMON, ...options } as typeof COMMON & T,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new SatchelError('bad-argument', `${(error as Error).message.replace(/\.$/, '')}.`);
  }
}

export async function withBag<T extends Options>(args: string[], options: T) {
  const { values, positionals } = parse(args, options);
  const input = requireBagArgument(positionals);
  const common = values as { workspace?: string; json?: boolean };
  const bag: Bag = await openBag(input, {
    workspace: workspaceFrom(common.workspace),
    onProgress: common.json ? undefined : progressPrinter('Importing'),
  });
  noteBagDatabase(bag);
  return { values, bag };
}

export function requireBagArgument(positionals: string[]): string {
  if (positionals.length !== 1)
    throw new SatchelError('bad-argument', 'Name exactly one bag folder or .zip file.');
  return positionals[0]!;
}

export function requireOption(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '')
    throw new SatchelError('bad-argument', `The option ${name} is required.`);
  return value;
}

export function selectorOption(text: string | undefined): Selector | undefined {
  if (text === undefined) return undefined;
  const selector = parseSelector(text);
  if (!selector) {
    throw new SatchelError(
      'bad-argument',
      `"${text}" is not a selector; use newest, first, majority[:COLUMN], execution:RID, workflow:RID-or-NAME or all.`,
    );
  }
  return selector;
}
