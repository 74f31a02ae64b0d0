/**
 * Commit throughput (issue 5): rows/s of `commitDrafts` for 10k feature records to the stand-in
 * catalog on 127.0.0.1, beside one bulk POST of the same rows to the same server (the floor: no
 * workflow, execution, leases, journal or batching).
 */
import fs from 'node:fs';
import path from 'node:path';
import { openBag } from '../main/core/bag/index.js';
import { CatalogClient } from '../main/core/catalog/index.js';
import { commitDrafts } from '../main/core/commit/index.js';
import { LabelingSession, LabelStore } from '../main/core/labels/index.js';
import { openWorkspaceDb } from '../main/core/workspace-db/index.js';
import { startStandIn } from '../test/stand-in/index.js';
import { seedCatalogFromBag } from '../test/support/catalog-seed.js';
import { throughputFigure, type BenchContext, type Figure } from './context.js';
import { writeSyntheticBag } from './synthetic-bag.js';
import {
  DOMAIN_SCHEMA,
  FEATURE_ID,
  FEATURE_NAME,
  FEATURE_TABLE,
  FEATURE_TERM_TABLE,
  termNames,
} from './synthetic/model.js';

const FULL_ROWS = 10_000;
const SMALL_ROWS = 1_000;
const TERMS = termNames(FEATURE_TERM_TABLE);
const FEATURE_TABLE_PATH = `${DOMAIN_SCHEMA}:${FEATURE_TABLE}`;

export async function run(context: BenchContext): Promise<Figure[]> {
  const rows = !context.scale.smoke ? FULL_ROWS : SMALL_ROWS;
  const dir = path.join(context.workDir, 'commit-throughput');
  fs.mkdirSync(dir, { recursive: true });
  context.log(`commit: a bag of ${rows} images with no labels`);
  const synthetic = await writeSyntheticBag(dir, { images: rows, featureRows: 0, jpegFiles: 1 });
  const workspace = path.join(dir, 'workspace');
  const bag = await openBag(synthetic.bagDir, { workspace });
  try {
    const satchel = await timedCommit(context, bag, workspace, rows);
    const peer = await timedBulkPost(context, bag, rows, { leased: false });
    const leasedPeer = await timedBulkPost(context, bag, rows, { leased: true });
    const value = rows / (satchel / 1000);
    const leasedPeerValue = rows / (leasedPeer / 1000);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    return [
      throughputFigure({
        name: 'commit.rows-per-second',
        value,
        unit: 'rows/s',
        peer: 'one bulk POST of the same rows',
        peerValue: rows / (peer / 1000),
        minRatio: 0.8,
        note: `${rows} ${FEATURE_NAME} records: Satchel's resumable commit ${seconds(satchel)} (workflow, execution, statuses, input edge, metadata file, RID leases, journal, batches of 500) vs ${seconds(peer)} for a single POST of the rows`,
      }),
      {
        name: 'commit.rows-per-second.leased-peer',
        value,
        unit: 'rows/s',
        peer: 'RID leases + one bulk POST',
        peerValue: leasedPeerValue,
        ratio: value / leasedPeerValue,
        goal: null,
        met: null,
        note: `the floor of a commit that can be resumed without duplicates: ${rows} RIDs leased in requests of 500, then one POST of every row with its leased RID (${seconds(leasedPeer)}), against the same stand-in; the rest of Satchel's ${seconds(satchel)} is its batches, journal and the execution's other steps`,
      },
    ];
  } finally {
    bag.close();
  }
}

async function timedCommit(
  context: BenchContext,
  bag: Awaited<ReturnType<typeof openBag>>,
  workspace: string,
  rows: number,
): Promise<number> {
  const standIn = await startStandIn({ seed: (server) => void seedCatalogFromBag(server, bag) });
  const db = openWorkspaceDb(workspace);
  try {
    const labeling = new LabelingSession(bag, new LabelStore(db), FEATURE_ID);
    const targets = labeling.targets();
    labeling.store.setEach(
      labeling.scope,
      labeling.shape,
      targets.map((target, index) => ({
        target,
        values: { [FEATURE_TERM_TABLE]: TERMS[index % TERMS.length]!, Confidence: 0.5 },
      })),
      'bench',
    );
    const client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
      credential: { kind: 'cookie', value: standIn.login('testadmin') },
    });
    context.log('commit: committing');
    const started = performance.now();
    const result = await commitDrafts({
      client,
      db,
      bag,
      store: labeling.store,
      appVersion: 'bench',
    });
    const elapsed = performance.now() - started;
    if (result.inserted[FEATURE_TABLE_PATH]?.length !== rows)
      throw new Error('the commit did not insert every row');
    return elapsed;
  } finally {
    db.close();
    await standIn.close();
  }
}

async function timedBulkPost(
  context: BenchContext,
  bag: Awaited<ReturnType<typeof openBag>>,
  rows: number,
  { leased }: { leased: boolean },
): Promise<number> {
  const standIn = await startStandIn({ seed: (server) => void seedCatalogFromBag(server, bag) });
  try {
    const cookie = standIn.login('testadmin');
    const client = new CatalogClient(`${standIn.origin}/ermrest/catalog/1`, {
      credential: { kind: 'cookie', value: cookie },
    });
    const execution = await client.insert({ schema: 'deriva-ml', table: 'Execution' }, [
      { Description: 'bench peer' },
    ]);
    const targets = bag.memberRids(bag.rid, 'Image', true);
    context.log(leased ? 'commit peer: RID leases + one bulk POST' : 'commit peer: one bulk POST');
    const started = performance.now();
    const rids = leased ? await client.leaseRids(targets.length) : null;
    const body = JSON.stringify(
      targets.map((target, index) => ({
        ...(rids ? { RID: rids[index] } : {}),
        Execution: execution[0]!.RID,
        Image: target,
        Feature_Name: FEATURE_NAME,
        [FEATURE_TERM_TABLE]: TERMS[index % TERMS.length],
        Confidence: 0.5,
      })),
    );
    const response = await fetch(
      `${standIn.origin}/ermrest/catalog/1/entity/${FEATURE_TABLE_PATH}?${leased ? 'nondefaults=RID&defaults=RCT,RMT,RCB,RMB' : 'defaults=RID,RCT,RMT,RCB,RMB'}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', cookie },
        body,
      },
    );
    await response.text();
    const elapsed = performance.now() - started;
    if (!response.ok) throw new Error(`the bulk POST answered ${response.status}`);
    if (targets.length !== rows) throw new Error('the peer did not send every row');
    return elapsed;
  } finally {
    await standIn.close();
  }
}
