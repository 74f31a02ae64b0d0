// The 'bccd' seed: the fixture catalog with its two released versions, read through snapshots.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { expectedFacts, fixturesDir, hasFixtures } from '../support/fixtures.js';

interface VersionRow {
  RID: string;
  Dataset: string;
  Version: string;
  Snapshot: string | null;
}

describe.skipIf(!hasFixtures)('stand-in seeded with bccd', () => {
  let standIn: StandIn;
  let cookie: string;
  let snapshots: Record<string, string>;

  const get = async <T>(url: string, as = cookie): Promise<{ status: number; body: T; text: string }> => {
    const response = await fetch(standIn.origin + url, { headers: { cookie: as } });
    const text = await response.text();
    return {
      status: response.status,
      text,
      body: (response.headers.get('content-type') === 'application/json' ? JSON.parse(text) : text) as T,
    };
  };
  const count = async (at: string, path: string): Promise<number> =>
    (await get<{ n: number }[]>(`/ermrest/catalog/1${at ? '@' + at : ''}/aggregate/${path}/n:=cnt(*)`))
      .body[0]!.n;

  beforeAll(async () => {
    standIn = await startStandIn({ seed: 'bccd', fixturesDir });
    cookie = standIn.login('testadmin');
    const versions = (
      await get<VersionRow[]>('/ermrest/catalog/1/entity/deriva-ml:Dataset_Version@sort(RID)')
    ).body;
    snapshots = Object.fromEntries(
      versions.filter((row) => row.Dataset === '58C').map((row) => [row.Version, row.Snapshot!]),
    );
  });
  afterAll(() => standIn?.close());

  it('has versions 1.0.0 and 1.1.0 for every dataset, with the README RIDs for 1.0.0 and 1.1.0', async () => {
    const versions = (
      await get<VersionRow[]>('/ermrest/catalog/1/entity/deriva-ml:Dataset_Version@sort(RID)')
    ).body;
    const facts = expectedFacts() as unknown as {
      bccd: { versions: Record<string, { rows: Record<string, string> }> };
    };
    for (const [version, { rows }] of Object.entries(facts.bccd.versions)) {
      for (const [dataset, rid] of Object.entries(rows))
        expect(versions).toContainEqual(
          expect.objectContaining({ RID: rid, Dataset: dataset, Version: version }),
        );
    }
    expect(versions.every((row) => row.Snapshot !== null)).toBe(true);
    expect(snapshots['1.0.0']).not.toBe(snapshots['1.1.0']);
    const datasets = (
      await get<{ RID: string; Version: string }[]>('/ermrest/catalog/1/entity/deriva-ml:Dataset@sort(RID)')
    ).body;
    expect(datasets.map((row) => row.Version)).toEqual(['7C4', '7C6', '7C8']);
  });

  it('shows 300 Training+Testing members at 1.0.0 and 310 at 1.1.0', async () => {
    const members = 'hematology:Dataset_Image/Dataset=any(58C,58E)';
    expect(await count(snapshots['1.0.0']!, members)).toBe(300);
    expect(await count(snapshots['1.1.0']!, members)).toBe(310);
    expect(await count(snapshots['1.0.0']!, 'hematology:Dataset_Image/Dataset=58C')).toBe(200);
    expect(await count('', 'hematology:Dataset_Image/Dataset=58C')).toBe(210);
  });

  it('matches the README table counts at both snapshots for every table in the bag', async () => {
    const facts = expectedFacts() as unknown as { bccd: Record<string, Record<string, number>> };
    // Not in the Format B bag, so not in the seed: Execution_Metadata and its associations, Workflow_Type, Workflow_Workflow_Type.
    const absent = /Execution_Metadata|Workflow_Type|Workflow_Workflow_Type/;
    for (const [version, key] of [
      ['1.0.0', 'counts_at_1.0.0'],
      ['1.1.0', 'counts_at_1.1.0'],
    ] as const) {
      for (const [table, expected] of Object.entries(facts.bccd[key]!)) {
        if (absent.test(table)) continue;
        expect([table, version, await count(snapshots[version]!, table)]).toEqual([table, version, expected]);
      }
    }
  });

  it('reads the 1.0.0 version rows with an empty Snapshot at their own snapshot (fixtures README surprise 1)', async () => {
    const atRelease = (
      await get<VersionRow[]>(
        `/ermrest/catalog/1@${snapshots['1.0.0']}/entity/deriva-ml:Dataset_Version@sort(RID)`,
      )
    ).body;
    expect(atRelease.map((row) => [row.RID, row.Snapshot])).toEqual([
      ['79Y', null],
      ['7A0', null],
      ['7A2', null],
    ]);
  });

  it('refuses inserts at a snapshot', async () => {
    const response = await fetch(
      `${standIn.origin}/ermrest/catalog/1@${snapshots['1.0.0']}/entity/hematology:Subject?defaults=RID,RCT,RMT,RCB,RMB`,
      {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify([{ Name: 'x' }]),
      },
    );
    expect([response.status, await response.text()]).toEqual([
      403,
      'Access forbidden. Detail: modification to catalog at previous revision\n',
    ]);
  });

  it('returns [] when onconflict=skip repeats an insert', async () => {
    const post = () =>
      fetch(
        `${standIn.origin}/ermrest/catalog/1/entity/hematology:Cell_Type?defaults=ID,URI,RID,RCT,RMT,RCB,RMB&onconflict=skip`,
        {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json' },
          body: JSON.stringify([
            { Name: 'Platelet', Description: 'Cell fragment; not a leukocyte.', Synonyms: ['Thrombocyte'] },
          ]),
        },
      ).then(
        async (response) =>
          [response.status, JSON.parse(await response.text()) as Record<string, unknown>[]] as const,
      );
    const [status, rows] = await post();
    expect(status).toBe(200);
    expect(rows).toMatchObject([
      {
        Name: 'Platelet',
        ID: `bccd:${String(rows[0]!.RID)}`,
        URI: `/id/${String(rows[0]!.RID)}`,
        Synonyms: ['Thrombocyte'],
      },
    ]);
    expect(await post()).toEqual([200, []]);
  });

  it('serves the image bytes at the URLs of the Image rows, versions included', async () => {
    const [image] = (
      await get<{ URL: string; MD5: string; Length: number }[]>(
        '/ermrest/catalog/1/entity/hematology:Image/RID=42J',
      )
    ).body;
    const response = await fetch(standIn.origin + image!.URL, { headers: { cookie } });
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.length).toBe(image!.Length);
    expect(crypto.createHash('md5').update(bytes).digest('hex')).toBe(image!.MD5);
    const head = await fetch(standIn.origin + image!.URL.split(':')[0], {
      method: 'HEAD',
      headers: { cookie },
    });
    expect(head.headers.get('content-md5')).toBe(Buffer.from(image!.MD5, 'hex').toString('base64'));
    const duplicates = (
      await get<{ Filename: string; MD5: string; URL: string }[]>(
        '/ermrest/catalog/1/entity/hematology:Image/Filename::regexp::_dup@sort(RID)',
      )
    ).body;
    expect(duplicates).toHaveLength(10);
    for (const duplicate of duplicates)
      expect(
        (await fetch(standIn.origin + duplicate.URL, { method: 'HEAD', headers: { cookie } })).status,
      ).toBe(200);
  });

  it('lets testuser read but not write', async () => {
    const testuser = standIn.login('testuser');
    expect(
      (await get('/ermrest/catalog/1/entity/hematology:Subject@sort(RID)?limit=1', testuser)).status,
    ).toBe(200);
    const response = await fetch(`${standIn.origin}/ermrest/catalog/1/entity/hematology:Subject`, {
      method: 'POST',
      headers: { cookie: testuser, 'content-type': 'application/json' },
      body: '[{"Name":"x"}]',
    });
    expect(response.status).toBe(403);
  });
});
