/** Figure (c): latency of random 100-row pages of the root dataset's Image members (recursive). */
import Database from 'better-sqlite3';
import { openBag } from '../main/core/bag/index.js';
import { importMeasurements, satchelImport } from './bag-import.js';
import { latencyFigure, percentile, syntheticBag, type BenchContext, type Figure } from './context.js';
import { peerTableName } from './peers.js';
import { DOMAIN_SCHEMA, FEATURE_ID, FEATURE_NAME } from './synthetic/model.js';
import { SeededRandom } from './synthetic/random.js';

const PAGE_ROWS = 100;
const WARM_UP = 50;
const SAMPLES = 500;
const P95_GOAL_MS = 5;
const PEER = 'better-sqlite3 SELECT LIMIT/OFFSET';

interface MembersPage {
  rows: readonly unknown[];
  total: number;
}

/** Page offsets spread uniformly over the whole member range (same list for Satchel and the peer). */
function randomOffsets(total: number, count: number): number[] {
  const random = new SeededRandom(4242);
  const last = Math.max(0, total - PAGE_ROWS);
  return Array.from({ length: count }, () => random.int(last + 1));
}

/** Milliseconds per call of `page(offset)` over `offsets`, after an untimed warm-up. */
function sampleLatencies(offsets: readonly number[], page: (offset: number) => void): number[] {
  for (const offset of offsets.slice(0, WARM_UP)) page(offset);
  return offsets.slice(WARM_UP).map((offset) => {
    const started = performance.now();
    page(offset);
    return performance.now() - started;
  });
}

interface SatchelSamples {
  times: number[];
  total: number;
  offsets: number[];
}

async function satchelLatencies(context: BenchContext): Promise<SatchelSamples> {
  const bag = await syntheticBag(context);
  const { workspace } = await satchelImport(context);
  const opened = await openBag(bag.bagDir, { workspace });
  try {
    const query = { elementType: 'Image', recurse: true, limit: PAGE_ROWS };
    const first: MembersPage = opened.members(bag.rid, { ...query, offset: 0 });
    const offsets = randomOffsets(first.total, WARM_UP + SAMPLES);
    const times = sampleLatencies(offsets, (offset) => {
      const page: MembersPage = opened.members(bag.rid, { ...query, offset });
      if (page.rows.length !== Math.min(PAGE_ROWS, first.total - offset)) {
        throw new Error(`members() returned ${page.rows.length} rows at offset ${offset} of ${first.total}`);
      }
    });
    return { times, total: first.total, offsets };
  } finally {
    opened.close();
  }
}

const FACET_WARM_UP = 2;
const FACET_SAMPLES = 10;

/**
 * Milliseconds for the filterable grid's counts (every facet of Image, GROUP BY in the bag database):
 * unfiltered, and with a digit and the disagreement filter on (each facet then counts over the others).
 */
async function facetLatencies(context: BenchContext): Promise<{ unfiltered: number[]; filtered: number[] }> {
  const bag = await syntheticBag(context);
  const { workspace } = await satchelImport(context);
  const opened = await openBag(bag.bagDir, { workspace });
  try {
    const time = (where: Parameters<typeof opened.memberFacets>[1]['where']) => {
      const request = { elementType: 'Image', recurse: true, where };
      for (let i = 0; i < FACET_WARM_UP; i++) opened.memberFacets(bag.rid, request);
      return Array.from({ length: FACET_SAMPLES }, () => {
        const started = performance.now();
        opened.memberFacets(bag.rid, request);
        return performance.now() - started;
      });
    };
    return {
      unfiltered: time([]),
      filtered: time([
        { kind: 'value', feature: FEATURE_ID, column: FEATURE_NAME, value: '3' },
        { kind: 'disagreement', feature: FEATURE_ID },
      ]),
    };
  } finally {
    opened.close();
  }
}

/** The peer reads the same page positions from the sqlite3-imported Image table (no membership join, no index). */
async function peerLatencies(context: BenchContext, offsets: readonly number[]): Promise<number[] | null> {
  const { plainDatabase } = await importMeasurements(context);
  if (!plainDatabase) return null;
  const db = new Database(plainDatabase, { readonly: true });
  try {
    const statement = db.prepare(`SELECT * FROM "${peerTableName(DOMAIN_SCHEMA, 'Image')}" LIMIT ? OFFSET ?`);
    return sampleLatencies(offsets, (offset) => {
      statement.all(PAGE_ROWS, offset);
    });
  } finally {
    db.close();
  }
}

export async function run(context: BenchContext): Promise<Figure[]> {
  const bag = await syntheticBag(context);
  const satchel = await satchelLatencies(context);
  context.log(`members-page: ${SAMPLES} Satchel samples over ${satchel.total} members`);
  const peer = await peerLatencies(context, satchel.offsets);
  const notes = [
    `${SAMPLES} random pages of ${PAGE_ROWS} after ${WARM_UP} warm-up; peer reads the sqlite3 CLI-imported Image table`,
  ];
  if (satchel.total !== bag.imageRids.length)
    notes.push(`members total ${satchel.total}, expected ${bag.imageRids.length}`);
  if (!peer) notes.push('no peer: sqlite3 CLI not installed');
  const note = notes.join('; ');
  const figure = (p: number, maxMs?: number): Figure =>
    latencyFigure({
      name: `members-page.p${Math.round(p * 100)}`,
      value: percentile(satchel.times, p),
      peer: PEER,
      peerValue: peer ? percentile(peer, p) : null,
      ...(maxMs === undefined ? {} : { maxMs }),
      note,
    });
  const facets = await facetLatencies(context);
  const facetFigure = (name: string, times: number[]): Figure =>
    latencyFigure({
      name,
      value: percentile(times, 0.5),
      peer: 'none',
      peerValue: null,
      note: `${FACET_SAMPLES} runs of every Image facet's counts over ${satchel.total} members after ${FACET_WARM_UP} warm-up`,
    });
  return [
    figure(0.5),
    figure(0.95, P95_GOAL_MS),
    facetFigure('members-facets.p50', facets.unfiltered),
    facetFigure('members-facets-filtered.p50', facets.filtered),
  ];
}
