import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openBag } from '../../main/core/bag/index.js';
import { importBagDatabase } from '../../main/core/bag/importer.js';
import { findCsvSources, readSchemaText } from '../../main/core/bag/layout.js';
import { parseSchemaDocument } from '../../main/core/bag/model.js';
import { csvExtensionPath } from '../../main/core/bag/native.js';
import { SatchelError } from '../../main/core/common/index.js';
import { writeSyntheticBag } from '../../bench/synthetic-bag.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';
import { buildMiniBag, refreshManifests } from '../support/mini-bag.js';

/**
 * The bag importer reads CSVs with its C extension (native/satchel_csv.c, built by `npm install`) and
 * falls back to the JavaScript reader: both must build the same database, and every refusal must be
 * the JavaScript reader's sentence.
 */
const repositoryRoot = path.resolve(import.meta.dirname, '..', '..');

let scratch: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  scratch = temporaryDirectory();
});
afterEach(() => {
  scratch.cleanup();
  vi.restoreAllMocks();
});

function builtExtension(): string {
  const extension = csvExtensionPath();
  if (!extension)
    throw new Error('native/build/Release/satchel_csv.node is missing: run npm run build:native');
  return extension;
}

let imports = 0;
/** Imports `bagDir` with the given reader into a new database file and returns its path. */
function importWith(bagDir: string, extension: string | null): string {
  const model = parseSchemaDocument(readSchemaText(bagDir), path.join(bagDir, 'data', 'schema.json'));
  const { sources } = findCsvSources(bagDir, model);
  const target = path.join(scratch.dir, `import-${++imports}.sqlite`);
  importBagDatabase(target, { bagDir, model, sources, meta: {}, extension });
  return target;
}

/** Every table's rows as SQL literals (quote() tells 5 from 5.0 and '' from NULL), and the schema. */
function contents(file: string): { schema: unknown[]; tables: Record<string, string[][]>; reader: string } {
  const db = new Database(file, { readonly: true });
  try {
    const schema = db
      .prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all();
    const tables: Record<string, string[][]> = {};
    const names = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[];
    for (const name of names) {
      const columns = (db.pragma(`table_info("${name}")`) as { name: string }[]).map(
        (column) => `quote("${column.name}")`,
      );
      const where = name === 'satchel_meta' ? " WHERE key <> 'csv_reader'" : '';
      tables[name] = db
        .prepare(`SELECT ${columns.join(', ')} FROM "${name}"${where} ORDER BY ${columns.join(', ')}`)
        .raw()
        .all() as string[][];
    }
    const reader = db
      .prepare("SELECT value FROM satchel_meta WHERE key = 'csv_reader'")
      .pluck()
      .get() as string;
    return { schema, tables, reader };
  } finally {
    db.close();
  }
}

function expectSameDatabase(bagDir: string): ReturnType<typeof contents> {
  const native = contents(importWith(bagDir, builtExtension()));
  const javascript = contents(importWith(bagDir, null));
  expect(native.reader).toBe('satchel_csv');
  expect(javascript.reader).toBe('javascript');
  expect(native.schema).toEqual(javascript.schema);
  expect(Object.keys(native.tables)).toEqual(Object.keys(javascript.tables));
  for (const name of Object.keys(javascript.tables))
    expect([name, native.tables[name]]).toEqual([name, javascript.tables[name]]);
  return native;
}

const RCT = '2026-01-01 10:00:00.000000+00';
const system = (rid: string) => `${rid},${RCT},${RCT},tester,tester`;

