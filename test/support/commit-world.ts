// Shared ground for the commit tests: the sample world served by the stand-in, labelers for its three
// feature shapes, and readings of the stand-in's request log and rows.
import type { Bag } from '../../main/core/bag/index.js';
import { CatalogClient, eq, type Row } from '../../main/core/catalog/index.js';
import { LabelingSession, type LabelStore } from '../../main/core/labels/index.js';
import { buildWorld, type World } from '../../main/core/sample/index.js';
import { seedWorld, startStandIn, type RequestRecord, type StandIn } from '../stand-in/index.js';
import type { WorldFacts } from './generated/index.js';

let world: Promise<World> | undefined;

/**
 * The sample world's catalog on a fresh stand-in (the world itself is built once per test file);
 * `legacy`: with the deriva-ml schema of deriva-ml 1.24.
 */
export async function startWorldStandIn(options: { legacy?: boolean } = {}): Promise<StandIn> {
  world ??= buildWorld();
  const built = await world;
  return startStandIn({
    seed: (standIn) => seedWorld(standIn, { world: built, legacy: options.legacy }).then(() => undefined),
  });
}

export const catalogUrl = (standIn: StandIn): string => `${standIn.origin}/ermrest/catalog/1`;

export function clientAs(standIn: StandIn, user: string | null): CatalogClient {
  return new CatalogClient(catalogUrl(standIn), {
    credential: user ? { kind: 'cookie', value: standIn.login(user) } : null,
    retry: { baseDelayMs: 1, maxDelayMs: 5, random: () => 0 },
  });
}

/** A labeler per feature shape of the world: a term with a value, two terms, a feature on Subject. */
export function labelers(bag: Bag, store: LabelStore) {
  return {
    digit: new LabelingSession(bag, store, 'Image/Digit'),
    quality: new LabelingSession(bag, store, 'Image/Quality'),
    hand: new LabelingSession(bag, store, 'Subject/Handedness'),
  };
}

export type Labelers = ReturnType<typeof labelers>;

export function label(
  session: LabelingSession,
  targets: string[],
  values: Record<string, string | number | null>,
  author = 'ann',
): void {
  session.store.set(session.scope, session.shape, targets, values, author);
}

/** Image RIDs of the world at 1.0.0, in RID order. */
export function imagesAt100(facts: WorldFacts): string[] {
  return facts.images
    .filter((image) => image.release === '1.0.0')
    .map((image) => image.rid)
    .sort();
}

/** Subject RIDs of the world at 1.0.0, in RID order. */
export function subjectsAt100(facts: WorldFacts): string[] {
  return facts.subjects
    .filter((subject) => subject.release === '1.0.0')
    .map((subject) => subject.rid)
    .sort();
}

/**
 * Writes that repeat one the catalog had acknowledged (same method, path and body, after a delivered
 * 2xx answer). A commit must never send one: its journal records every answered step.
 */
export function repeatedAcknowledged(requests: readonly RequestRecord[]): RequestRecord[] {
  const acknowledged = new Set<string>();
  const repeats: RequestRecord[] = [];
  for (const request of requests) {
    if (request.method === 'GET' || request.method === 'HEAD') continue;
    const key = `${request.method} ${request.path} ${request.body ?? ''}`;
    if (acknowledged.has(key)) repeats.push(request);
    if (request.delivered && typeof request.status === 'number' && request.status < 400)
      acknowledged.add(key);
  }
  return repeats;
}

/** Feature-row inserts in the log: the table and the RIDs each carried. */
export function featureBatches(
  requests: readonly RequestRecord[],
  domain: string,
): { table: string; rids: string[]; request: RequestRecord }[] {
  const prefix = `/ermrest/catalog/1/entity/${domain}:`;
  return requests
    .filter((request) => request.method === 'POST' && request.path.startsWith(prefix) && request.body)
    .map((request) => ({
      table: request.path.slice(prefix.length).split('?')[0]!,
      rids: (JSON.parse(request.body!) as { RID: string }[]).map((row) => row.RID),
      request,
    }));
}

export async function rowsOf(
  client: CatalogClient,
  table: string,
  ...filters: [string, string][]
): Promise<Row[]> {
  const [schema, name] = table.split(':') as [string, string];
  return client.entities({
    table: { schema, table: name },
    path: filters.map(([column, value]) => eq(column, value)),
  });
}

/** A column's value in every version a row has had in the stand-in, oldest first. */
export function historyOf(standIn: StandIn, table: string, rid: string, column: string): unknown[] {
  return standIn
    .catalog('1')
    .rowHistory(table, rid)
    .map((version) => version.values[column]);
}
