// ERMrest data URL grammar (deriva-protocol.md §3, §8): names and literals are %-encoded;
// `: = ; & ! ( ) , @ $ *` and `::op::` are syntax.
import { ermrestError } from './http.js';

export interface ColumnRef {
  alias?: string;
  /** A column name, or `*` for all columns. */
  name: string;
}

export type FilterValue = { literal: string } | { quantifier: 'any' | 'all'; literals: string[] };

export type Filter =
  | { kind: 'and' | 'or'; items: Filter[] }
  | { kind: 'not'; item: Filter }
  | { kind: 'null'; column: ColumnRef }
  | { kind: 'compare'; column: ColumnRef; operator: string; value: FilterValue };

export type PathElement =
  | { kind: 'table'; alias?: string; schema?: string; table: string }
  | { kind: 'filter'; filter: Filter }
  | {
      kind: 'join';
      alias?: string;
      outer?: 'left' | 'right' | 'full';
      left: ColumnRef[];
      right: { schema?: string; table: string; columns: string[] };
    }
  | { kind: 'link'; alias?: string; columns: ColumnRef[] }
  | { kind: 'reset'; alias: string };

export type Projection =
  | { kind: 'column'; output?: string; column: ColumnRef }
  | { kind: 'aggregate'; output?: string; fn: string; column: ColumnRef | '*' };

export interface SortKey {
  name: string;
  descending: boolean;
}

export interface Paging {
  sort?: SortKey[];
  /** One value per sort key; null means `::null::`. */
  after?: (string | null)[];
  before?: (string | null)[];
}

export type DataApi = 'entity' | 'attribute' | 'attributegroup' | 'aggregate';

export interface DataUrl {
  api: DataApi;
  path: PathElement[];
  groupKeys: Projection[];
  projections: Projection[];
  paging: Paging;
}

type Token = { kind: 'name'; text: string } | { kind: 'op'; text: string } | { kind: 'punct'; text: string };

const PUNCTUATION = new Set([':', '=', ';', '&', '!', '(', ')', ',', '@', '$', '*']);
const AGGREGATES = new Set(['min', 'max', 'avg', 'sum', 'cnt', 'cnt_d', 'array', 'array_d']);

const malformed = (detail: string): Error => ermrestError(400, detail);

