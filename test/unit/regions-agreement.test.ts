import { describe, expect, it } from 'vitest';
import {
  compareImage,
  intersectionOverUnion,
  maximumWeightMatching,
  regionAgreement,
  type RaterDrawings,
} from '../../main/core/regions/index.js';
import { regionBounds, type Region } from '../../shared/regions.js';

/** A box from x0 to x1, y 0 to 10: the IoU of two such boxes is that of their x intervals. */
function band(x0: number, x1: number, label: string | null = null): Region {
  return {
    kind: 'rectangle',
    points: [
      [x0, 0],
      [x1, 10],
    ],
    label,
  };
}

describe('IoU', () => {
  it('is intersection over union of the boxes, 0 apart, 1 for the same box', () => {
    const box = (x0: number, y0: number, x1: number, y1: number) => ({ x0, y0, x1, y1 });
    // 5×5 overlap of two 10×10 boxes: 25 / (100 + 100 − 25).
    expect(intersectionOverUnion(box(0, 0, 10, 10), box(5, 5, 15, 15))).toBe(25 / 175);
    expect(intersectionOverUnion(box(0, 0, 10, 10), box(20, 0, 30, 10))).toBe(0);
    expect(intersectionOverUnion(box(0, 0, 10, 10), box(0, 0, 10, 10))).toBe(1);
    expect(intersectionOverUnion(box(3, 3, 3, 3), box(3, 3, 3, 3))).toBe(0);
  });

  it('takes the box of a polygon and of a circle (centre and a rim point)', () => {
    expect(
      regionBounds({
        kind: 'polygon',
        points: [
          [4, 1],
          [9, 6],
          [2, 8],
        ],
      }),
    ).toEqual({ x0: 2, y0: 1, x1: 9, y1: 8 });
    expect(
      regionBounds({
        kind: 'circle',
        points: [
          [10, 10],
          [13, 14],
        ],
      }),
    ).toEqual({ x0: 5, y0: 5, x1: 15, y1: 15 });
  });
});

describe('maximum weight matching', () => {
  it('finds the pairing with the largest total where highest-first would not', () => {
    // Greedy takes (0, 1) = 0.9 and is left with 0.1; the optimum is 0.8 + 0.7.
    expect(
      maximumWeightMatching([
        [0.8, 0.9],
        [0, 0.7],
      ]),
    ).toEqual([0, 1]);
  });

  it('handles more rows than columns, more columns than rows, and zero weights as no pair', () => {
    expect(maximumWeightMatching([[0.5], [0.6], [0.2]])).toEqual([-1, 0, -1]);
    expect(maximumWeightMatching([[0.1, 0.3, 0]])).toEqual([1]);
    expect(maximumWeightMatching([[0, 0]])).toEqual([-1]);
    expect(maximumWeightMatching([])).toEqual([]);
  });
});

describe('region agreement on a hand-computed case', () => {
  // Image I1. A: A1 = [0,10], A2 = [4,14], A3 = [50,60]. B: B1 = [0,6], B2 = [1,11], and a point.
  // IoU(A1,B1) = 6/10, IoU(A1,B2) = 9/11, IoU(A2,B2) = 7/13, IoU(A2,B1) = 2/14 (< 0.5), A3 meets nothing.
  // Highest-first would pair A1–B2 (9/11) and leave A2 and B1 alone; the optimum pairs A1–B1 and A2–B2
  // (6/10 + 7/13 > 9/11). A2 is labeled 5 and B2 6: one label mismatch.
  const imageOneA = [band(0, 10, '3'), band(4, 14, '5'), band(50, 60, '1')];
  const imageOneB: Region[] = [
    band(0, 6, '3'),
    band(1, 11, '6'),
    { kind: 'point', points: [[2, 2]], label: '3' },
  ];
  // Image I2: the same box, drawn by B as a polygon: IoU 1.
  const imageTwoA = [band(20, 30, '1')];
  const imageTwoB: Region[] = [
    {
      kind: 'polygon',
      points: [
        [20, 0],
        [30, 0],
        [30, 10],
        [20, 10],
      ],
      label: '1',
    },
  ];

  it('compares one image exactly', () => {
    const comparison = compareImage('I1', imageOneA, imageOneB);
    expect(comparison).toEqual({
      target: 'I1',
      matched: 2,
      unmatchedA: 1,
      unmatchedB: 0,
      labelMismatches: 1,
      meanIoU: (6 / 10 + 7 / 13) / 2,
      notComparedA: 0,
      notComparedB: 1,
      // 1 unmatched + 1 label mismatch + (1 − 6/10) + (1 − 7/13) = 186/65.
      difference: expect.closeTo(186 / 65, 12) as number,
    });
    expect(comparison.meanIoU).toBeCloseTo(37 / 65, 12);
  });

  it('sums the images, averages IoU over every matched pair and queues the most different first', () => {
    const a: RaterDrawings = new Map([
      ['I1', imageOneA],
      ['I2', imageTwoA],
      ['I3', [band(0, 5, '2')]],
    ]);
    const b: RaterDrawings = new Map([
      ['I1', imageOneB],
      ['I2', imageTwoB],
    ]);
    const report = regionAgreement(
      new Map([
        ['A', { label: 'Annotator A', drawings: a }],
        ['B', { label: 'Annotator B', drawings: b }],
      ]),
      null,
    );
    expect(report).toMatchObject({
      threshold: 0.5,
      pair: ['A', 'B'],
      raters: [
        { id: 'A', label: 'Annotator A', images: 3, regions: 5 },
        { id: 'B', label: 'Annotator B', images: 2, regions: 4 },
      ],
      images: 2,
      onlyA: 1,
      onlyB: 0,
      matched: 3,
      unmatchedA: 1,
      unmatchedB: 0,
      labelMismatches: 1,
    });
    // (6/10 + 7/13 + 1) / 3 = 139/195.
    expect(report.meanIoU).toBeCloseTo(139 / 195, 12);
    expect(report.queue.map((entry) => entry.target)).toEqual(['I1', 'I2']);
    expect(report.queue[1]).toMatchObject({ matched: 1, meanIoU: 1, difference: 0, labelMismatches: 0 });
  });

  it('matches nothing below the threshold and nothing when a rater is missing', () => {
    const strict = compareImage('I1', imageOneA, imageOneB, 0.65);
    // Only A1–B2 (9/11 ≈ 0.818) reaches 0.65.
    expect(strict).toMatchObject({ matched: 1, unmatchedA: 2, unmatchedB: 1, meanIoU: 9 / 11 });
    const alone = regionAgreement(
      new Map([['A', { label: 'A', drawings: new Map([['I1', imageOneA]]) }]]),
      null,
    );
    expect(alone).toMatchObject({ pair: null, images: 0, meanIoU: null, queue: [] });
  });
});