/** The mini bag with CSVs that use every corner of the format and of the column types. */
function edgeCaseBag(): string {
  const bag = buildMiniBag(path.join(scratch.dir, 'bags'));
  const file = (relative: string) => path.join(bag, relative);
  const images = fs.readFileSync(file('data/lab/Image.csv'), 'utf8').trimEnd().split('\n');
  const image = (index: number) => images[index + 1]!.split(',');
  // URL, Filename, Description, Length, MD5, Width, Taken after the system columns.
  const row = (index: number, rest: string) => {
    const [rid, , , , , url, , , , md5] = image(index);
    return `${system(rid!)},${url},${rest.replace('MD5', md5!)}`;
  };
  fs.writeFileSync(
    file('data/lab/Image.csv'),
    '\ufeff' +
      `${images[0]}\r\n` +
      `${row(0, 'image_0.bin,"two\r\nlines, ""quoted""",+0012,MD5,-7,2026-01-01')}\r\n` +
      '\r\n' +
      `${row(1, ',"",9007199254740993,MD5,,')}\n` +
      '\n' +
      `${row(2, 'ünïcødé ✓ 𝄞.bin,"",0,MD5,2147483647,1999-12-31')}\n` +
      `${row(3, '"",tab\there,-9223372036854775808,MD5,0,2000-02-29')}\r\n` +
      `${row(4, '"a ""b""",x\r,1,MD5,007,2026-12-31')}\n` +
      `${row(5, 'image_5.bin,"last, no line end",2,MD5,-0,2026-06-30')}`,
  );
  const labels = fs.readFileSync(file('data/lab/Execution_Image_Label.csv'), 'utf8').trimEnd().split('\n');
  const scores = ['NaN', 'Infinity', '-Infinity', '1e3', '.5', '-0'];
  fs.writeFileSync(
    file('data/lab/Execution_Image_Label.csv'),
    [labels[0], ...labels.slice(1).map((line, index) => line.replace(/,0\.5$/, `,${scores[index]}`))].join(
      '\n',
    ) + '\n',
  );
  fs.writeFileSync(
    file('data/deriva-ml/Dataset.csv'),
    'RID,RCT,RMT,RCB,RMB,Description,Deleted,Version\n' +
      `${system('D1')},"Mini, ""root""",yes,\n` +
      `${system('D1-T')},Training part,FALSE,""\n`,
  );
  refreshManifests(bag);
  return bag;
}

describe('the C reader builds the database the JavaScript reader builds', () => {
  it('for every generated bag: Format B materialized, holey and 1.1.0, and the legacy Format A', () => {
    const bags = generatedBags();
    for (const bag of [bags.formatB, bags.holey, bags.newer, bags.formatA]) expectSameDatabase(bag);
  });

  it('for a synthetic bag with NULLs, floats and a thousand feature rows', async () => {
    const bag = await writeSyntheticBag(path.join(scratch.dir, 'synthetic'), {
      images: 300,
      featureRows: 1000,
      jpegFiles: 3,
      seed: 5,
    });
    const { tables } = expectSameDatabase(bag.bagDir);
    expect(tables['digits:Execution_Image_Digit']).toHaveLength(1000);
  });

  it('for CSVs with a byte order mark, CRLF, empty lines, quotes, newlines in fields and every type', () => {
    const { tables } = expectSameDatabase(edgeCaseBag());
    const byRid = Object.fromEntries(tables['lab:Image']!.map((row) => [row[0], row]));
    // RID … URL, Filename, Description, Length, MD5, Width, Taken
    const pick = (rid: string) => {
      const row = byRid[`'${rid}'`]!;
      return [row[6], row[7], row[8], row[10], row[11]];
    };
    expect(pick('I0')).toEqual(["'image_0.bin'", '\'two\r\nlines, "quoted"\'', '12', '-7', "'2026-01-01'"]);
    expect(pick('I1')).toEqual(['NULL', "''", '9007199254740993', 'NULL', 'NULL']);
    expect(pick('I2')).toEqual(["'ünïcødé ✓ 𝄞.bin'", "''", '0', '2147483647', "'1999-12-31'"]);
    expect(pick('I3')).toEqual(["''", "'tab\there'", '-9223372036854775808', '0', "'2000-02-29'"]);
    expect(pick('I4')).toEqual(['\'a "b"\'', "'x\r'", '1', '7', "'2026-12-31'"]);
    expect(pick('I5')).toEqual(["'image_5.bin'", "'last, no line end'", '2', '0', "'2026-06-30'"]);
    const scores = tables['lab:Execution_Image_Label']!.map((row) => row.at(-1));
    expect(scores).toEqual(['NULL', '9.0e+999', '-9.0e+999', '1000.0', '0.5', '0.0']);
    expect(tables['deriva-ml:Dataset']!.map((row) => [row[0], row[6], row[7]])).toEqual([
      ["'D1'", '1', 'NULL'],
      ["'D1-T'", '0', "''"],
    ]);
  });
});

