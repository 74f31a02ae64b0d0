// Helpers for replaying the recorded transcripts (fixtures/README.md "Transcripts") against the stand-in and
// comparing answers by shape: status, main content type, JSON key sets, CSV header, error wording.
import fs from 'node:fs';
import path from 'node:path';

export interface TranscriptEntry {
  method: string;
  path: string;
  request_headers: Record<string, string>;
  request_body: string | null;
  status: number;
  response_headers: Record<string, string>;
  response_body: string | null;
  note: string;
}

export interface TranscriptLine {
  file: 'authn' | 'ermrest' | 'hatrac';
  index: number;
  entry: TranscriptEntry;
}

export const RECORDED_BODY_LIMIT = 4000;

export function readTranscripts(fixturesDir: string): TranscriptLine[] {
  return (['authn', 'ermrest', 'hatrac'] as const).flatMap((file) =>
    fs
      .readFileSync(path.join(fixturesDir, 'transcripts', `${file}.jsonl`), 'utf8')
      .split('\n')
      .filter((text) => text.trim())
      .map((text, index) => ({ file, index, entry: JSON.parse(text) as TranscriptEntry })),
  );
}

/** A JSON value parsed from possibly truncated text: containers say whether they were complete. */
export type PartialJson =
  | { type: 'object'; entries: Map<string, PartialJson>; complete: boolean }
  | { type: 'array'; items: PartialJson[]; complete: boolean }
  | { type: 'scalar'; value: unknown; complete: boolean };

/** Parses JSON that may be cut off anywhere; undefined when the text is not JSON at all. */
export function parsePartialJson(text: string): PartialJson | undefined {
  let index = 0;
  const space = (): void => {
    while (index < text.length && /\s/.test(text[index]!)) index++;
  };
  const atEnd = (): boolean => {
    space();
    return index >= text.length;
  };
  const value = (): PartialJson | undefined => {
    space();
    const char = text[index];
    if (char === undefined) return undefined;
    if (char === '{') {
      index++;
      const entries = new Map<string, PartialJson>();
      if (atEnd()) return { type: 'object', entries, complete: false };
      if (text[index] === '}') return (index++, { type: 'object', entries, complete: true });
      for (;;) {
        const key = value();
        if (!key || key.type !== 'scalar' || !key.complete)
          return { type: 'object', entries, complete: false };
        if (atEnd() || text[index] !== ':') return { type: 'object', entries, complete: false };
        index++;
        const item = value();
        if (!item) return { type: 'object', entries, complete: false };
        entries.set(String(key.value), item);
        if (!complete(item) || atEnd()) return { type: 'object', entries, complete: false };
        if (text[index] === '}') return (index++, { type: 'object', entries, complete: true });
        if (text[index] !== ',') throw new SyntaxError(`unexpected ${text[index]} at ${index}`);
        index++;
      }
    }
    if (char === '[') {
      index++;
      const items: PartialJson[] = [];
      if (atEnd()) return { type: 'array', items, complete: false };
      if (text[index] === ']') return (index++, { type: 'array', items, complete: true });
      for (;;) {
        const item = value();
        if (!item) return { type: 'array', items, complete: false };
        items.push(item);
        if (!complete(item) || atEnd()) return { type: 'array', items, complete: false };
        if (text[index] === ']') return (index++, { type: 'array', items, complete: true });
        if (text[index] !== ',') throw new SyntaxError(`unexpected ${text[index]} at ${index}`);
        index++;
      }
    }
    if (char === '"') {
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length)
        return ((index = text.length), { type: 'scalar', value: undefined, complete: false });
      const parsed: unknown = JSON.parse(text.slice(index, end + 1));
      index = end + 1;
      return { type: 'scalar', value: parsed, complete: true };
    }
    const match = /^(-?\d+(\.\d+)?([eE][-+]?\d+)?|true|false|null)/.exec(text.slice(index));
    if (!match) throw new SyntaxError(`unexpected ${char} at ${index}`);
    index += match[0].length;
    // A number or literal touching the end of the text may itself be cut short.
    return { type: 'scalar', value: JSON.parse(match[0]), complete: index < text.length };
  };
  try {
    const result = value();
    return result && (atEnd() || !complete(result)) ? result : undefined;
  } catch {
    return undefined;
  }
}

