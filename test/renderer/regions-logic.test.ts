import { describe, expect, it } from 'vitest';
import type { DrawnRegion, RegionPoint } from '../../shared/regions.js';
import { closePolygon, closesPolygon, placePoint, startDrawing } from '../../renderer/src/regions/drawing.js';
import { copyOnto, cycle, labelAt, removeAt, replaceAt } from '../../renderer/src/regions/editing.js';
import { isRegionFeature, regionTerms } from '../../renderer/src/regions/feature.js';
import {
  handleAt,
  handlesOf,
  moveHandle,
  pointInPolygon,
  rectangleBetween,
  regionAt,
  stageToImage,
  translateRegion,
} from '../../renderer/src/regions/geometry.js';
import { regionCommand, type EditorSituation, type KeyLike } from '../../renderer/src/regions/keys.js';

const size = { width: 100, height: 80 };
const box = (x0: number, y0: number, x1: number, y1: number, label: string | null = null): DrawnRegion => ({
  kind: 'rectangle',
  points: [
    [x0, y0],
    [x1, y1],
  ],
  label,
});
const triangle: DrawnRegion = {
  kind: 'polygon',
  points: [
    [10, 10],
    [50, 10],
    [10, 50],
  ],
  label: null,
};

describe('region geometry', () => {
  it('maps the stage to image pixels through the view', () => {
    expect(stageToImage({ x: 20, y: 10, scale: 4 }, 60, 50)).toEqual([10, 10]);
  });

  it('orders rectangle corners top-left, bottom-right', () => {
    expect(rectangleBetween([30, 5], [10, 25])).toEqual([
      [10, 5],
      [30, 25],
    ]);
  });

  it('finds the topmost region under a point, points and edges within the tolerance', () => {
    expect(pointInPolygon([15, 15], triangle.points)).toBe(true);
    expect(pointInPolygon([45, 45], triangle.points)).toBe(false);
    const regions: DrawnRegion[] = [
      box(0, 0, 60, 60),
      triangle,
      { kind: 'point', points: [[90, 70]], label: null },
    ];
    expect(regionAt(regions, [15, 15], 2)).toBe(1);
    expect(regionAt(regions, [45, 45], 2)).toBe(0);
    expect(regionAt(regions, [91, 71], 2)).toBe(2);
    expect(regionAt(regions, [95, 75], 2)).toBeNull();
  });

  it('reshapes a rectangle from any corner, keeping the opposite one, within the image', () => {
    const region = box(10, 10, 30, 40);
    expect(handlesOf(region)).toEqual([
      [10, 10],
      [30, 10],
      [30, 40],
      [10, 40],
    ]);
    expect(handleAt(region, [29, 39], 3)).toBe(2);
    expect(handleAt(region, [20, 20], 3)).toBeNull();
    // The bottom-right corner dragged past the top-left one: the box flips, corners stay ordered.
    expect(moveHandle(region, 2, [5, 2], size).points).toEqual([
      [5, 2],
      [10, 10],
    ]);
    expect(moveHandle(region, 1, [500, -20], size).points).toEqual([
      [10, 0],
      [100, 40],
    ]);
    expect(moveHandle(triangle, 1, [60, 12], size).points).toEqual([
      [10, 10],
      [60, 12],
      [10, 50],
    ]);
  });

  it('moves a region whole and stops it at the edges without deforming it', () => {
    expect(translateRegion(box(10, 10, 30, 40), 5, -3, size).points).toEqual([
      [15, 7],
      [35, 37],
    ]);
    expect(translateRegion(box(10, 10, 30, 40), 200, 200, size).points).toEqual([
      [80, 50],
      [100, 80],
    ]);
    expect(translateRegion(box(10, 10, 30, 40), -50, 0, size).points).toEqual([
      [0, 10],
      [20, 40],
    ]);
  });
});

