// The 'world' seed: the sample world as a live catalog with its two releases, read through snapshots.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWorld, startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';

interface VersionRow {
  RID: string;
  Dataset: string;
  Version: string;
  Snapshot: string | null;
}

const facts = generatedBags().facts;
const domain = facts.schemas.domain;
const { complete, training, testing } = facts.datasets;

describe('stand-in seeded with the sample world', () => {
  let standIn: StandIn;
  let cookie: string;
  let snapshots: Record<string, string> = {};

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
  const post = (url: string, body: unknown, as = cookie) =>
    fetch(`${standIn.origin}${url}`, {
      method: 'POST',
      headers: { cookie: as, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    standIn = await startStandIn({
      seed: async (server) => {
        snapshots = (await seedWorld(server)).snaptimes;
      },
    });
    cookie = standIn.login('testadmin');
  });
  afterAll(() => standIn?.close());

  it('has versions 1.0.0 and 1.1.0 for every dataset, stamped with the snaptime of each release', async () => {
    const versions = (
      await get<VersionRow[]>('/ermrest/catalog/1/entity/deriva-ml:Dataset_Version@sort(RID)')
    ).body;
    const expected = (['1.0.0', '1.1.0'] as const).flatMap((version) =>
      (['complete', 'training', 'testing'] as const).map((key) => [
        facts.versions[version][key],
        facts.datasets[key],
        version,
        snapshots[version],
      ]),
    );
    expect(versions.map((row) => [row.RID, row.Dataset, row.Version, row.Snapshot])).toEqual(expected);
    expect(snapshots['1.0.0']).not.toBe(snapshots['1.1.0']);
    const datasets = (
      await get<{ RID: string; Version: string }[]>('/ermrest/catalog/1/entity/deriva-ml:Dataset@sort(RID)')
    ).body;
    expect(datasets.map((row) => [row.RID, row.Version])).toEqual([
      [complete, facts.versions['1.1.0'].complete],
      [training, facts.versions['1.1.0'].training],
      [testing, facts.versions['1.1.0'].testing],
    ]);
  });

  it('shows 300 Training+Testing members at 1.0.0 and 310 at 1.1.0', async () => {
    const members = `${domain}:Dataset_Image/Dataset=any(${training},${testing})`;
    const trainingAt100 = facts.images.filter(
      (image) => image.split === 'Training' && image.release === '1.0.0',
    ).length;
    expect(await count(snapshots['1.0.0']!, members)).toBe(facts.design.images);
    expect(await count(snapshots['1.1.0']!, members)).toBe(facts.design.images + facts.design.addedImages);
    expect(await count(snapshots['1.0.0']!, `${domain}:Dataset_Image/Dataset=${training}`)).toBe(
      trainingAt100,
    );
    expect(await count('', `${domain}:Dataset_Image/Dataset=${training}`)).toBe(
      trainingAt100 + facts.design.addedImages,
    );
  });

  it('holds at each release snapshot exactly the rows of that release’s bag, table by table', async () => {
    for (const version of ['1.0.0', '1.1.0'] as const) {
      for (const [table, expected] of Object.entries(facts.tables[version]))
        expect([table, version, await count(snapshots[version]!, table)]).toEqual([table, version, expected]);
    }
    // Tables the bag walk never reaches are in the catalog all the same.
    expect(await count('', 'deriva-ml:Workflow_Workflow_Type')).toBe(2);
  });

  it('reads the 1.0.0 version rows with an empty Snapshot at their own snapshot', async () => {
    const atRelease = (
      await get<VersionRow[]>(
        `/ermrest/catalog/1@${snapshots['1.0.0']}/entity/deriva-ml:Dataset_Version@sort(RID)`,
      )
    ).body;
    expect(atRelease.map((row) => [row.RID, row.Snapshot])).toEqual(
      Object.values(facts.versions['1.0.0']).map((rid) => [rid, null]),
    );
  });

  it('refuses inserts at a snapshot', async () => {
    const response = await post(
      `/ermrest/catalog/1@${snapshots['1.0.0']}/entity/${domain}:Subject?defaults=RID,RCT,RMT,RCB,RMB`,
      [{ Name: 'x' }],
    );
    expect([response.status, await response.text()]).toEqual([
      403,
      'Access forbidden. Detail: modification to catalog at previous revision\n',
    ]);
  });

  it('returns [] when onconflict=skip repeats an insert', async () => {
    const insert = () =>
      post(
        `/ermrest/catalog/1/entity/${domain}:Handedness?defaults=ID,URI,RID,RCT,RMT,RCB,RMB&onconflict=skip`,
        [{ Name: 'Unknown', Description: 'Not recorded.', Synonyms: ['Unrecorded'] }],
      ).then(
        async (response) =>
          [response.status, JSON.parse(await response.text()) as Record<string, unknown>[]] as const,
      );
    const [status, rows] = await insert();
    expect(status).toBe(200);
    expect(rows).toMatchObject([
      {
        Name: 'Unknown',
        ID: `sample:${String(rows[0]!.RID)}`,
        URI: `/id/${String(rows[0]!.RID)}`,
        Synonyms: ['Unrecorded'],
      },
    ]);
    expect(await insert()).toEqual([200, []]);
  });

  it('serves the image bytes at the URLs of the Image rows, tricky names and the 1.1.0 copy included', async () => {
    const tricky = facts.images.filter((image) => /[%"',\s]|[^\x00-\x7f]/.test(image.filename));
    expect(tricky.length).toBeGreaterThanOrEqual(8);
    const copy = facts.images.at(-1)!;
    for (const { rid, filename } of [...tricky, copy]) {
      const [image] = (
        await get<{ URL: string; MD5: string; Length: number; Filename: string }[]>(
          `/ermrest/catalog/1/entity/${domain}:Image/RID=${rid}`,
        )
      ).body;
      expect(image!.Filename).toBe(filename);
      const response = await fetch(standIn.origin + image!.URL, { headers: { cookie } });
      const bytes = Buffer.from(await response.arrayBuffer());
      expect([filename, response.status, bytes.length]).toEqual([filename, 200, image!.Length]);
      expect(crypto.createHash('md5').update(bytes).digest('hex')).toBe(image!.MD5);
      const head = await fetch(standIn.origin + image!.URL.split(':')[0], {
        method: 'HEAD',
        headers: { cookie },
      });
      expect(head.headers.get('content-md5')).toBe(Buffer.from(image!.MD5, 'hex').toString('base64'));
    }
    // The re-imaged copy has the bytes of an earlier image under its own name and URL.
    const [copyRow] = (
      await get<{ MD5: string }[]>(`/ermrest/catalog/1/entity/${domain}:Image/RID=${copy.rid}`)
    ).body;
    const sameBytes = (
      await get<{ RID: string; URL: string }[]>(
        `/ermrest/catalog/1/entity/${domain}:Image/MD5=${copyRow!.MD5}@sort(RID)`,
      )
    ).body;
    expect(sameBytes).toHaveLength(2);
    expect(new Set(sameBytes.map((row) => row.URL)).size).toBe(2);
  });

  it('lets testuser read but not write', async () => {
    const testuser = standIn.login('testuser');
    expect(
      (await get(`/ermrest/catalog/1/entity/${domain}:Subject@sort(RID)?limit=1`, testuser)).status,
    ).toBe(200);
    expect(
      (await post(`/ermrest/catalog/1/entity/${domain}:Subject`, [{ Name: 'x' }], testuser)).status,
    ).toBe(403);
  });
});