/** The mini bag with a fetch.txt using every corner of the format (its files need not exist). */
function edgeCaseFetchBag(lines: string[]): string {
  const bag = buildMiniBag(path.join(scratch.dir, 'bags'));
  fs.writeFileSync(path.join(bag, 'fetch.txt'), lines.join(''));
  refreshManifests(bag);
  return bag;
}

describe('the C reader of fetch.txt loads what the JavaScript reader loads', () => {
  it('decoded and normalised paths, URL paths, lengths, CRLF and empty lines', () => {
    const bag = edgeCaseFetchBag([
      'https://host.example/hatrac/a%20b.jpg:V1\t12\tdata/asset/I0/Image/a b.jpg\r\n',
      '\r\n',
      '   \n',
      'http://host.example\t-\tdata/asset/I1/Image/100%25 sure.jpg\n',
      '/hatrac/relative:V2\t007\tdata//asset/./I2/Image/line%0Abreak%0d.jpg\n',
      'HTTPS+x.y-z://h:8080/p?q=1#f\t3\tdata/asset/I3/Image/x.jpg\textra\tcolumns\n',
      'not-a-url\t4\tdata/asset/I4/Image/ünï.jpg\n',
      'https://host.example/dup\t5\tdata/asset/I4/Image/ünï.jpg\n',
      'https://h/p\rq\t6\tdata/asset/I5/Image/cr.jpg',
    ]);
    const { tables } = expectSameDatabase(bag);
    expect(tables.satchel_fetch).toEqual(
      [
        [
          "'data/asset/I0/Image/a b.jpg'",
          "'https://host.example/hatrac/a%20b.jpg:V1'",
          "'/hatrac/a%20b.jpg:V1'",
          '12',
        ],
        ["'data/asset/I1/Image/100% sure.jpg'", "'http://host.example'", "'/'", 'NULL'],
        ["'data/asset/I2/Image/line\nbreak\r.jpg'", "'/hatrac/relative:V2'", "'/hatrac/relative:V2'", '7'],
        ["'data/asset/I3/Image/x.jpg'", "'HTTPS+x.y-z://h:8080/p?q=1#f'", "'/p?q=1#f'", '3'],
        ["'data/asset/I4/Image/ünï.jpg'", "'not-a-url'", "'not-a-url'", '4'],
        ["'data/asset/I5/Image/cr.jpg'", "'https://h/p\rq'", "'https://h/p\rq'", '6'],
      ].sort(),
    );
  });
});

