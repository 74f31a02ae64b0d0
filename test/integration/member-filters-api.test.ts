/**
 * The filterable grid (issue 12, item 7) through the API on the generated sample bag: counts per value
 * of every facet computed in the bag database, filters that compose (OR within a facet, AND across
 * facets), pages of filtered members, and a filtered view turned into a work queue. Every expected
 * number is computed from the world's facts.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemberFilter } from '../../shared/bag.js';
import type { ApiResult, Channel, RequestOf, ResponseOf } from '../../shared/contract.js';
import { createApi, type Api } from '../../main/core/api/index.js';
import { generatedBags } from '../support/bags.js';
import { temporaryDirectory } from '../support/fixtures.js';

const DIGIT = 'Image/Digit';
const QUALITY = 'Image/Quality';
const bags = generatedBags();
const { facts } = bags;
const scratch = temporaryDirectory('satchel-filters-api-');
let api: Api;
let bagId: string;
const images = facts.images.filter((image) => image.release === '1.0.0');
const inBag = new Set(images.map((image) => image.rid));
const members = { datasetRid: facts.rid, elementType: 'Image', recurse: true };

async function call<C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> {
  const result = (await api.handle(channel, request)) as ApiResult<C>;
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

/** Images labeled `digit` by any execution. */
function labeledDigit(digit: string): Set<string> {
  return new Set(
    images
      .map((image) => image.rid)
      .filter(
        (rid) =>
          facts.digit.A[rid] === digit ||
          facts.digit.B[rid] === digit ||
          facts.digit.model[rid]?.digit === digit,
      ),
  );
}

/** Images whose executions' digits differ. */
function digitDisagreements(): Set<string> {
  return new Set(
    images
      .map((image) => image.rid)
      .filter((rid) => {
        const labels = [facts.digit.A[rid], facts.digit.B[rid], facts.digit.model[rid]?.digit];
        return new Set(labels.filter((label) => label !== undefined)).size > 1;
      }),
  );
}

/** Images given any Image feature value by an execution. */
function ratedBy(rater: 'A' | 'B'): Set<string> {
  return new Set(
    [
      ...Object.keys(facts.digit[rater]),
      ...Object.keys(facts.quality[rater]),
      ...Object.keys(facts.regions[rater]),
    ].filter((rid) => inBag.has(rid)),
  );
}

async function filteredRids(where: MemberFilter[]): Promise<string[]> {
  const page = await call('bag:members', { bagId, ...members, where, limit: 5000 });
  expect(page.rows.length).toBe(page.total);
  return page.rows.map((row) => String(row.RID));
}

beforeAll(async () => {
  api = createApi({
    workspace: path.join(scratch.dir, 'workspace'),
    homeDir: path.join(scratch.dir, 'home'),
  });
  bagId = (await call('bag:open', { path: bags.formatB })).bagId;
});

afterAll(async () => {
  await api.close();
  scratch.cleanup();
});

describe('facet counts', () => {
  it('counts members per digit, rater, disagreement, confidence and Quality term, as the world holds them', async () => {
    const counts = await call('bag:facets', { bagId, ...members });
    expect(counts.members).toBe(images.length);
    expect(counts.total).toBe(images.length);

    const digits = counts.values.find((entry) => entry.feature === DIGIT && entry.column === 'Digit')!;
    const expectedDigits = [...new Set(images.map((image) => image.digit))]
      .map((digit) => ({ value: digit, count: labeledDigit(digit).size }))
      .filter((entry) => entry.count > 0)
      .sort((a, b) => a.value.localeCompare(b.value));
    expect(digits.counts).toEqual(expectedDigits);

    const quality = counts.values.find(
      (entry) => entry.feature === QUALITY && entry.column === 'Image_Quality',
    )!;
    const qualityTerms = new Map<string, Set<string>>();
    for (const rater of ['A', 'B'] as const)
      for (const [rid, [term]] of Object.entries(facts.quality[rater]))
        if (inBag.has(rid)) qualityTerms.set(term, (qualityTerms.get(term) ?? new Set()).add(rid));
    expect(quality.counts).toEqual(
      [...qualityTerms]
        .map(([value, rids]) => ({ value, count: rids.size }))
        .sort((a, b) => a.value.localeCompare(b.value)),
    );

    expect(counts.raters).toEqual(
      [
        { execution: facts.executions.A, count: ratedBy('A').size },
        { execution: facts.executions.B, count: ratedBy('B').size },
        {
          execution: facts.executions.model,
          count: Object.keys(facts.digit.model).filter((rid) => inBag.has(rid)).length,
        },
      ].sort((a, b) => a.execution.localeCompare(b.execution)),
    );
    expect(counts.disagreements.find((entry) => entry.feature === DIGIT)?.count).toBe(
      digitDisagreements().size,
    );
    // At least the annotators' own disagreements are among them.
    expect(digitDisagreements().size).toBeGreaterThanOrEqual(facts.disagreements.length);

    const confidences = Object.entries(facts.digit.model)
      .filter(([rid]) => inBag.has(rid))
      .map(([, entry]) => entry.confidence);
    const confidence = counts.ranges.find(
      (entry) => entry.feature === DIGIT && entry.column === 'Confidence',
    )!;
    expect(confidence.count).toBe(confidences.length);
    expect(confidence.min).toBeCloseTo(Math.min(...confidences), 5);
    expect(confidence.max).toBeCloseTo(Math.max(...confidences), 5);
    expect(counts.column).toBeNull();
  });

  it('counts a member column on request: file names containing "_" and the distinct subjects', async () => {
    const counts = await call('bag:facets', { bagId, ...members, column: 'Subject' });
    const perSubject = new Map<string, number>();
    for (const image of images) perSubject.set(image.subject, (perSubject.get(image.subject) ?? 0) + 1);
    expect(counts.column?.distinct).toBe(perSubject.size);
    expect(counts.column?.counts.reduce((sum, entry) => sum + entry.count, 0)).toBe(
      [...perSubject.values()]
        .sort((a, b) => b - a)
        .slice(0, 50)
        .reduce((sum, count) => sum + count, 0),
    );
    for (const entry of counts.column!.counts) expect(entry.count).toBe(perSubject.get(entry.value!));
  });
});

