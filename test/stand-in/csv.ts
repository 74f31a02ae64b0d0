// ERMrest's CSV dialect: RFC 4180, LF line ends, unquoted empty = NULL, `""` = empty string,
// arrays as PostgreSQL literals (`{a,"b c"}`).

/** Rows of cells; an unquoted empty cell is null, a quoted one a string. */
export function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let cell = '';
  let quoted = false;
  let index = 0;
  const endCell = (): void => {
    row.push(quoted || cell !== '' ? cell : null);
    cell = '';
    quoted = false;
  };
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"' && cell === '' && !quoted) {
      quoted = true;
      index++;
      while (index < text.length) {
        if (text[index] === '"') {
          if (text[index + 1] === '"') {
            cell += '"';
            index += 2;
            continue;
          }
          index++;
          break;
        }
        cell += text[index++];
      }
      continue;
    }
    if (char === ',') endCell();
    else if (char === '\n' || char === '\r') {
      endCell();
      rows.push(row);
      row = [];
      if (char === '\r' && text[index + 1] === '\n') index++;
    } else cell += char;
    index++;
  }
  if (cell !== '' || quoted || row.length > 0) {
    endCell();
    rows.push(row);
  }
  return rows;
}

export function formatCsvField(value: string | null): string {
  if (value === null) return '';
  if (value === '' || /[",\r\n]/.test(value)) return `"${value.replace(/"/g, '""')}"`;
  return value;
}

export const formatCsvRow = (values: (string | null)[]): string =>
  values.map(formatCsvField).join(',') + '\n';

/** PostgreSQL array literal; elements with specials are double-quoted with backslash escapes. */
export function formatPgArray(items: (string | null)[]): string {
  const element = (item: string | null): string => {
    if (item === null) return 'NULL';
    if (item === '' || /[{},"\\\s]/.test(item) || item.toUpperCase() === 'NULL')
      return `"${item.replace(/(["\\])/g, '\\$1')}"`;
    return item;
  };
  return `{${items.map(element).join(',')}}`;
}

/** Parses a one-dimensional PostgreSQL array literal; undefined when malformed. */
export function parsePgArray(text: string): (string | null)[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  const body = trimmed.slice(1, -1);
  const items: (string | null)[] = [];
  if (body.trim() === '') return items;
  let index = 0;
  while (index <= body.length) {
    while (body[index] === ' ') index++;
    let item = '';
    let quoted = false;
    if (body[index] === '"') {
      quoted = true;
      index++;
      while (index < body.length && body[index] !== '"') {
        if (body[index] === '\\') index++;
        item += body[index++] ?? '';
      }
      if (body[index] !== '"') return undefined;
      index++;
    } else {
      while (index < body.length && body[index] !== ',') item += body[index++];
      item = item.trim();
    }
    items.push(!quoted && item.toUpperCase() === 'NULL' ? null : item);
    while (body[index] === ' ') index++;
    if (index >= body.length) break;
    if (body[index] !== ',') return undefined;
    index++;
  }
  return items;
}