describe('drawing a shape', () => {
  it('makes a rectangle of two corners, ignoring a second click on the first', () => {
    const first = placePoint(startDrawing('rectangle'), [40, 30], size, null);
    expect(first.finished).toBeNull();
    expect(placePoint(first.drawing, [40.5, 30.2], size, null).finished).toBeNull();
    const done = placePoint(first.drawing, [10, 60], size, '3');
    expect(done.finished).toEqual(box(10, 30, 40, 60, '3'));
    expect(done.drawing).toEqual({ tool: 'rectangle', points: [] });
  });

  it('places a point at once, clamped to the image', () => {
    expect(placePoint(startDrawing('point'), [120, -4], size, null).finished).toEqual({
      kind: 'point',
      points: [[100, 0]],
      label: null,
    });
  });

  it('adds polygon vertices until Enter or a click on the first vertex closes it', () => {
    let drawing = startDrawing('polygon');
    for (const point of [
      [10, 10],
      [50, 10],
    ] as RegionPoint[])
      drawing = placePoint(drawing, point, size, null).drawing;
    expect(closePolygon(drawing, null).finished).toBeNull();
    expect(closesPolygon(drawing, [10, 10], 2)).toBe(false);
    drawing = placePoint(drawing, [10, 50], size, null).drawing;
    expect(drawing.points).toHaveLength(3);
    expect(closesPolygon(drawing, [11, 11], 2)).toBe(true);
    expect(closesPolygon(drawing, [20, 20], 2)).toBe(false);
    expect(closePolygon(drawing, null)).toEqual({
      drawing: { tool: 'polygon', points: [] },
      finished: triangle,
    });
  });
});

describe('editing a list of regions', () => {
  const regions = [box(0, 0, 10, 10), triangle, box(20, 20, 30, 30)];

  it('replaces, removes and labels one region, leaving the list it was given alone', () => {
    expect(replaceAt(regions, 1, box(1, 1, 2, 2))[1]).toEqual(box(1, 1, 2, 2));
    expect(removeAt(regions, 0)).toEqual([triangle, box(20, 20, 30, 30)]);
    expect(labelAt(regions, 2, '7')[2]).toEqual(box(20, 20, 30, 30, '7'));
    expect(regions[2]!.label).toBeNull();
  });

  it('goes round the regions with Tab and Shift+Tab', () => {
    expect(cycle(3, null, false)).toBe(0);
    expect(cycle(3, null, true)).toBe(2);
    expect(cycle(3, 2, false)).toBe(0);
    expect(cycle(3, 0, true)).toBe(2);
    expect(cycle(0, null, false)).toBeNull();
  });

  it('copies regions onto a smaller image, clipped, dropping what is left without an area', () => {
    const small = { width: 25, height: 25 };
    expect(
      copyOnto(
        [box(20, 20, 40, 40, '1'), box(30, 0, 40, 10), { kind: 'point', points: [[60, 5]], label: null }],
        small,
      ),
    ).toEqual([box(20, 20, 25, 25, '1'), { kind: 'point', points: [[25, 5]], label: null }]);
  });
});

