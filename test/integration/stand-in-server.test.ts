// The stand-in Deriva server on its own: loopback binding, webauthn, ERMrest on a small seeded catalog,
// Hatrac, failure injection and persistence.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn, type CatalogHandle, type StandIn } from '../stand-in/index.js';

const systemColumns = ['RID', 'RCT', 'RMT', 'RCB', 'RMB'].map((name) => ({
  name,
  type: { typename: `ermrest_${name.toLowerCase()}` },
}));
const demoModel = {
  schemas: {
    demo: {
      tables: {
        Sample: {
          column_definitions: [
            ...systemColumns,
            { name: 'Name', type: { typename: 'text' }, nullok: false },
            { name: 'Count', type: { typename: 'int4' }, default: 0 },
            { name: 'Tags', type: { typename: 'text[]', is_array: true, base_type: { typename: 'text' } } },
            { name: 'Flag', type: { typename: 'boolean' } },
            { name: 'Seen', type: { typename: 'timestamptz' } },
            { name: 'Notes', type: { typename: 'markdown' } },
          ],
          keys: [
            { unique_columns: ['RID'] },
            { unique_columns: ['Name'], names: [['demo', 'Sample_Name_key']] },
          ],
        },
        Sample_Asset: {
          column_definitions: [
            ...systemColumns,
            { name: 'Sample', type: { typename: 'text' }, nullok: false },
            { name: 'URL', type: { typename: 'text' } },
          ],
          keys: [{ unique_columns: ['RID'] }],
          foreign_keys: [
            {
              names: [['demo', 'Sample_Asset_Sample_fkey']],
              foreign_key_columns: [
                { schema_name: 'demo', table_name: 'Sample_Asset', column_name: 'Sample' },
              ],
              referenced_columns: [{ schema_name: 'demo', table_name: 'Sample', column_name: 'RID' }],
              on_delete: 'CASCADE',
            },
          ],
        },
      },
    },
  },
};

const sampleRows = [
  {
    RID: '1-A',
    Name: 'a',
    Count: 1,
    Tags: ['x', 'y z'],
    Flag: true,
    Seen: '2026-11-23T20:03:14.171746+00:00',
    Notes: '',
  },
  { RID: '1-B', Name: 'b', Count: 5, Tags: [], Flag: false, Seen: null, Notes: null },
  { RID: '1-C', Name: 'a/b:c,d;e', Count: null, Tags: null, Flag: null, Seen: null, Notes: 'odd name' },
  { RID: '1-D', Name: 'd', Count: 5, Tags: null, Flag: null, Seen: null, Notes: null },
];

interface Answer {
  status: number;
  type: string;
  text: string;
  json: () => unknown;
  headers: Headers;
}

