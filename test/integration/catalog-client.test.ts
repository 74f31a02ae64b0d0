import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CatalogClient,
  CatalogError,
  anyOf,
  base64ToHex,
  eq,
  hatracPath,
  login,
  logout,
  type Credential,
  type UploadJobState,
} from '../../main/core/catalog/index.js';
import { startStandIn, type StandIn } from '../stand-in/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

const scratch = temporaryDirectory('satchel-catalog-client-');
let standIn: StandIn;
let admin: Credential;
let client: CatalogClient;
const fast = { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const facts = generatedBags().facts;
const domain = facts.schemas.domain;
const subject = { schema: domain, table: 'Subject' };
const digitFeature = { schema: domain, table: 'Execution_Image_Digit' };

beforeAll(async () => {
  standIn = await startStandIn({ seed: 'world', tokens: { 'robot-token': 'testuser' } });
  admin = { kind: 'cookie', value: standIn.login('testadmin') };
  client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, { credential: admin, retry: fast });
});
afterAll(async () => {
  await standIn?.close();
  scratch.cleanup();
});

async function caught(promise: Promise<unknown>): Promise<CatalogError> {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(CatalogError);
  return error as CatalogError;
}

describe('ERMrest through the client, on the sample world', () => {
  it('reads the catalog document, the model and a pinned snapshot', async () => {
    const info = await client.catalogInfo();
    expect(info.id).toBe('1');
    expect(info.snaptime).toMatch(/^[0-9A-Z-]+$/);
    const model = await client.schema();
    expect(model.table(`${domain}:Image`)?.kind).toBe('asset');
    expect(model.table(`${domain}:Subject_Handedness`)?.kind).toBe('feature');
    expect(model.elementTypes.map((element) => element.table.name)).toEqual(['Dataset', 'Image']);
    const pinned = client.at(info.snaptime);
    expect(pinned.path).toBe(`/ermrest/catalog/1@${info.snaptime}`);
    expect((await pinned.catalogInfo()).snaptime).toBe(info.snaptime);
  });

  it('pages with @sort/@after and reads CSV', async () => {
    const pages: number[] = [];
    const rids: string[] = [];
    for await (const page of client.pages(
      'attribute',
      { table: { schema: domain, table: 'Image' }, columns: ['RID', 'Filename'], sort: ['RID'] },
      { pageSize: 64 },
    )) {
      pages.push(page.length);
      rids.push(...page.map((row) => String(row.RID)));
    }
    expect(facts.images).toHaveLength(310);
    expect(pages).toEqual([64, 64, 64, 64, 54]);
    expect(rids).toEqual(facts.images.map((image) => image.rid).sort());

    const csv = (
      await client.csv('entity', { table: { schema: domain, table: 'Image_Quality' }, sort: ['RID'] })
    ).toString('utf8');
    expect(csv.split('\n')[0]).toBe('RID,RCT,RMT,RCB,RMB,ID,URI,Name,Description,Synonyms');
    // A text[] with two synonyms is one quoted CSV field.
    expect(csv).toMatch(/,Blurry,"Readable, but the strokes are smeared\.","\{Out_of_focus,Smudged\}"\n/);
    const csvPages: string[] = [];
    for await (const page of client.csvPages(
      'entity',
      { table: { schema: domain, table: 'Digit' }, sort: ['RID'] },
      { pageSize: 4 },
    ))
      csvPages.push(page.toString('utf8'));
    expect(csvPages.map((page) => page.trim().split('\n').length - 1)).toEqual([4, 4, 2]);

    const groups = await client.attributeGroups({
      table: digitFeature,
      columns: ['Execution'],
      values: [{ as: 'n', aggregate: 'cnt', column: '*' }],
      sort: ['Execution'],
    });
    const { A, B, model } = facts.executions;
    expect(groups).toEqual(
      [
        { Execution: A, n: facts.design.digit.annotatorA },
        { Execution: B, n: facts.design.digit.annotatorB },
        { Execution: model, n: facts.design.images },
      ].sort((a, b) => a.Execution.localeCompare(b.Execution)),
    );
  });

  it('inserts, leases RIDs, updates and deletes', async () => {
    const [inserted] = await client.insert(subject, [{ Name: 'client-insert', Age: 30, RID: 'IGNORED' }]);
    expect(inserted!.Name).toBe('client-insert');
    expect(inserted!.RID).not.toBe('IGNORED');

    const leased = await client.leaseRids(3);
    expect(new Set(leased).size).toBe(3);
    const rows = leased.map((RID, index) => ({ RID, Name: `leased-${index}`, Age: null }));
    expect(
      (
        await client.insert(subject, rows, { nondefaults: ['RID'], onConflictSkip: true, idempotent: true })
      ).map((row) => row.RID),
    ).toEqual(leased);
    expect(
      await client.insert(subject, rows, { nondefaults: ['RID'], onConflictSkip: true, idempotent: true }),
    ).toEqual([]);

    const updated = await client.update(subject, ['RID'], ['Age'], [{ RID: leased[0]!, Age: 33 }]);
    expect(updated).toEqual([{ RID: leased[0], Age: 33 }]);
    expect((await client.entities({ table: subject, path: [eq('RID', leased[0]!)] }))[0]!.Age).toBe(33);

    await client.deleteEntity(subject, [anyOf('RID', [...leased, String(inserted!.RID)])]);
    expect(await client.entities({ table: subject, path: [anyOf('RID', leased)] })).toEqual([]);
    await expect(client.deleteEntity(subject, [])).rejects.toThrow(/give at least one filter/);
  });

  it('names conflicts by their cause', async () => {
    const labeledByA = Object.keys(facts.digit.A)[0]!;
    const unlabeledByA = facts.images.find((image) => !(image.rid in facts.digit.A))!.rid;
    const base = {
      Execution: facts.executions.A,
      Image: labeledByA,
      Feature_Name: 'Digit',
      Confidence: null,
    };
    // One value per image and execution: (Execution, Image, Feature_Name) is a key.
    expect((await caught(client.insert(digitFeature, [{ ...base, Digit: '1' }]))).conflict).toBe('duplicate');
    expect(
      (await caught(client.insert(digitFeature, [{ ...base, Image: unlabeledByA, Digit: 'Eleven' }])))
        .conflict,
    ).toBe('foreign-key');
    const notNull = await caught(
      client.insert(digitFeature, [
        { Execution: facts.executions.A, Image: unlabeledByA, Feature_Name: 'Digit' },
      ]),
    );
    expect(notNull).toMatchObject({ kind: 'conflict', conflict: 'not-null', status: 409 });
    expect(notNull.message).toMatch(
      new RegExp(
        `^The server refused POST /ermrest/catalog/1/entity/${domain}:Execution_Image_Digit\\?defaults=RID,RCT,RMT,RCB,RMB because a required value is missing \\(409\\)`,
      ),
    );
    const unknownTable = await caught(client.entities({ table: { schema: domain, table: 'Nope' } }));
    expect(unknownTable.kind).toBe('conflict');
    expect((await caught(client.entities({ table: subject, path: [eq('Age', 'forty')] }))).kind).toBe(
      'bad-request',
    );
  });

  it('refuses writes through a snapshot client before sending them', async () => {
    const pinned = client.at((await client.catalogInfo()).snaptime);
    const before = standIn.requests.length;
    const error = await caught(pinned.insert(subject, [{ Name: 'x' }]));
    expect(error.kind).toBe('forbidden');
    expect(error.message).toMatch(
      new RegExp(
        `^Cannot insert into ${domain}:Subject through a client pinned to snapshot \\S+; snapshots are read-only\\.$`,
      ),
    );
    expect(standIn.requests.length).toBe(before);
  });

  it('retries a 5xx burst on reads and on idempotent inserts, never on plain ones', async () => {
    standIn.failNext({
      method: 'GET',
      pathPrefix: `/ermrest/catalog/1/entity/${domain}:Subject`,
      status: 503,
      times: 3,
    });
    expect(
      (await client.entities({ table: subject, path: [eq('Name', facts.subjects[0]!.name)] })).length,
    ).toBe(1);
    standIn.failNext({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${domain}:Subject`,
      status: 503,
      times: 1,
    });
    expect((await caught(client.insert(subject, [{ Name: 'not-retried' }]))).kind).toBe('server');
    expect(await client.entities({ table: subject, path: [eq('Name', 'not-retried')] })).toEqual([]);
    const [rid] = await client.leaseRids(1);
    standIn.failNext({
      method: 'POST',
      pathPrefix: `/ermrest/catalog/1/entity/${domain}:Subject`,
      status: 502,
      times: 2,
    });
    expect(
      await client.insert(subject, [{ RID: rid!, Name: 'retried' }], {
        nondefaults: ['RID'],
        onConflictSkip: true,
        idempotent: true,
      }),
    ).toHaveLength(1);
    await client.deleteEntity(subject, [eq('RID', rid!)]);
  });
  it('retries the RID lease on 5xx and on a lost answer, with fresh tokens each time', async () => {
    const lease = '/ermrest/catalog/1/entity/public:ERMrest_RID_Lease';
    standIn.failNext({ method: 'POST', pathPrefix: lease, status: 503, times: 2 });
    const lost = standIn.hold({ method: 'POST', pathPrefix: lease, at: 'answer' });
    const before = standIn.requests.length;
    const leasing = client.leaseRids(3);
    // The server leases, but the answer never arrives.
    (await lost).cut();
    const rids = await leasing;
    expect(new Set(rids).size).toBe(3);
    const attempts = standIn.requests.slice(before).filter((request) => request.path === lease);
    expect(attempts.map((request) => [request.status, request.delivered])).toEqual([
      [503, true],
      [503, true],
      [200, false],
      [200, true],
    ]);
    const tokens = (request: { body?: string }) =>
      (JSON.parse(request.body!) as { ID: string }[]).map((row) => row.ID);
    expect(tokens(attempts[2]!)).toHaveLength(3);
    expect(tokens(attempts[3]!).filter((token) => tokens(attempts[2]!).includes(token))).toEqual([]);
    // The leased RIDs are usable: a non-owner may claim only RIDs leased to someone.
    const inserted = await client.insert(
      subject,
      rids.map((RID, index) => ({ RID, Name: `lease-retry-${index}` })),
      { nondefaults: ['RID'] },
    );
    expect(inserted.map((row) => row.RID)).toEqual(rids);
    await client.deleteEntity(subject, [anyOf('RID', rids)]);
  });
});

describe('Hatrac through the client', () => {
  const bytes = Buffer.from('hello hatrac\n');
  const md5 = crypto.createHash('md5').update(bytes).digest();

  it('puts an object with Content-MD5, heads it, and skips an identical upload', async () => {
    const target = hatracPath('Satchel_Test', `${md5.toString('hex')}.hello world (1).txt`);
    const versioned = await client.hatrac.putObject(target, bytes, {
      contentType: 'text/plain',
      filename: 'hello world (1).txt',
    });
    expect(versioned.startsWith(`${target}:`)).toBe(true);
    const head = await client.hatrac.headObject(target);
    expect(head).toMatchObject({ size: bytes.length, md5: md5.toString('base64'), versionedPath: versioned });
    expect(base64ToHex(head!.md5!)).toBe(md5.toString('hex'));
    const before = standIn.requests.length;
    expect(await client.hatrac.putObject(target, bytes, { skipIfPresent: true })).toBe(versioned);
    expect(standIn.requests.slice(before).map((request) => request.method)).toEqual(['HEAD']);
    expect(await client.hatrac.headObject(hatracPath('Satchel_Test', 'absent.txt'))).toBeNull();
  });

  it('uploads a file in chunks and resumes an interrupted job', async () => {
    const file = path.join(scratch.dir, 'big.bin');
    const content = crypto.randomBytes(300_000);
    fs.writeFileSync(file, content);
    const target = hatracPath('Satchel_Test', 'big.bin');
    const jobs: UploadJobState[] = [];
    const controller = new AbortController();
    const interrupted = client.hatrac.putObject(
      target,
      { file },
      {
        chunkThreshold: 100_000,
        chunkSize: 65_536,
        signal: controller.signal,
        onJob: (job) => {
          jobs.push(job);
          if (job.nextChunk === 2) controller.abort();
        },
      },
    );
    expect((await caught(interrupted)).kind).toBe('cancelled');
    const saved = jobs[jobs.length - 1]!;
    expect(saved).toMatchObject({ chunkLength: 65_536, contentLength: 300_000, nextChunk: 2 });
    expect(saved.jobPath).toMatch(/^\/hatrac\/Satchel_Test\/big\.bin;upload\/\S+$/);

    const before = standIn.requests.length;
    const versioned = await client.hatrac.putObject(
      target,
      { file },
      { chunkThreshold: 100_000, chunkSize: 65_536, resume: saved },
    );
    const sent = standIn.requests
      .slice(before)
      .filter((request) => request.method === 'PUT')
      .map((request) => request.path.split('/').pop());
    expect(sent).toEqual(['2', '3', '4']);
    expect(versioned).toBe(`${target}:${saved.jobPath.split('/').pop()}`);

    const part = path.join(scratch.dir, 'big.part');
    const got = await client.hatrac.downloadToPart(versioned, part);
    expect(got.bytes).toBe(300_000);
    expect(got.md5Hex).toBe(crypto.createHash('md5').update(content).digest('hex'));
    expect(fs.readFileSync(part).equals(content)).toBe(true);
  });

  it('uploads an empty file through a job with no chunks, as deriva-py does', async () => {
    const file = path.join(scratch.dir, 'empty.txt');
    fs.writeFileSync(file, '');
    const target = hatracPath('Satchel_Test', 'empty.txt');
    const versioned = await client.hatrac.putObject(target, { file });
    expect(versioned.startsWith(`${target}:`)).toBe(true);
    expect(await client.hatrac.headObject(target)).toMatchObject({
      size: 0,
      md5: '1B2M2Y8AsgTpgAmY7PhCfg==',
    });
  });

  it('creates namespaces once and tells existing ones apart', async () => {
    expect(await client.hatrac.createNamespace('/hatrac/Satchel_NS/inner')).toBe('created');
    expect(await client.hatrac.createNamespace('/hatrac/Satchel_NS/inner')).toBe('exists');
  });

  it('reports Hatrac refusals as sentences', async () => {
    const reader = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
      credential: { kind: 'cookie', value: standIn.login('testuser') },
      retry: fast,
    });
    const forbidden = await caught(reader.hatrac.putObject(hatracPath('Satchel_Test', 'nope.txt'), bytes));
    expect(forbidden.kind).toBe('forbidden');
    expect(forbidden.message).toMatch(
      /^Your account is not allowed to do PUT \/hatrac\/Satchel_Test\/nope\.txt\?parents=true \(403\)/,
    );
    const anonymous = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, { retry: fast });
    const existing = hatracPath('Satchel_Test', `${md5.toString('hex')}.hello world (1).txt`);
    expect((await caught(anonymous.hatrac.headObject(existing))).kind).toBe('auth-required');
    expect(
      (await caught(reader.hatrac.downloadToPart(existing, path.join(scratch.dir, 'denied.part')))).kind,
    ).toBe('forbidden');
  });
});

describe('webauthn through the client', () => {
  it('logs in with a password, reads the session, and logs out', async () => {
    const credential = await login(standIn.origin, 'testuser', 'testuser');
    expect(credential.kind).toBe('cookie');
    expect(credential.value).toMatch(/^webauthn=\S+$/);
    const session = await new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, { credential }).session();
    expect(session?.client.id).toBe('testuser');
    const signedIn = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, { credential });
    await logout(signedIn.http);
    expect(await signedIn.session()).toBeNull();
    expect(await new CatalogClient(`${standIn.origin}/ermrest/catalog/1`).session()).toBeNull();
  });

  it('refuses a wrong password with a sentence', async () => {
    const error = await caught(login(standIn.origin, 'testuser', 'wrong'));
    expect(error.kind).toBe('auth-required');
    expect(error.message).toBe(
      `127.0.0.1:${new URL(standIn.origin).port} did not accept the user name or password for testuser.`,
    );
  });

  it('presents a bearer token', async () => {
    const robot = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
      credential: { kind: 'bearer', value: 'robot-token' },
    });
    expect((await robot.catalogInfo()).id).toBe('1');
    expect((await robot.session())?.client.id).toBe('testuser');
  });
});