describe('what the C reader does not accept is decided by the JavaScript reader', () => {
  /** The error of opening `bag`, with the C reader (the default) and with the JavaScript reader only. */
  async function refusals(bag: string): Promise<[unknown, unknown]> {
    const native = await openBag(bag, { workspace: path.join(scratch.dir, `workspace-${++imports}`) }).then(
      () => null,
      (error: unknown) => error,
    );
    let javascript: unknown = null;
    try {
      importWith(bag, null);
    } catch (error) {
      javascript = error;
    }
    return [native, javascript];
  }

  /** Reads a CSV with the extension alone, as the importer would for a table of these column types. */
  function readNatively(file: string, spec: string): unknown[] {
    const db = new Database(':memory:');
    try {
      db.loadExtension(builtExtension());
      const quoted = file.replaceAll("'", "''");
      db.exec(
        `CREATE VIRTUAL TABLE temp.source USING satchel_csv('${quoted}', '${spec}', 16777216, 67108864)`,
      );
      return db.prepare('SELECT * FROM temp.source').all();
    } finally {
      db.close();
    }
  }

  // The columns of lab:Image and lab:Execution_Image_Label as satchel_csv letters (upper case: NOT NULL).
  const IMAGE = ['data/lab/Image.csv', 'TTTttTttITid'] as const;
  const LABEL = ['data/lab/Execution_Image_Label.csv', 'TTTttTTTTr'] as const;
  const withByte = (text: string, before: string, byte: number): Buffer => {
    const at = text.indexOf(before);
    return Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([byte]), Buffer.from(text.slice(at))]);
  };
  const cases: [string, readonly [string, string], (text: string) => string | Buffer, RegExp][] = [
    [
      'a value not of its type',
      IMAGE,
      (text) => text.replace(',64,', ',sixty-four,'),
      /line 2: Width is "sixty-four"/,
    ],
    [
      'a NULL where none may be',
      IMAGE,
      (text) => text.replace(/,(\d+),([0-9a-f]{32}),/, ',,$2,'),
      /line 2: Length is empty/,
    ],
    [
      'a row with too many fields',
      LABEL,
      (text) => text.replace(',Cat,', ',Cat,extra,'),
      /line 2 has 11 fields, but its header has 10/,
    ],
    [
      'an unclosed quote',
      LABEL,
      (text) => text.replace(',Cat,', ',"Cat,'),
      /line 2: a quoted field is never closed/,
    ],
    [
      'text after a closing quote',
      LABEL,
      (text) => text.replace(',Cat,', ',"C"at,'),
      /line 2: unexpected text after a closing quote/,
    ],
    [
      'a quote inside an unquoted field',
      LABEL,
      (text) => text.replace(',Cat,', ',C"at,'),
      /line 2: a quote inside an unquoted field/,
    ],
    [
      'a byte that is not UTF-8',
      LABEL,
      (text) => withByte(text, 'Dog', 0xe9),
      /line 3, column \d+ holds the byte 0xE9/,
    ],
  ];
  for (const [name, [relative, spec], change, message] of cases) {
    it(`${name}: the C reader stops, and the sentence is the JavaScript reader's`, async () => {
      const bag = buildMiniBag(path.join(scratch.dir, 'bags'));
      const file = path.join(bag, relative);
      expect(readNatively(file, spec)).toHaveLength(6);
      fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
      refreshManifests(bag);
      expect(() => readNatively(file, spec)).toThrow(/^satchel_csv: /);
      const [native, javascript] = await refusals(bag);
      expect(native).toBeInstanceOf(SatchelError);
      expect((native as Error).message).toMatch(message);
      expect((native as Error).message).toBe((javascript as Error).message);
    });
  }

  it("a duplicate RID: the C reader's INSERT stops at the key, and the sentence is the JavaScript reader's", async () => {
    const bag = buildMiniBag(path.join(scratch.dir, 'bags'));
    const file = path.join(bag, IMAGE[0]);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/\nI1,/, '\nI0,'));
    refreshManifests(bag);
    expect(readNatively(file, IMAGE[1])).toHaveLength(6);
    const [native, javascript] = await refusals(bag);
    expect((native as Error).message).toBe('data/lab/Image.csv lists the RID I0 more than once.');
    expect((native as Error).message).toBe((javascript as Error).message);
  });

  it('a fetch.txt separated by spaces: the C reader stops and the JavaScript reader loads it', () => {
    const bag = edgeCaseFetchBag(['https://h/a.jpg 1 data/asset/I0/Image/a.jpg\n']);
    const { reader, tables } = contents(importWith(bag, builtExtension()));
    expect(reader).toBe('javascript');
    expect(tables.satchel_fetch).toEqual([
      ["'data/asset/I0/Image/a.jpg'", "'https://h/a.jpg'", "'/a.jpg'", '1'],
    ]);
  });

  for (const [name, line, message] of [
    [
      'a path that climbs out',
      'https://h/a\t1\tdata/../../etc/passwd\n',
      /fetch.txt line 1 names the path "data\/..\/..\/etc\/passwd", which climbs out/,
    ],
    [
      'a path outside data/',
      'https://h/a\t1\tmanifest-md5.txt\n',
      /fetch.txt line 1 names "manifest-md5.txt", which is outside/,
    ],
    [
      'a length that is not a number',
      'https://h/a\t1e3\tdata/a.jpg\n',
      /fetch.txt line 1 has the length "1e3"/,
    ],
  ] as const) {
    it(`fetch.txt with ${name}: the same sentence either way`, async () => {
      const [native, javascript] = await refusals(edgeCaseFetchBag([line]));
      expect((native as Error).message).toMatch(message);
      expect((native as Error).message).toBe((javascript as Error).message);
    });
  }

  it('a field within the limit in characters but over it in bytes is loaded by the JavaScript reader', () => {
    const bag = buildMiniBag(path.join(scratch.dir, 'bags'));
    const file = path.join(bag, 'data/lab/Image.csv');
    // 9 Mi two-byte characters: under the 16 Mi-character limit, over 16 MiB.
    const long = 'é'.repeat(9 * 1024 * 1024);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const fields = lines[1]!.split(',');
    fields[7] = long;
    lines[1] = fields.join(',');
    fs.writeFileSync(file, lines.join('\n'));
    refreshManifests(bag);
    const db = new Database(importWith(bag, builtExtension()), { readonly: true });
    try {
      const reader = db.prepare("SELECT value FROM satchel_meta WHERE key = 'csv_reader'").pluck().get();
      expect(reader).toBe('javascript');
      const stored = db.prepare('SELECT length("Description") FROM "lab:Image" WHERE "RID" = ?').pluck();
      expect(stored.get(fields[0])).toBe(long.length);
    } finally {
      db.close();
    }
  });
});