function client(standIn: StandIn, cookie?: string) {
  return async (
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const init: RequestInit = { method, headers: { ...(cookie ? { cookie } : {}), ...headers } };
    if (body !== undefined) {
      const raw = typeof body === 'string' || Buffer.isBuffer(body);
      init.body = raw ? (body as string) : JSON.stringify(body);
      if (!raw && !headers['content-type'])
        (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const response = await fetch(standIn.origin + url, init);
    const text = await response.text();
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      text,
      json: () => JSON.parse(text) as unknown,
      headers: response.headers,
    };
  };
}

describe('stand-in server', () => {
  let standIn: StandIn;
  let demo: CatalogHandle;
  let admin: ReturnType<typeof client>;
  let user: ReturnType<typeof client>;
  let anonymous: ReturnType<typeof client>;

  beforeAll(async () => {
    standIn = await startStandIn({
      tokens: { 'secret-token': 'testuser' },
      seed: (seed) => {
        const catalog = seed.createCatalog({ owner: ['testadmin'], acls: { select: ['testuser'] } });
        catalog.defineModel(demoModel);
        catalog.insertRows('demo:Sample', sampleRows);
        catalog.insertRows('demo:Sample_Asset', [{ RID: '2-A', Sample: '1-A', URL: '/hatrac/demo/a.txt' }]);
      },
    });
    demo = standIn.catalog('1');
    admin = client(standIn, standIn.login('testadmin'));
    user = client(standIn, standIn.login('testuser'));
    anonymous = client(standIn);
  });
  afterAll(() => standIn.close());

  describe('listening', () => {
    it('binds to 127.0.0.1 only', async () => {
      expect(standIn.address().address).toBe('127.0.0.1');
      expect(new URL(standIn.origin).hostname).toBe('127.0.0.1');
      const other = Object.values(os.networkInterfaces())
        .flat()
        .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
      if (other) {
        const outcome = await new Promise<string>((resolve) => {
          const socket = net.connect(standIn.address().port, other.address);
          socket.once('connect', () => (socket.destroy(), resolve('connected')));
          socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
        });
        expect(outcome).toBe('ECONNREFUSED');
      }
    });

    it('refuses to start on any other host', async () => {
      await expect(startStandIn({ host: '0.0.0.0' })).rejects.toThrow(/127\.0\.0\.1 only/);
      await expect(startStandIn({ host: 'localhost' })).rejects.toThrow(/refusing host/);
    });
  });

  describe('authn', () => {
    it('logs in with the database form, reports and ends the session', async () => {
      expect((await anonymous('GET', '/authn/preauth')).json()).toMatchObject({
        authentication_type: 'database',
      });
      expect(
        (
          await anonymous('POST', '/authn/session', 'username=testuser&password=nope', {
            'content-type': 'application/x-www-form-urlencoded',
          })
        ).status,
      ).toBe(401);
      const login = await fetch(`${standIn.origin}/authn/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=testuser&password=testuser',
      });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^webauthn=[^;]+; Path=\/$/);
      const session = client(standIn, cookie.split(';')[0]);
      expect((await session('GET', '/authn/session')).json()).toMatchObject({
        client: { id: 'testuser' },
        vary_headers: ['cookie'],
      });
      expect((await session('PUT', '/authn/session')).status).toBe(200);
      expect((await session('GET', '/authn/discovery')).json()).toEqual({});
      expect((await session('DELETE', '/authn/session')).json()).toEqual({ logout_url: null });
      expect((await session('GET', '/authn/session')).status).toBe(404);
    });

    it('accepts registered bearer tokens', async () => {
      const bearer = client(standIn);
      const headers = { authorization: 'Bearer secret-token' };
      expect((await bearer('GET', '/authn/session', undefined, headers)).json()).toMatchObject({
        client: { id: 'testuser' },
      });
      expect((await bearer('GET', '/ermrest/catalog/1/entity/demo:Sample', undefined, headers)).status).toBe(
        200,
      );
      expect(
        (
          await bearer('GET', '/ermrest/catalog/1/entity/demo:Sample', undefined, {
            authorization: 'Bearer unknown',
          })
        ).status,
      ).toBe(401);
    });
  });

  describe('ermrest reads', () => {
    it('renders JSON and ERMrest CSV (NULL vs empty string, arrays, booleans, timestamps)', async () => {
      const rows = (await admin('GET', '/ermrest/catalog/1/entity/demo:Sample@sort(RID)')).json() as Record<
        string,
        unknown
      >[];
      expect(rows.map((row) => row.RID)).toEqual(['1-A', '1-B', '1-C', '1-D']);
      expect(rows[0]).toMatchObject({
        Tags: ['x', 'y z'],
        Flag: true,
        Seen: '2026-11-23T20:03:14.171746+00:00',
        Notes: '',
      });
      const csv = await admin('GET', '/ermrest/catalog/1/entity/demo:Sample@sort(RID)?limit=2', undefined, {
        accept: 'text/csv',
      });
      expect(csv.type).toBe('text/csv');
      const [header, first, second] = csv.text.split('\n');
      expect(header).toBe('RID,RCT,RMT,RCB,RMB,Name,Count,Tags,Flag,Seen,Notes');
      expect(first).toMatch(/^1-A,.*,a,1,"\{x,""y z""\}",t,2026-11-23 20:03:14\.171746\+00,""$/);
      expect(second).toMatch(/^1-B,.*,b,5,,f,,$/);
    });

    it('filters with quoting, negation, conjunction, disjunction and quantified lists', async () => {
      const rids = async (query: string): Promise<unknown[]> =>
        (
          (await admin('GET', `/ermrest/catalog/1/attribute/demo:Sample/${query}/RID@sort(RID)`)).json() as {
            RID: string;
          }[]
        ).map((row) => row.RID);
      expect(await rids('Name=a%2Fb%3Ac%2Cd%3Be')).toEqual(['1-C']);
      expect(await rids('Count::gt::1')).toEqual(['1-B', '1-D']);
      expect(await rids('!Name=a')).toEqual(['1-B', '1-C', '1-D']);
      expect(await rids('Count::null::')).toEqual(['1-C']);
      expect(await rids('Count=5&Name=b')).toEqual(['1-B']);
      expect(await rids('Name=a;Name=d')).toEqual(['1-A', '1-D']);
      expect(await rids('RID=any(1-A,1-C)')).toEqual(['1-A', '1-C']);
      expect(await rids('Tags=y%20z')).toEqual(['1-A']);
      expect(await rids('Name::ciregexp::%5EA')).toEqual(['1-A', '1-C']);
    });

    it('joins by foreign key and by explicit columns, with aliases', async () => {
      expect(
        (
          await admin(
            'GET',
            '/ermrest/catalog/1/attribute/S:=demo:Sample/Name=a/A:=demo:Sample_Asset/S:Name,A:URL',
          )
        ).json(),
      ).toEqual([{ Name: 'a', URL: '/hatrac/demo/a.txt' }]);
      expect(
        (await admin('GET', '/ermrest/catalog/1/entity/demo:Sample_Asset/demo:Sample')).json(),
      ).toMatchObject([{ RID: '1-A' }]);
      expect(
        (
          await admin(
            'GET',
            '/ermrest/catalog/1/attribute/S:=demo:Sample/left(RID)=(demo:Sample_Asset:Sample)/$S/S:RID@sort(RID)',
          )
        ).json(),
      ).toHaveLength(4);
    });

    it('sorts, pages with @after/@before and limits', async () => {
      const names = async (query: string): Promise<unknown[]> =>
        (
          (await admin('GET', `/ermrest/catalog/1/attribute/demo:Sample/Name,Count${query}`)).json() as {
            Name: string;
          }[]
        ).map((row) => row.Name);
      expect(await names('@sort(Name)@after(a)?limit=2')).toEqual(['a/b:c,d;e', 'b']);
      expect(await names('@sort(Count::desc::,Name)')).toEqual(['a/b:c,d;e', 'b', 'd', 'a']);
      expect(await names('@sort(Count,Name)@after(5,b)')).toEqual(['d', 'a/b:c,d;e']);
      expect(await names('@sort(Name)@before(b)?limit=2')).toEqual(['a', 'a/b:c,d;e']);
    });

    it('groups and aggregates', async () => {
      expect(
        (
          await admin(
            'GET',
            '/ermrest/catalog/1/attributegroup/demo:Sample/Count;n:=cnt(*),names:=array_d(Name)@sort(Count)',
          )
        ).json(),
      ).toEqual([
        { Count: 1, n: 1, names: ['a'] },
        { Count: 5, n: 2, names: ['b', 'd'] },
        { Count: null, n: 1, names: ['a/b:c,d;e'] },
      ]);
      expect(
        (
          await admin(
            'GET',
            '/ermrest/catalog/1/aggregate/demo:Sample/n:=cnt(*),d:=cnt_d(Count),mx:=max(Name),s:=sum(Count)',
          )
        ).json(),
      ).toEqual([{ n: 4, d: 2, mx: 'd', s: 11 }]);
      expect((await admin('GET', '/ermrest/catalog/1/aggregate/demo:Sample/cnt(*)')).status).toBe(400);
    });

    it('answers model and catalog documents, and errors as ERMrest does', async () => {
      const schema = (await admin('GET', '/ermrest/catalog/1/schema')).json() as {
        snaptime: string;
        schemas: Record<string, unknown>;
      };
      expect(Object.keys(schema.schemas).sort()).toEqual(['demo', 'public']);
      const table = (await admin('GET', '/ermrest/catalog/1/schema/demo/table/Sample')).json() as {
        column_definitions: { name: string; type: unknown }[];
      };
      expect(table.column_definitions.find((column) => column.name === 'Notes')!.type).toEqual({
        typename: 'markdown',
        is_domain: true,
        base_type: { typename: 'text' },
      });
      expect((await admin('GET', '/ermrest/catalog/7')).text).toBe('Resource not found. Detail: catalog 7\n');
      expect((await admin('GET', '/ermrest/catalog/1/entity/demo:Nope')).status).toBe(409);
      expect((await admin('GET', '/ermrest/catalog/1/entity/demo:Sample/Nope=1')).text).toMatch(
        /^Request conflicts with state of server. Detail: Requested column Nope/,
      );
      expect((await admin('GET', '/ermrest/catalog/1/entity/demo:Sample/Count=many')).text).toBe(
        'Request malformed. Detail: Invalid int4: "many"\n',
      );
      expect((await admin('HEAD', '/ermrest/catalog/1/entity/demo:Sample')).status).toBe(500);
      expect((await admin('GET', '/ermrest/catalog/1@0000/entity/demo:Sample')).status).toBe(409);
      expect((await anonymous('GET', '/ermrest/catalog/1/entity/demo:Sample')).text).toBe(
        'Access requires authentication. Detail: enumerate access on catalog/1\n',
      );
      expect(
        (await admin('GET', '/ermrest/catalog/1/entity/demo:Nope', undefined, { accept: 'text/html' })).text,
      ).toMatch(/^<html><body><h1>Conflict<\/h1>/);
    });
  });

  describe('ermrest writes', () => {
    it('inserts with server defaults and repeats the system columns in the answer', async () => {
      const answer = await admin(
        'POST',
        '/ermrest/catalog/1/entity/demo:Sample?defaults=RID,RCT,RMT,RCB,RMB',
        [{ RID: 'IGNORED', Name: 'e', Unknown: 1 }],
      );
      expect(answer.status).toBe(200);
      expect(answer.text.match(/"RID"/g)).toHaveLength(2);
      const [row] = answer.json() as Record<string, unknown>[];
      expect(row).toMatchObject({ Name: 'e', Count: 0, Tags: [], RCB: 'testadmin' });
      expect(row!.RID).not.toBe('IGNORED');
      const csv = await admin('POST', '/ermrest/catalog/1/entity/demo:Sample', [{ Name: 'f' }], {
        accept: 'text/csv',
      });
      expect(csv.text.split('\n')[0]).toBe(
        'Name,RID,RCT,RMT,RCB,RMB,Count,Tags,Flag,Seen,Notes,RID,RCT,RMT,RCB,RMB',
      );
    });

    it('skips conflicting rows with onconflict=skip and reports constraint violations otherwise', async () => {
      const url = '/ermrest/catalog/1/entity/demo:Sample?onconflict=skip';
      expect((await admin('POST', url, [{ Name: 'g' }])).json()).toHaveLength(1);
      expect((await admin('POST', url, [{ Name: 'g' }])).text).toBe('[]\n');
      expect((await admin('POST', '/ermrest/catalog/1/entity/demo:Sample', [{ Name: 'g' }])).text).toBe(
        'Request conflicts with state of server. Detail: Input data violates model. ERROR:  duplicate key value violates unique constraint "Sample_Name_key"\nDETAIL:  Key ("Name")=(g) already exists.\n\n',
      );
      expect(
        (await admin('POST', '/ermrest/catalog/1/entity/demo:Sample_Asset', [{ Sample: 'NOPE' }])).text,
      ).toMatch(
        /violates foreign key constraint "Sample_Asset_Sample_fkey"\nDETAIL:  Key \(Sample\)=\(NOPE\) is not present in table "Sample"/,
      );
      expect((await admin('POST', '/ermrest/catalog/1/entity/demo:Sample', [{ Count: 3 }])).text).toMatch(
        /^Request conflicts with state of server. Detail: null value in column "Name" of relation "input_data_\S+" violates not-null constraint/,
      );
      expect(
        (await admin('POST', '/ermrest/catalog/1/entity/demo:Sample', [{ Name: 'h', Count: 'forty' }])).text,
      ).toBe(
        'Request malformed. Detail: Bad JSON array input. ERROR:  invalid input syntax for type integer: "forty"\n\n',
      );
      expect((await admin('POST', '/ermrest/catalog/1/entity/demo:Sample', { Name: 'h' })).status).toBe(400);
      expect(
        (
          await admin('POST', '/ermrest/catalog/1/entity/demo:Sample', 'Name\nh\n', {
            'content-type': 'text/plain',
          })
        ).status,
      ).toBe(415);
      expect((await user('POST', '/ermrest/catalog/1/entity/demo:Sample', [{ Name: 'h' }])).text).toBe(
        'Access forbidden. Detail: insert access on :demo:Sample\n',
      );
    });

    it('takes CSV input', async () => {
      expect(
        (
          await admin('POST', '/ermrest/catalog/1/entity/demo:Sample', 'Name\ncsv-1\n', {
            'content-type': 'text/csv',
          })
        ).text,
      ).toMatch(/Missing expected CSV columns/);
      const answer = await admin(
        'POST',
        '/ermrest/catalog/1/entity/demo:Sample',
        'Name,Count,Tags,Flag,Seen,Notes\ncsv-1,,"{p,""q r""}",t,,""\n',
        { 'content-type': 'text/csv' },
      );
      expect(answer.json()).toMatchObject([
        { Name: 'csv-1', Count: null, Tags: ['p', 'q r'], Flag: true, Notes: '' },
      ]);
    });

    it('leases RIDs; non-owners may claim only their leased RIDs', async () => {
      demo.setAcl('insert', ['testuser']);
      try {
        const [lease] = (
          await user('POST', '/ermrest/catalog/1/entity/public:ERMrest_RID_Lease', [{ ID: 'token-1' }])
        ).json() as { ID: string; RID: string }[];
        expect(lease!.ID).toBe('token-1');
        expect(
          (
            await user('POST', '/ermrest/catalog/1/entity/demo:Sample?nondefaults=RID', [
              { RID: 'ZZZZ', Name: 'lease-x' },
            ])
          ).text,
        ).toBe('Access forbidden. Detail: insert access on column "RID" with non-leased value \'ZZZZ\'\n');
        const claimed = (
          await user('POST', '/ermrest/catalog/1/entity/demo:Sample?nondefaults=RID', [
            { RID: lease!.RID, Name: 'lease-ok' },
          ])
        ).json() as { RID: string }[];
        expect(claimed[0]!.RID).toBe(lease!.RID);
      } finally {
        demo.setAcl('insert', []);
      }
      expect(
        (
          await admin('POST', '/ermrest/catalog/1/entity/demo:Sample?nondefaults=RID,RMT', [
            { RID: 'X-1', Name: 'x' },
          ])
        ).status,
      ).toBe(403);
    });

    it('updates through /attributegroup and keeps history for snapshot reads', async () => {
      const before = ((await admin('GET', '/ermrest/catalog/1')).json() as { snaptime: string }).snaptime;
      const answer = await admin('PUT', '/ermrest/catalog/1/attributegroup/demo:Sample/RID;Count,Notes', [
        { RID: '1-A', Count: 42, Notes: 'updated' },
      ]);
      expect(answer.json()).toEqual([{ RID: '1-A', Count: 42, Notes: 'updated' }]);
      const after = ((await admin('GET', '/ermrest/catalog/1')).json() as { snaptime: string }).snaptime;
      expect(after).not.toBe(before);
      expect(
        (await admin('GET', `/ermrest/catalog/1@${before}/entity/demo:Sample/RID=1-A`)).json(),
      ).toMatchObject([{ Count: 1, Notes: '' }]);
      expect((await admin('GET', '/ermrest/catalog/1/entity/demo:Sample/RID=1-A')).json()).toMatchObject([
        { Count: 42, RMB: 'testadmin' },
      ]);
      expect(
        (await admin('POST', `/ermrest/catalog/1@${before}/entity/demo:Sample`, [{ Name: 'late' }])).text,
      ).toBe('Access forbidden. Detail: modification to catalog at previous revision\n');
      expect(
        (
          await admin('PUT', '/ermrest/catalog/1/attributegroup/demo:Sample/RID;Count', [
            { RID: 'NONE', Count: 1 },
          ])
        ).status,
      ).toBe(409);
    });

    it('deletes with ON DELETE CASCADE and remembers deleted RIDs', async () => {
      expect((await admin('DELETE', '/ermrest/catalog/1/entity/demo:Sample/RID=1-A')).status).toBe(204);
      expect((await admin('GET', '/ermrest/catalog/1/entity/demo:Sample_Asset')).json()).toEqual([]);
      const where = (await admin('GET', '/ermrest/catalog/1/entity_rid/2-A')).json();
      expect(where).toMatchObject({
        RID: '2-A',
        schema_name: 'demo',
        table_name: 'Sample_Asset',
        deleted_at: expect.stringMatching(/\+00:00$/) as unknown,
      });
      expect((await admin('GET', '/ermrest/catalog/1/entity_rid/1-B')).json()).toEqual({
        RID: '1-B',
        schema_name: 'demo',
        table_name: 'Sample',
      });
    });

    it('creates catalogs and models over HTTP', async () => {
      const created = await admin('POST', '/ermrest/catalog', { name: 'scratch' });
      expect(created.status).toBe(201);
      const id = (created.json() as { id: string }).id;
      expect(created.headers.get('location')).toBe(`/ermrest/catalog/${id}`);
      expect((await admin('POST', `/ermrest/catalog/${id}/schema`, demoModel)).status).toBe(201);
      const lacking = {
        schema_name: 'demo',
        table_name: 'Bad',
        column_definitions: systemColumns.slice(0, 3),
      };
      expect((await admin('POST', `/ermrest/catalog/${id}/schema/demo/table`, lacking)).text).toBe(
        'Request malformed. Detail: Table :demo:Bad lacks required system column RCB.\n',
      );
      expect((await anonymous('POST', '/ermrest/catalog', {})).status).toBe(401);
      expect((await user('GET', `/ermrest/catalog/${id}`)).status).toBe(403);
    });
  });

  describe('hatrac', () => {
    const bytes = Buffer.from('hello, stand-in hatrac\n');
    const md5 = crypto.createHash('md5').update(bytes).digest();

    it('stores versions with Content-MD5 checks, serves ranges and metadata', async () => {
      const url = '/hatrac/demo/hello.txt';
      expect(
        (
          await admin('PUT', `${url}?parents=true`, bytes, {
            'content-type': 'text/plain',
            'content-md5': crypto.createHash('md5').update('other').digest('base64'),
          })
        ).status,
      ).toBe(400);
      const first = await admin('PUT', `${url}?parents=true`, bytes, {
        'content-type': 'text/plain',
        'content-md5': md5.toString('hex'),
      });
      expect(first.status).toBe(201);
      const location = first.headers.get('location')!;
      expect(location).toMatch(/^\/hatrac\/demo\/hello\.txt:[A-Z2-7]{26}$/);
      expect(first.text).toBe(`${location}\n`);
      const second = await admin('PUT', url, bytes, { 'content-md5': md5.toString('base64') });
      expect(second.headers.get('location')).not.toBe(location);
      const head = await admin('HEAD', url);
      expect(head.headers.get('content-md5')).toBe(md5.toString('base64'));
      expect(head.headers.get('content-location')).toBe(second.headers.get('location'));
      expect(head.headers.get('content-length')).toBe(String(bytes.length));
      const partial = await admin('GET', location, undefined, { range: 'bytes=0-4' });
      expect([partial.status, partial.text, partial.headers.get('content-range')]).toEqual([
        206,
        'hello',
        `bytes 0-4/${bytes.length}`,
      ]);
      const unsatisfiable = await admin('GET', location, undefined, { range: 'bytes=999-' });
      expect([unsatisfiable.status, unsatisfiable.headers.get('content-range')]).toEqual([
        416,
        `bytes */${bytes.length}`,
      ]);
      expect((await admin('GET', `${url};versions`)).json()).toEqual([
        location,
        second.headers.get('location'),
      ]);
      expect((await admin('GET', `${location};metadata`)).json()).toEqual({
        'content-type': 'text/plain',
        'content-md5': md5.toString('base64'),
      });
      expect((await admin('GET', `${url};metadata`)).json()).toEqual({
        'content-type': 'application/octet-stream',
        'content-md5': md5.toString('base64'),
      });
      expect((await admin('GET', '/hatrac/demo')).json()).toContain(url);
      expect((await anonymous('GET', url)).text).toBe(`Authentication required for access to ${url}\n`);
      expect((await user('GET', url)).text).toBe(`Access to ${url} forbidden.\n`);
      expect((await admin('GET', '/hatrac/demo/missing.txt')).text).toBe(
        'Resource /hatrac/demo/missing.txt not found.\n',
      );
    });

    it('creates namespaces once', async () => {
      const put = () =>
        admin('PUT', '/hatrac/ns-test', undefined, { 'content-type': 'application/x-hatrac-namespace' });
      const created = await put();
      expect([created.status, created.type, created.text]).toEqual([
        201,
        'text/uri-list',
        '/hatrac/ns-test\n',
      ]);
      expect((await put()).text).toBe('Namespace /hatrac/ns-test already exists.\n');
    });

    it('runs chunked upload jobs whose version is the job id', async () => {
      const content = crypto.randomBytes(2500);
      const spec = {
        'chunk-length': 1000,
        'content-length': content.length,
        'content-type': 'application/octet-stream',
        'content-md5': crypto.createHash('md5').update(content).digest('base64'),
      };
      const job = await admin('POST', '/hatrac/jobs/big.bin;upload?parents=true', spec);
      expect(job.status).toBe(201);
      const jobUrl = job.headers.get('location')!;
      const jobId = jobUrl.split('/').at(-1)!;
      expect((await admin('GET', jobUrl)).json()).toMatchObject({
        url: jobUrl,
        target: '/hatrac/jobs/big.bin',
        'chunk-length': 1000,
        'content-length': 2500,
      });
      for (const index of [2, 0, 1])
        expect(
          (
            await admin('PUT', `${jobUrl}/${index}`, content.subarray(index * 1000, index * 1000 + 1000), {
              'content-type': 'application/octet-stream',
            })
          ).status,
        ).toBe(204);
      expect(
        (await admin('PUT', `${jobUrl}/3`, Buffer.alloc(1), { 'content-type': 'application/octet-stream' }))
          .text,
      ).toBe('Uploaded chunk number 3 out of range.\n');
      const done = await admin('POST', jobUrl);
      expect([done.status, done.headers.get('location')]).toEqual([201, `/hatrac/jobs/big.bin:${jobId}`]);
      const fetched = await fetch(`${standIn.origin}/hatrac/jobs/big.bin`, {
        headers: { cookie: standIn.login('testadmin') },
      });
      expect(Buffer.from(await fetched.arrayBuffer()).equals(content)).toBe(true);
    });
  });

  describe('failure injection', () => {
    it('fails the next matching requests with a status', async () => {
      standIn.failNext({ pathPrefix: '/ermrest/catalog/1/entity/', status: 503, times: 2 });
      standIn.failNext({ method: 'POST', pathPrefix: '/ermrest/', status: 500 });
      const url = '/ermrest/catalog/1/entity/demo:Sample';
      expect((await admin('GET', url)).status).toBe(503);
      expect((await admin('GET', url)).status).toBe(503);
      expect((await admin('GET', url)).status).toBe(200);
      expect((await admin('POST', url, [{ Name: 'after-500' }])).status).toBe(500);
      expect((await admin('POST', url, [{ Name: 'after-500' }])).status).toBe(200);
      expect(standIn.requests.slice(-5).map((record) => record.status)).toEqual([503, 503, 200, 500, 200]);
    });

    it('cuts the connection, also in the middle of an upload, and can delay', async () => {
      standIn.failNext({ pathPrefix: '/ermrest/', dropConnection: true });
      await expect(admin('GET', '/ermrest/')).rejects.toThrow();
      const big = crypto.randomBytes(4 * 1024 * 1024);
      standIn.failNext({
        method: 'PUT',
        pathPrefix: '/hatrac/cut/',
        dropConnection: true,
        dropAfterBytes: 256 * 1024,
      });
      await expect(admin('PUT', '/hatrac/cut/big.bin?parents=true', big)).rejects.toThrow();
      expect((await admin('GET', '/hatrac/cut/big.bin')).status).toBe(404);
      expect((await admin('PUT', '/hatrac/cut/big.bin?parents=true', big)).status).toBe(201);
      standIn.failNext({ pathPrefix: '/authn/preauth', delayMs: 150 });
      const started = Date.now();
      expect((await anonymous('GET', '/authn/preauth')).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    });

    it('holds a request before acting on it: cut, it is never acted on; released, it is', async () => {
      const url = '/ermrest/catalog/1/entity/demo:Sample';
      const rows = async (name: string) =>
        ((await admin('GET', `${url}/Name=${name}`)).json() as unknown[]).length;
      const held = standIn.hold({ method: 'POST', pathPrefix: url, at: 'request', skip: 1 });
      expect((await admin('POST', url, [{ Name: 'held-0' }])).status).toBe(200);
      const cutPost = admin('POST', url, [{ Name: 'held-1' }]);
      const first = await held;
      expect(first.record).toMatchObject({ method: 'POST', path: url, status: 0, delivered: false });
      first.cut();
      await expect(cutPost).rejects.toThrow();
      expect(first.record).toMatchObject({ status: 'dropped', delivered: false });
      expect(await rows('held-1')).toBe(0);

      const again = standIn.hold({ method: 'POST', pathPrefix: url, at: 'request' });
      const releasedPost = admin('POST', url, [{ Name: 'held-2' }]);
      (await again).release();
      expect((await releasedPost).status).toBe(200);
      expect(await rows('held-2')).toBe(1);
      expect(standIn.requests.filter((record) => record.method === 'POST').slice(-3)).toEqual([
        { method: 'POST', path: url, status: 200, body: '[{"Name":"held-0"}]', delivered: true },
        { method: 'POST', path: url, status: 'dropped', delivered: false },
        { method: 'POST', path: url, status: 200, body: '[{"Name":"held-2"}]', delivered: true },
      ]);
    });

    it('holds an answer after acting: cut, the write stands but the client never hears of it', async () => {
      const url = '/ermrest/catalog/1/entity/demo:Sample';
      const held = standIn.hold({ method: 'POST', pathPrefix: url, at: 'answer' });
      const post = admin('POST', url, [{ Name: 'acted-unheard' }]);
      const stopped = await held;
      expect(stopped.record).toMatchObject({ status: 200, delivered: false });
      // The row exists while the answer is still held.
      expect((await admin('GET', `${url}/Name=acted-unheard`)).json()).toHaveLength(1);
      stopped.cut();
      await expect(post).rejects.toThrow();
      expect(stopped.record).toMatchObject({
        status: 200,
        body: '[{"Name":"acted-unheard"}]',
        delivered: false,
      });
    });
  });
});

describe('stand-in persistence', () => {
  it('keeps catalogs, history and Hatrac objects in its data folder across restarts', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stand-in-data-'));
    try {
      const first = await startStandIn({
        dataDir,
        seed: (seed) => {
          const catalog = seed.createCatalog();
          catalog.defineModel(demoModel);
          catalog.insertRows('demo:Sample', [{ RID: '1-A', Name: 'kept' }]);
          seed.putObject('/hatrac/keep/me.txt', 'kept bytes');
        },
      });
      await first.close();
      const second = await startStandIn({
        dataDir,
        seed: () => Promise.reject(new Error('must not seed twice')),
      });
      try {
        const get = client(second, second.login('testadmin'));
        expect((await get('GET', '/ermrest/catalog/1/entity/demo:Sample')).json()).toMatchObject([
          { RID: '1-A', Name: 'kept' },
        ]);
        expect((await get('GET', '/hatrac/keep/me.txt')).text).toBe('kept bytes');
        const inserted = (
          await get('POST', '/ermrest/catalog/1/entity/demo:Sample', [{ Name: 'new' }])
        ).json() as { RID: string }[];
        expect(inserted[0]!.RID).not.toBe('1-A');
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