function tokenize(raw: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < raw.length) {
    if (raw.startsWith('::', index)) {
      const end = raw.indexOf('::', index + 2);
      if (end < 0) throw malformed(`Unterminated operator in "${raw}".`);
      tokens.push({ kind: 'op', text: raw.slice(index + 2, end) });
      index = end + 2;
    } else if (raw.startsWith(':=', index)) {
      tokens.push({ kind: 'punct', text: ':=' });
      index += 2;
    } else if (PUNCTUATION.has(raw[index]!)) {
      tokens.push({ kind: 'punct', text: raw[index]! });
      index++;
    } else {
      let end = index;
      while (end < raw.length && !PUNCTUATION.has(raw[end]!)) end++;
      try {
        tokens.push({ kind: 'name', text: decodeURIComponent(raw.slice(index, end)) });
      } catch {
        throw malformed(`Invalid percent-encoding in "${raw}".`);
      }
      index = end;
    }
  }
  return tokens;
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  get done(): boolean {
    return this.position >= this.tokens.length;
  }
  peek(offset = 0): Token | undefined {
    return this.tokens[this.position + offset];
  }
  isPunct(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token?.kind === 'punct' && token.text === text;
  }
  acceptPunct(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.position++;
    return true;
  }
  expectPunct(text: string): void {
    if (!this.acceptPunct(text)) throw malformed(`Expected "${text}" in URL.`);
  }
  name(): string {
    const token = this.peek();
    if (token?.kind !== 'name') throw malformed('Expected a name in URL.');
    this.position++;
    return token.text;
  }
  /** A literal; an absent one (e.g. `col=`) is the empty string. */
  literal(): string {
    return this.peek()?.kind === 'name' ? this.name() : '';
  }
  end(): void {
    if (!this.done) throw malformed('Unexpected trailing URL content.');
  }

  /** `[alias:]name` or `*`. */
  columnRef(): ColumnRef {
    if (this.acceptPunct('*')) return { name: '*' };
    const first = this.name();
    if (this.isPunct(':') && this.peek(1)?.kind === 'name') {
      this.position++;
      return { alias: first, name: this.name() };
    }
    if (this.isPunct(':') && this.isPunct('*', 1)) {
      this.position += 2;
      return { alias: first, name: '*' };
    }
    return { name: first };
  }

  /** Up to three `:`-separated names, e.g. `S:T:col`. */
  qualifiedName(): string[] {
    const parts = [this.name()];
    while (this.isPunct(':') && parts.length < 3) {
      this.position++;
      parts.push(this.name());
    }
    return parts;
  }

  filter(): Filter {
    const items = [this.conjunction()];
    while (this.acceptPunct(';')) items.push(this.conjunction());
    return items.length === 1 ? items[0]! : { kind: 'or', items };
  }
  private conjunction(): Filter {
    const items = [this.negation()];
    while (this.acceptPunct('&')) items.push(this.negation());
    return items.length === 1 ? items[0]! : { kind: 'and', items };
  }
  private negation(): Filter {
    if (this.acceptPunct('!')) return { kind: 'not', item: this.negation() };
    if (this.acceptPunct('(')) {
      const inner = this.filter();
      this.expectPunct(')');
      return inner;
    }
    const column = this.columnRef();
    const token = this.peek();
    if (token?.kind === 'op') {
      this.position++;
      if (token.text === 'null') return { kind: 'null', column };
      return { kind: 'compare', column, operator: token.text, value: this.filterValue() };
    }
    this.expectPunct('=');
    return { kind: 'compare', column, operator: 'eq', value: this.filterValue() };
  }
  private filterValue(): FilterValue {
    const token = this.peek();
    if (token?.kind === 'name' && (token.text === 'any' || token.text === 'all') && this.isPunct('(', 1)) {
      this.position += 2;
      const literals = [this.literal()];
      while (this.acceptPunct(',')) literals.push(this.literal());
      this.expectPunct(')');
      return { quantifier: token.text, literals };
    }
    return { literal: this.literal() };
  }

  projections(): Projection[] {
    const list = [this.projection()];
    while (this.acceptPunct(',')) list.push(this.projection());
    return list;
  }
  private projection(): Projection {
    let output: string | undefined;
    if (this.peek()?.kind === 'name' && this.isPunct(':=', 1)) {
      output = this.name();
      this.position++;
    }
    const token = this.peek();
    if (token?.kind === 'name' && this.isPunct('(', 1)) {
      if (!AGGREGATES.has(token.text)) throw malformed(`Unsupported function ${token.text} in projection.`);
      this.position += 2;
      const column = this.acceptPunct('*') ? '*' : this.columnRef();
      this.expectPunct(')');
      return { kind: 'aggregate', output, fn: token.text, column };
    }
    return { kind: 'column', output, column: this.columnRef() };
  }

  /** `@sort(...)`, `@after(...)`, `@before(...)` after the main part. */
  paging(): Paging {
    const paging: Paging = {};
    while (this.acceptPunct('@')) {
      const modifier = this.name();
      this.expectPunct('(');
      if (modifier === 'sort') {
        paging.sort = [];
        do {
          const name = this.name();
          const token = this.peek();
          const descending = token?.kind === 'op' && token.text === 'desc';
          if (descending || (token?.kind === 'op' && token.text === 'asc')) this.position++;
          paging.sort.push({ name, descending });
        } while (this.acceptPunct(','));
      } else if (modifier === 'after' || modifier === 'before') {
        const values: (string | null)[] = [];
        do {
          const token = this.peek();
          if (token?.kind === 'op' && token.text === 'null') {
            this.position++;
            values.push(null);
          } else values.push(this.literal());
        } while (this.acceptPunct(','));
        paging[modifier] = values;
      } else throw malformed(`Unsupported modifier @${modifier}.`);
      this.expectPunct(')');
    }
    return paging;
  }
}

/** Splits a segment at its first top-level `@` into the main part and the paging modifiers. */
function splitPaging(raw: string): [main: string, paging: Paging] {
  let depth = 0;
  for (let index = 0; index < raw.length; index++) {
    const char = raw[index];
    if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '@' && depth === 0) {
      const parser = new Parser(tokenize(raw.slice(index)));
      const paging = parser.paging();
      parser.end();
      return [raw.slice(0, index), paging];
    }
  }
  return [raw, {}];
}

