import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openBag } from '../../main/core/bag/index.js';
import { SatchelError, isSatchelError, type ProblemKind } from '../../main/core/common/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

/**
 * Issue 9, items 8 and 10, at the door where a bag is opened: a giant field or schema, a schema
 * naming a column twice, a byte order mark, bytes that are not UTF-8. Each either opens or is refused
 * by one sentence naming the file, with no database left behind.
 */

const MiB = 1024 * 1024;
let scratch: ReturnType<typeof temporaryDirectory>;
let workspace: string;
let bag: string;
let schemaPath: string;

beforeEach(() => {
  scratch = temporaryDirectory();
  workspace = path.join(scratch.dir, 'workspace');
  const source = generatedBags().formatB;
  bag = path.join(scratch.dir, path.basename(source));
  // Opening a bag reads its tables, not its assets: the copy leaves the images out.
  const assets = path.join(source, 'data', 'asset');
  fs.cpSync(source, bag, { recursive: true, filter: (file) => !file.startsWith(assets) });
  schemaPath = path.join(bag, 'data', 'schema.json');
});
afterEach(() => scratch.cleanup());

async function refusal(kind: ProblemKind): Promise<string> {
  const error = await openBag(bag, { workspace }).then(
    (opened) => {
      opened.close();
      return null;
    },
    (caught: unknown) => caught,
  );
  expect(isSatchelError(error) ? error.kind : error).toBe(kind);
  const message = (error as SatchelError).message;
  expect(message.match(/\.(\s|$)/g)?.length, message).toBe(1);
  const databases = path.join(workspace, 'databases');
  expect(fs.existsSync(databases) ? fs.readdirSync(databases) : []).toEqual([]);
  return message;
}

function editSchema(change: (document: SchemaDocument) => void): void {
  const document = JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as SchemaDocument;
  change(document);
  fs.writeFileSync(schemaPath, JSON.stringify(document));
}

interface SchemaDocument {
  schemas: Record<string, { tables: Record<string, { column_definitions: { name: string }[] }> }>;
}

function subjectColumns(document: SchemaDocument): { name: string }[] {
  return document.schemas.digits!.tables.Subject!.column_definitions;
}

describe('giant input (issue 9, item 8)', () => {
  it('refuses a schema.json over 32 MiB without reading it', async () => {
    fs.truncateSync(schemaPath, 33 * MiB);
    expect(await refusal('bad-schema')).toBe(`${schemaPath} is 33 MiB, over the limit of 32 MiB.`);
  });

  it('refuses a CSV cell over 16 Mi characters, naming the file, line, field and limit', async () => {
    const csv = path.join(bag, 'data', 'digits', 'Subject.csv');
    const lines = fs.readFileSync(csv, 'utf8').trimEnd().split('\n').length;
    fs.appendFileSync(csv, `9-ZZZZ,"${'x'.repeat(16 * MiB + 1)}"\n`);
    expect(await refusal('csv-syntax')).toBe(
      `data/digits/Subject.csv line ${lines + 1}: field 2 is longer than the limit of 16,777,216 characters.`,
    );
  });
});

describe('input that used to end in "unexpected failure" (issue 9, item 10)', () => {
  it('refuses a schema.json naming a column twice', async () => {
    editSchema((document) => subjectColumns(document).push({ ...subjectColumns(document)[5]! }));
    const name = subjectColumns(JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as SchemaDocument)[5]!.name;
    expect(await refusal('bad-schema')).toBe(
      `${schemaPath} defines the column "${name}" of digits:Subject twice.`,
    );
  });

  it('refuses a schema.json naming two columns that differ only in case', async () => {
    editSchema((document) => {
      const columns = subjectColumns(document);
      columns.push({ ...columns[5]!, name: columns[5]!.name.toUpperCase() });
    });
    const name = subjectColumns(JSON.parse(fs.readFileSync(schemaPath, 'utf8')) as SchemaDocument)[5]!.name;
    expect(await refusal('bad-schema')).toBe(
      `${schemaPath} defines the columns "${name}" and "${name.toUpperCase()}" of digits:Subject, which differ only in case.`,
    );
  });

  it('opens a bag whose CSV starts with a byte order mark, with every row', async () => {
    const csv = path.join(bag, 'data', 'digits', 'Subject.csv');
    fs.writeFileSync(csv, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fs.readFileSync(csv)]));
    const opened = await openBag(bag, { workspace });
    try {
      const subjects = opened.inspect().tables.find((table) => table.table === 'Subject');
      expect(subjects?.rows).toBe(generatedBags().facts.tables['1.0.0']['digits:Subject']);
    } finally {
      opened.close();
    }
  });

  it('refuses a CSV holding a byte that is not UTF-8, by file, line and column', async () => {
    const csv = path.join(bag, 'data', 'digits', 'Subject.csv');
    const text = fs.readFileSync(csv, 'utf8').trimEnd().split('\n');
    const [rid, ...rest] = text[2]!.split(',');
    const bytes = Buffer.concat([
      Buffer.from(`${text.slice(0, 2).join('\n')}\n${rid},`),
      Buffer.from([0xff]),
      Buffer.from(`${rest.join(',').slice(1)}\n`),
    ]);
    fs.writeFileSync(csv, bytes);
    expect(await refusal('bad-encoding')).toBe(
      `data/digits/Subject.csv line 3, column ${rid!.length + 2} holds the byte 0xFF, which is not UTF-8 text.`,
    );
  });

  it('refuses a schema.json holding a byte that is not UTF-8', async () => {
    const text = fs.readFileSync(schemaPath);
    const at = text.indexOf('"Subject"') + 1;
    text[at] = 0xa7;
    fs.writeFileSync(schemaPath, text);
    const before = text.subarray(0, at).toString('utf8');
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    expect(await refusal('bad-encoding')).toBe(
      `${schemaPath} line ${line}, column ${column} holds the byte 0xA7, which is not UTF-8 text.`,
    );
  });
});