describe('without the C extension', () => {
  it('an extension that does not load: one line on stderr, and the JavaScript reader builds the database', () => {
    const broken = path.join(scratch.dir, 'satchel_csv.node');
    fs.writeFileSync(broken, 'not a shared library');
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const bag = buildMiniBag(path.join(scratch.dir, 'bags'));
    const { reader, tables } = contents(importWith(bag, broken));
    expect(reader).toBe('javascript');
    expect(tables['lab:Image']).toHaveLength(6);
    expect(errors).toHaveBeenCalledTimes(1);
    const notice = String(errors.mock.calls[0]![0]);
    expect(notice).toMatch(
      /^satchel: .*satchel_csv\.node did not load \(.*\); bags import with the JavaScript reader\.$/,
    );
    expect(notice.split('\n')).toHaveLength(1);
  });

  it('npm install says in one line that it could not compile it, and succeeds', () => {
    // A copy of native/ inside the repository (so node-gyp finds better-sqlite3's SQLite headers) built
    // with a compiler that always fails.
    const parent = path.join(repositoryRoot, 'test-artifacts');
    fs.mkdirSync(parent, { recursive: true });
    const copy = fs.mkdtempSync(path.join(parent, 'native-'));
    try {
      for (const name of ['satchel_csv.c', 'binding.gyp', 'build.mjs'])
        fs.copyFileSync(path.join(repositoryRoot, 'native', name), path.join(copy, name));
      const result = spawnSync(process.execPath, [path.join(copy, 'build.mjs')], {
        cwd: copy,
        env: { ...process.env, CC: 'no-such-compiler', CXX: 'no-such-compiler' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(result.status).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^satchel: the bag importer's C extension was not built \(.+\); bags import with the slower JavaScript reader\.$/,
      );
      expect(fs.existsSync(path.join(copy, 'build', 'Release', 'satchel_csv.node'))).toBe(false);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});
