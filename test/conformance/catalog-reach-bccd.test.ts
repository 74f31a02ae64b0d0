import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsvFile } from '../../main/core/bag/csv.js';
import { parseSchemaDocument } from '../../main/core/bag/model.js';
import type { Row } from '../../main/core/catalog/index.js';
import { reachableRows, reachedTables, walkPolicy } from '../../main/core/download/reach.js';
import { expectedFacts, fixtureBags, hasFixtures } from '../support/fixtures.js';

/** Every row of the fixture bag's CSV for `schema:table` (an absent CSV is an empty table). */
function fixtureRows(qualified: string): Row[] {
  const [schema, table] = qualified.split(':') as [string, string];
  const file = path.join(fixtureBags.formatB, 'data', schema, `${table}.csv`);
  if (!fs.existsSync(file)) return [];
  let header: string[] = [];
  const rows: Row[] = [];
  readCsvFile(file, file, (fields) => {
    if (header.length === 0) header = fields.map((field) => field ?? '');
    else rows.push(Object.fromEntries(header.map((name, index) => [name, fields[index] ?? null])));
  });
  return rows;
}

// Conformance: the walk on the real server's model selects the real bag's tables and rows.
describe.skipIf(!hasFixtures)('the FK walk of a deriva-ml HEAD bag, on the bccd fixture', () => {
  const model = parseSchemaDocument(
    fs.readFileSync(path.join(fixtureBags.formatB, 'data', 'schema.json'), 'utf8'),
    'schema.json',
  );
  const policy = walkPolicy(['hematology:Dataset_Subject']);

  it('reaches exactly the fixture bag tables plus the empty Image_Execution', () => {
    const expected = Object.keys(expectedFacts().bags.bccd!.tables!).sort();
    expect(reachedTables(model, policy).map((table) => table.qualified)).toEqual(expected);
  });

  it('reaches exactly the fixture rows from the three anchors, and nothing through back-walks', async () => {
    const requested: string[] = [];
    const reached = await reachableRows(model, policy, ['58A', '58C', '58E'], async (table, columns) => {
      requested.push(table.qualified);
      expect(columns[0]).toBe('RID');
      const rows = fixtureRows(table.qualified);
      // Rows the walk must not pick up: an image of a reached subject outside the dataset, and
      // metadata of a reached (terminal) execution.
      if (table.qualified === 'hematology:Image') rows.push({ RID: 'ZZZ', Subject: '3ZG', Length: '1' });
      if (table.qualified === 'deriva-ml:Execution_Metadata') rows.push({ RID: 'ZZY' });
      return rows.map((row) => Object.fromEntries(columns.map((column) => [column, row[column] ?? null])));
    });
    const tables = expectedFacts().bags.bccd!.tables!;
    for (const [table, count] of Object.entries(tables)) {
      const kind = model.table(table)!.kind;
      if (kind === 'vocabulary') expect(reached.rids.has(table)).toBe(false);
      else expect([table, reached.rids.get(table)?.length]).toEqual([table, count]);
    }
    expect(reached.rids.get('hematology:Image')).not.toContain('ZZZ');
    expect(requested.every((table) => model.table(table)!.kind !== 'vocabulary')).toBe(true);
    expect(new Set(requested).size).toBe(requested.length);
  });

  it('walks into an element association when it is not excluded', () => {
    expect(reachedTables(model, walkPolicy([])).map((table) => table.qualified)).toContain(
      'hematology:Dataset_Subject',
    );
  });

  it('refuses anchors that do not exist at the snapshot', async () => {
    await expect(reachableRows(model, policy, ['58A', 'NOPE'], async () => [{ RID: '58A' }])).rejects.toThrow(
      'Dataset NOPE does not exist at this snapshot of the catalog.',
    );
  });
});