describe('filters that compose', () => {
  it('ORs values of one facet, ANDs facets, and counts each facet over the others', async () => {
    const [first, second] = [...new Set(images.map((image) => image.digit))].sort();
    const either = new Set([...labeledDigit(first!), ...labeledDigit(second!)]);
    const where: MemberFilter[] = [
      { kind: 'value', feature: DIGIT, column: 'Digit', value: first! },
      { kind: 'value', feature: DIGIT, column: 'Digit', value: second! },
    ];
    expect((await filteredRids(where)).sort()).toEqual([...either].sort());

    const disagreeing = digitDisagreements();
    const both = [...either].filter((rid) => disagreeing.has(rid)).sort();
    expect(both.length).toBeGreaterThan(0);
    const composed: MemberFilter[] = [...where, { kind: 'disagreement', feature: DIGIT }];
    expect((await filteredRids(composed)).sort()).toEqual(both);

    const counts = await call('bag:facets', { bagId, ...members, where: composed });
    expect(counts.total).toBe(both.length);
    // The digit facet is counted over the disagreeing images (its own filter left out)…
    const digits = counts.values.find((entry) => entry.feature === DIGIT && entry.column === 'Digit')!;
    expect(digits.counts.find((entry) => entry.value === first)?.count ?? 0).toBe(
      [...labeledDigit(first!)].filter((rid) => disagreeing.has(rid)).length,
    );
    // …and the disagreement facet over the images labeled with either digit.
    expect(counts.disagreements.find((entry) => entry.feature === DIGIT)?.count).toBe(both.length);
  });

  it('filters by rater, confidence range and file name, each narrowing the one before', async () => {
    const byA = ratedBy('A');
    expect((await filteredRids([{ kind: 'rater', execution: facts.executions.A }])).sort()).toEqual(
      images
        .map((image) => image.rid)
        .filter((rid) => byA.has(rid))
        .sort(),
    );

    const low = Object.entries(facts.digit.model)
      .filter(([rid, entry]) => inBag.has(rid) && entry.confidence <= 0.6)
      .map(([rid]) => rid);
    const range: MemberFilter = { kind: 'range', feature: DIGIT, column: 'Confidence', min: null, max: 0.6 };
    expect((await filteredRids([range])).sort()).toEqual(low.sort());

    const needle = images[0]!.filename.slice(0, 3).toLowerCase();
    const named = images
      .filter((image) => image.filename.toLowerCase().includes(needle))
      .map((image) => image.rid);
    const search: MemberFilter = { kind: 'column', column: 'Filename', contains: needle.toUpperCase() };
    expect((await filteredRids([search])).sort()).toEqual(named.sort());
    const counted = await call('bag:facets', { bagId, ...members, where: [range, search] });
    expect(counted.total).toBe(named.filter((rid) => low.includes(rid)).length);
    expect((await filteredRids([range, search])).sort()).toEqual(
      named.filter((rid) => low.includes(rid)).sort(),
    );
  });

  it('refuses a filter on a feature or column the element type does not have, in one sentence', async () => {
    const result = await api.handle('bag:facets', {
      bagId,
      ...members,
      where: [{ kind: 'value', feature: 'Image/Nothing', column: 'Digit', value: '1' }],
    });
    expect(result).toMatchObject({ ok: false, error: { kind: 'unknown-feature' } });
    if (!result.ok)
      expect(result.error.message).toBe(
        'Image has no feature Image/Nothing to filter by (it has Image/Digit, Image/Quality, Image/Region).',
      );
    const column = await api.handle('bag:members', {
      bagId,
      ...members,
      where: [{ kind: 'range', feature: DIGIT, column: 'Digit', min: 0, max: 1 }],
    });
    expect(column).toMatchObject({ ok: false, error: { kind: 'unknown-column' } });
  });
});

describe('a filtered view as a work queue', () => {
  it('queues exactly the filtered members, in member order', async () => {
    const where: MemberFilter[] = [
      { kind: 'disagreement', feature: DIGIT },
      { kind: 'rater', execution: facts.executions.model },
    ];
    const expected = await filteredRids(where);
    const disagreeing = digitDisagreements();
    expect(expected.sort()).toEqual(
      images
        .map((image) => image.rid)
        .filter((rid) => disagreeing.has(rid) && facts.digit.model[rid] !== undefined)
        .sort(),
    );
    const queue = await call('labels:queue', { bagId, feature: DIGIT, kind: 'filter', where });
    expect(queue.targets).toEqual(expected);
  });
});
