import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsvFile } from '../../main/core/bag/csv.js';
import { parseSchemaDocument } from '../../main/core/bag/model.js';
import type { Row } from '../../main/core/catalog/index.js';
import { cacheChecksum, pythonJsonDumps } from '../../main/core/download/cache.js';
import { reachableRows, reachedTables, walkPolicy } from '../../main/core/download/reach.js';
import { splitHeader } from '../../main/core/download/writer.js';
import { generatedBags } from '../support/bags.js';

const bags = generatedBags();
const facts = bags.facts;

/** Every row of the generated bag's CSV for `schema:table` (an absent CSV is an empty table). */
function bagRows(qualified: string): Row[] {
  const [schema, table] = qualified.split(':') as [string, string];
  const file = path.join(bags.formatB, 'data', schema, `${table}.csv`);
  if (!fs.existsSync(file)) return [];
  let header: string[] = [];
  const rows: Row[] = [];
  readCsvFile(file, file, (fields) => {
    if (header.length === 0) header = fields.map((field) => field ?? '');
    else rows.push(Object.fromEntries(header.map((name, index) => [name, fields[index] ?? null])));
  });
  return rows;
}

describe('the FK walk of a deriva-ml bag, on the sample world', () => {
  const model = parseSchemaDocument(
    fs.readFileSync(path.join(bags.formatB, 'data', 'schema.json'), 'utf8'),
    'schema.json',
  );
  const policy = walkPolicy([]);
  const bagTables = Object.keys(facts.tables['1.0.0']);
  /** Tables on the walk that hold no row in the world at 1.0.0, so the bag has no CSV for them. */
  const reachedButEmpty = [`${facts.schemas.domain}:Image_Execution`];

  it('reaches exactly the tables of the generated bag, plus the ones the world leaves empty', () => {
    const reached = reachedTables(model, policy).map((table) => table.qualified);
    expect(reached).toEqual([...bagTables, ...reachedButEmpty].sort(byQualifiedName));
    expect(reachedButEmpty.filter((table) => bagRows(table).length > 0)).toEqual([]);
    // Workflow is terminal: its type vocabulary and association stay out, as deriva-ml leaves them.
    expect(reached).not.toContain('deriva-ml:Workflow_Workflow_Type');
    expect(reached).not.toContain('deriva-ml:Workflow_Type');
  });

  it('reaches exactly the bag rows from the three anchors, and nothing through back-walks', async () => {
    const requested: string[] = [];
    const { complete, training, testing } = facts.datasets;
    const reached = await reachableRows(
      model,
      policy,
      [complete, training, testing],
      async (table, columns) => {
        requested.push(table.qualified);
        expect(columns[0]).toBe('RID');
        const rows = bagRows(table.qualified);
        // Rows the walk must not pick up: an image of a reached subject outside every dataset, and
        // metadata of a reached (terminal) execution.
        if (table.qualified === `${facts.schemas.domain}:Image`)
          rows.push({ RID: 'ZZZ', Subject: facts.subjects[0]!.rid, Length: '1' });
        return rows.map((row) => Object.fromEntries(columns.map((column) => [column, row[column] ?? null])));
      },
    );
    for (const [table, count] of Object.entries(facts.tables['1.0.0'])) {
      const kind = model.table(table)!.kind;
      if (kind === 'vocabulary') expect(reached.rids.has(table)).toBe(false);
      else expect([table, reached.rids.get(table)?.length]).toEqual([table, count]);
    }
    expect(reached.rids.get(`${facts.schemas.domain}:Image`)).not.toContain('ZZZ');
    // Execution is terminal: nothing hanging off it (its metadata, say) is read at all.
    expect(requested).not.toContain('deriva-ml:Execution_Metadata');
    expect(requested.every((table) => model.table(table)!.kind !== 'vocabulary')).toBe(true);
    expect(new Set(requested).size).toBe(requested.length);
  });

  it('leaves out an excluded element association and everything only it leads to', () => {
    const tables = reachedTables(model, walkPolicy([`${facts.schemas.domain}:Dataset_Image`])).map(
      (table) => table.qualified,
    );
    expect(tables).not.toContain(`${facts.schemas.domain}:Dataset_Image`);
    expect(tables).not.toContain(`${facts.schemas.domain}:Image`);
    expect(tables).toContain('deriva-ml:Dataset_Version');
  });

  it('refuses anchors that do not exist at the snapshot', async () => {
    await expect(
      reachableRows(model, policy, [facts.rid, 'NOPE'], async () => [{ RID: facts.rid }]),
    ).rejects.toThrow('Dataset NOPE does not exist at this snapshot of the catalog.');
  });
});

/** (schema, table) order, as reachedTables sorts. */
function byQualifiedName(a: string, b: string): number {
  const [schemaA, tableA] = a.split(':') as [string, string];
  const [schemaB, tableB] = b.split(':') as [string, string];
  return schemaA === schemaB ? (tableA < tableB ? -1 : tableA > tableB ? 1 : 0) : schemaA < schemaB ? -1 : 1;
}

describe('cache naming and CSV joining', () => {
  it('serializes like Python json.dumps(sort_keys=True)', () => {
    expect(pythonJsonDumps({ b: [1, 'x'], a: { d: null, c: true }, é: 'ü' })).toBe(
      '{"a": {"c": true, "d": null}, "b": [1, "x"], "\\u00e9": "\\u00fc"}',
    );
  });

  it('names the cache folder <spec16>_<snapshot>, stable for the same spec', () => {
    const spec = {
      catalog: 'https://h/ermrest/catalog/1',
      snapshot: '361-XRNG-TRRP',
      dataset: '58A',
      anchors: ['58A'],
      excluded: [],
      reached: ['deriva-ml:Dataset'],
      terminal: [],
    };
    const checksum = cacheChecksum(spec);
    expect(checksum).toMatch(/^[0-9a-f]{16}_361-XRNG-TRRP$/);
    expect(cacheChecksum({ ...spec })).toBe(checksum);
    expect(cacheChecksum({ ...spec, anchors: ['58A', '58C'] })).not.toBe(checksum);
  });

  it('splits the header off CSV text even when a header field holds a newline', () => {
    expect(splitHeader('RID,Name\n1,a\n')).toEqual({ header: 'RID,Name\n', rest: '1,a\n' });
    expect(splitHeader('RID,"odd\nname"\n1,"x\ny"\n')).toEqual({
      header: 'RID,"odd\nname"\n',
      rest: '1,"x\ny"\n',
    });
    expect(splitHeader('RID,Name\n')).toEqual({ header: 'RID,Name\n', rest: '' });
  });
});