const complete = (node: PartialJson): boolean => node.complete;

/** The value of a complete node. */
export function valueOf(node: PartialJson): unknown {
  if (node.type === 'scalar') return node.value;
  if (node.type === 'array') return node.items.map(valueOf);
  return Object.fromEntries([...node.entries].map(([key, item]) => [key, valueOf(item)]));
}

const kindOf = (value: unknown): string =>
  Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'scalar';

/**
 * Differences in shape between a recorded JSON body and ours: same container types, same key sets
 * (a superset when the recording was cut off), same element shape for arrays. Scalars may differ.
 */
export function shapeDifferences(recorded: PartialJson, actual: unknown, at = '$'): string[] {
  if (recorded.type === 'scalar')
    return kindOf(actual) === 'scalar' ? [] : [`${at}: recorded a scalar, got ${kindOf(actual)}`];
  if (kindOf(actual) !== recorded.type) return [`${at}: recorded ${recorded.type}, got ${kindOf(actual)}`];
  if (recorded.type === 'array') {
    const items = actual as unknown[];
    if (recorded.complete && (recorded.items.length === 0) !== (items.length === 0))
      return [`${at}: recorded ${recorded.items.length} items, got ${items.length}`];
    if (recorded.items.length === 0) return [];
    if (items.length === 0) return [`${at}: recorded items, got an empty array`];
    return shapeDifferences(recorded.items[0]!, items[0], `${at}[0]`);
  }
  const object = actual as Record<string, unknown>;
  const ours = Object.keys(object);
  const theirs = [...recorded.entries.keys()];
  const problems: string[] = [];
  const missing = theirs.filter((key) => !(key in object));
  const extra = recorded.complete ? ours.filter((key) => !recorded.entries.has(key)) : [];
  if (missing.length) problems.push(`${at}: missing keys ${JSON.stringify(missing)}`);
  if (extra.length) problems.push(`${at}: extra keys ${JSON.stringify(extra)}`);
  for (const [key, item] of recorded.entries)
    if (key in object) problems.push(...shapeDifferences(item, object[key], `${at}.${key}`));
  return problems;
}

/** A regex for a recorded text body: words with digits (RIDs, snaptimes, versions, random names) match any word. */
export function wordPattern(recorded: string): RegExp {
  const words = recorded.trim().split(/\s+/).filter(Boolean);
  const parts = words.map((word) => (/\d/.test(word) ? '\\S+' : word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('\\s+')}$`);
}

export const BINARY_PLACEHOLDER = /^<binary body: (\d+) bytes, md5 ([0-9a-f]{32})>$/;

/** deriva-py's Table.define() form of a model read back from ERMrest: no RIDs or rights, domain types by name. */
export function toDefineForm(document: unknown): unknown {
  if (Array.isArray(document)) return document.map(toDefineForm);
  if (document === null || typeof document !== 'object') return document;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(document)) {
    if (key === 'RID' || key === 'rights') continue;
    if (key === 'type' && value && typeof value === 'object' && 'typename' in value) {
      const type = value as { typename: string; is_domain?: boolean };
      result.type = type.is_domain ? { typename: type.typename } : value;
      continue;
    }
    result[key] =
      key === 'annotations' || key === 'acls' || key === 'acl_bindings' ? value : toDefineForm(value);
  }
  const systemColumn =
    typeof result.name === 'string' && ['RID', 'RCT', 'RMT', 'RCB', 'RMB'].includes(result.name);
  if (systemColumn || result.default === null) delete result.default;
  return result;
}
