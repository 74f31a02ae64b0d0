import { describe, expect, it } from 'vitest';
import type { FeatureDefinition } from '../../shared/bag.js';
import { parseCsv } from '../../renderer/src/components/viewer/csv.js';
import { groupFeatureValues } from '../../renderer/src/data/featureGroups.js';
import { fitView, resized, zoomAt } from '../../renderer/src/components/viewer/zoom.js';

describe('zoom and pan', () => {
  it('fits and centres the image on the stage', () => {
    expect(fitView({ width: 1000, height: 500 }, { width: 500, height: 500 })).toEqual({
      scale: 0.5,
      x: 0,
      y: 125,
    });
  });

  it('keeps the point under the cursor in place while zooming', () => {
    const view = { scale: 1, x: 10, y: 20 };
    const zoomed = zoomAt(view, 2, { x: 110, y: 70 });
    expect(zoomed.scale).toBe(2);
    // Image point (100, 50) was under the cursor before and is still there.
    expect(zoomed.x + 100 * zoomed.scale).toBe(110);
    expect(zoomed.y + 50 * zoomed.scale).toBe(70);
  });

  it('keeps the same picture on screen when the thumbnail is replaced by the larger original', () => {
    expect(
      resized({ scale: 2, x: 5, y: 6 }, { width: 250, height: 200 }, { width: 1000, height: 800 }),
    ).toEqual({
      scale: 0.5,
      x: 5,
      y: 6,
    });
  });
});

describe('CSV preview', () => {
  it('reads quoted fields, doubled quotes, CRLF and stops at the row limit', () => {
    const text = 'a,b\r\n"x, y","say ""hi"""\n"multi\nline",2\n3,4';
    expect(parseCsv(text, 10)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['multi\nline', '2'],
      ['3', '4'],
    ]);
    expect(parseCsv(text, 2)).toHaveLength(2);
    expect(parseCsv('a\tb\n1\t2\n', 10, '\t')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });
});

describe('feature values of an asset', () => {
  const definition = { name: 'Cell_Type', termColumns: ['Cell_Type'] } as FeatureDefinition;
  const value = (execution: string, cellType: string, confidence: number | null = null) => ({
    feature: 'Cell_Type',
    target: '42J',
    execution,
    rct: null,
    values: { Cell_Type: cellType, Confidence: confidence },
  });

  it('agrees when term columns agree, whatever the confidence', () => {
    const [group] = groupFeatureValues(
      [value('E1', 'Neutrophil', 0.9), value('E2', 'Neutrophil', 0.4)],
      [definition],
    );
    expect(group?.disagreement).toBe(false);
    expect(group?.columns).toEqual(['Cell_Type', 'Confidence']);
  });

  it('marks the values outside the majority, or all of them without one', () => {
    const [majority] = groupFeatureValues(
      [value('E1', 'Neutrophil'), value('E2', 'Neutrophil'), value('E3', 'Monocyte')],
      [definition],
    );
    expect(majority?.disagreement).toBe(true);
    expect(majority?.values.map((entry) => entry.dissenting)).toEqual([false, false, true]);

    const [tie] = groupFeatureValues([value('E1', 'Neutrophil'), value('E2', 'Monocyte')], [definition]);
    expect(tie?.values.map((entry) => entry.dissenting)).toEqual([true, true]);
  });
});