function pathElement(raw: string, first: boolean): PathElement {
  const tokens = tokenize(raw);
  const parser = new Parser(tokens);
  if (parser.acceptPunct('$')) {
    const alias = parser.name();
    parser.end();
    return { kind: 'reset', alias };
  }
  let alias: string | undefined;
  if (parser.peek()?.kind === 'name' && parser.isPunct(':=', 1)) {
    alias = parser.name();
    parser.acceptPunct(':=');
  }
  const rest = tokens.slice(alias === undefined ? 0 : 2);
  const onlyNames = rest.every(
    (token) => token.kind === 'name' || (token.kind === 'punct' && token.text === ':'),
  );
  if (onlyNames) {
    const parts = parser.qualifiedName();
    parser.end();
    if (parts.length > 2) throw malformed(`Invalid table reference "${raw}".`);
    return parts.length === 2
      ? { kind: 'table', alias, schema: parts[0], table: parts[1]! }
      : { kind: 'table', alias, table: parts[0]! };
  }
  if (!first) {
    const join = tryJoin(rest, alias);
    if (join) return join;
  }
  if (alias !== undefined) throw malformed(`Invalid path element "${raw}".`);
  const filter = parser.filter();
  parser.end();
  return { kind: 'filter', filter };
}

/** `[left|right|full](cols)=(S:T:cols)` or `(cols)`; undefined when the tokens are a filter instead. */
function tryJoin(tokens: Token[], alias: string | undefined): PathElement | undefined {
  const parser = new Parser(tokens);
  const head = parser.peek();
  let outer: 'left' | 'right' | 'full' | undefined;
  if (head?.kind === 'name' && ['left', 'right', 'full'].includes(head.text) && parser.isPunct('(', 1)) {
    outer = head.text as 'left' | 'right' | 'full';
    parser.name();
  }
  const list = (): string[][] | undefined => {
    if (!parser.acceptPunct('(')) return undefined;
    const refs: string[][] = [];
    do {
      if (parser.peek()?.kind !== 'name') return undefined;
      refs.push(parser.qualifiedName());
    } while (parser.acceptPunct(','));
    return parser.acceptPunct(')') ? refs : undefined;
  };
  const left = list();
  if (!left) return undefined;
  const toColumnRef = (parts: string[]): ColumnRef =>
    parts.length >= 2 ? { alias: parts.at(-2), name: parts.at(-1)! } : { name: parts[0]! };
  if (parser.done && outer === undefined) return { kind: 'link', alias, columns: left.map(toColumnRef) };
  if (!parser.acceptPunct('=')) return undefined;
  const right = list();
  if (!right || !parser.done) return undefined;
  const target = right[0]!;
  const schema = target.length === 3 ? target[0] : undefined;
  const table = target.length >= 2 ? target.at(-2)! : undefined;
  if (table === undefined) throw malformed('The right side of a join must name its table, e.g. (S:T:col).');
  return {
    kind: 'join',
    alias,
    outer,
    left: left.map(toColumnRef),
    right: { schema, table, columns: right.map((parts) => parts.at(-1)!) },
  };
}

/** Parses the part of a data URL after `/entity/`, `/attribute/`, ... (still %-encoded, without the query). */
export function parseDataUrl(api: DataApi, rawPath: string): DataUrl {
  const segments = rawPath.split('/');
  if (segments.some((segment) => segment === '')) throw malformed('Empty path element in URL.');
  const last = segments.length - 1;
  const [lastMain, paging] = splitPaging(segments[last]!);
  segments[last] = lastMain;
  const pathSegments = api === 'entity' ? segments : segments.slice(0, -1);
  if (pathSegments.length === 0) throw malformed(`The ${api} API needs a path and a projection.`);
  const path = pathSegments.map((segment, index) => pathElement(segment, index === 0));
  if (path[0]!.kind !== 'table') throw malformed('A data path must start with a table.');
  let groupKeys: Projection[] = [];
  let projections: Projection[] = [];
  if (api !== 'entity') {
    const parser = new Parser(tokenize(lastMain));
    if (api === 'attributegroup') {
      groupKeys = parser.projections();
      if (parser.acceptPunct(';')) projections = parser.projections();
    } else projections = parser.projections();
    parser.end();
  }
  return { api, path, groupKeys, projections, paging };
}