describe('region keys', () => {
  const idle: EditorSituation = {
    tool: null,
    placed: 0,
    selected: false,
    regions: 2,
    termKeys: { '3': '4', '7': 'x' },
  };
  const key = (name: string, modifiers: Partial<KeyLike> = {}): KeyLike => ({
    key: name,
    shiftKey: false,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    ...modifiers,
  });

  it('arms the tools, places with Space, closes a polygon with Enter and cancels with Esc', () => {
    expect(regionCommand(key('b'), idle)).toEqual({ kind: 'tool', tool: 'rectangle' });
    expect(regionCommand(key('P'), idle)).toEqual({ kind: 'tool', tool: 'polygon' });
    expect(regionCommand(key('o'), idle)).toEqual({ kind: 'tool', tool: 'point' });
    const drawing = { ...idle, tool: 'polygon' as const, placed: 3 };
    expect(regionCommand(key(' '), drawing)).toEqual({ kind: 'place' });
    expect(regionCommand(key('Enter'), drawing)).toEqual({ kind: 'close' });
    expect(regionCommand(key('Escape'), drawing)).toEqual({ kind: 'cancel' });
    expect(regionCommand(key('ArrowLeft', { shiftKey: true }), drawing)).toEqual({
      kind: 'cursor',
      dx: -10,
      dy: 0,
    });
  });

  it('nudges the selected region, and leaves arrows, Enter and Esc to the viewer otherwise', () => {
    const selected = { ...idle, selected: true };
    expect(regionCommand(key('ArrowDown'), selected)).toEqual({ kind: 'nudge', dx: 0, dy: 1 });
    expect(regionCommand(key('ArrowUp', { shiftKey: true }), selected)).toEqual({
      kind: 'nudge',
      dx: 0,
      dy: -10,
    });
    expect(regionCommand(key('ArrowRight'), idle)).toBeNull();
    expect(regionCommand(key('Enter'), idle)).toBeNull();
    expect(regionCommand(key('Escape'), idle)).toBeNull();
    expect(regionCommand(key('Escape'), selected)).toEqual({ kind: 'cancel' });
  });

  it('goes through regions with Tab, labels with the term keys and deletes with Del', () => {
    const selected = { ...idle, selected: true };
    expect(regionCommand(key('Tab'), idle)).toEqual({ kind: 'cycle', backwards: false });
    expect(regionCommand(key('Tab', { shiftKey: true }), idle)).toEqual({ kind: 'cycle', backwards: true });
    expect(regionCommand(key('Tab'), { ...idle, regions: 0 })).toBeNull();
    expect(regionCommand(key('4'), selected)).toEqual({ kind: 'term', term: '3' });
    expect(regionCommand(key('X'), selected)).toEqual({ kind: 'term', term: '7' });
    expect(regionCommand(key('4'), idle)?.kind).toBe('explain');
    expect(regionCommand(key('Delete'), selected)).toEqual({ kind: 'delete' });
    expect(regionCommand(key('Backspace'), idle)?.kind).toBe('explain');
    expect(regionCommand(key('9'), selected)).toBeNull();
  });

  it('copies the previous image with C, undoes with Ctrl+Z and redoes with Ctrl+Shift+Z or Ctrl+Y', () => {
    expect(regionCommand(key('c'), idle)).toEqual({ kind: 'copy-previous' });
    expect(regionCommand(key('z', { ctrlKey: true }), idle)).toEqual({ kind: 'undo' });
    expect(regionCommand(key('Z', { ctrlKey: true, shiftKey: true }), idle)).toEqual({ kind: 'redo' });
    expect(regionCommand(key('y', { ctrlKey: true }), idle)).toEqual({ kind: 'redo' });
    expect(regionCommand(key('z', { metaKey: true }), idle, true)).toEqual({ kind: 'undo' });
    expect(regionCommand(key('z', { metaKey: true }), idle, false)).toBeNull();
    expect(regionCommand(key('b', { altKey: true }), idle)).toBeNull();
  });
});

describe('region features', () => {
  it('are the features with an asset column; their terms are the first vocabulary', () => {
    const shape = {
      feature: 'Region',
      target: 'Image',
      table: 'digits:Execution_Image_Region',
      fields: [
        { column: 'Digit', kind: 'term' as const, required: false, terms: ['0', '1'], type: 'text' },
        { column: 'Region_File', kind: 'asset' as const, required: true, type: 'text' },
      ],
    };
    expect(isRegionFeature(shape)).toBe(true);
    expect(regionTerms(shape)).toEqual(['0', '1']);
    expect(isRegionFeature({ ...shape, fields: shape.fields.slice(0, 1) })).toBe(false);
    expect(isRegionFeature(null)).toBe(false);
  });
});
