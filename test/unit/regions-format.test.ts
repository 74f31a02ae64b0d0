import { describe, expect, it } from 'vitest';
import { SatchelError } from '../../main/core/common/index.js';
import { labelmeDocument, parseLabelme } from '../../main/core/regions/index.js';
import type { DrawnRegion } from '../../shared/regions.js';

const FILE = 'data/asset/1-AB/Region_File/regions_1-X.json';

/** A labelme 5 file as labelme writes it, with `shapes` given. */
function labelme(shapes: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '5.5.0',
    flags: {},
    shapes,
    imagePath: 'digit.png',
    imageData: null,
    imageHeight: 112,
    imageWidth: 112,
    ...extra,
  });
}

function shape(shapeType: string, points: unknown, label: unknown = '3'): Record<string, unknown> {
  return { label, points, group_id: null, description: '', shape_type: shapeType, flags: {}, mask: null };
}

/** The sentence a bad file gets; fails the test when the file is read without complaint. */
function refusal(text: string): string {
  try {
    parseLabelme(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(SatchelError);
    return (error as SatchelError).message;
  }
  throw new Error('the file was accepted');
}

describe('labelme region files', () => {
  it('reads every shape type labelme writes, with labels and the image size', () => {
    const file = parseLabelme(
      labelme([
        shape('rectangle', [
          [10, 12.5],
          [40, 50],
        ]),
        shape('polygon', [
          [1, 1],
          [9, 1],
          [5, 8],
        ]),
        shape('point', [[30, 31]], ''),
        shape('circle', [
          [50, 50],
          [55, 50],
        ]),
        shape('linestrip', [
          [0, 0],
          [3, 4],
          [6, 0],
        ]),
      ]),
      FILE,
    );
    expect(file.image).toEqual({ width: 112, height: 112 });
    expect(file.imagePath).toBe('digit.png');
    expect(file.regions).toEqual([
      {
        kind: 'rectangle',
        points: [
          [10, 12.5],
          [40, 50],
        ],
        label: '3',
      },
      {
        kind: 'polygon',
        points: [
          [1, 1],
          [9, 1],
          [5, 8],
        ],
        label: '3',
      },
      { kind: 'point', points: [[30, 31]], label: null },
      {
        kind: 'circle',
        points: [
          [50, 50],
          [55, 50],
        ],
        label: '3',
      },
      {
        kind: 'linestrip',
        points: [
          [0, 0],
          [3, 4],
          [6, 0],
        ],
        label: '3',
      },
    ]);
  });

  it("reads labelme 3's files: no shape_type means a polygon, colours and sizes may be absent", () => {
    const text = JSON.stringify({
      flags: {},
      shapes: [
        {
          label: 'cell',
          line_color: null,
          fill_color: null,
          points: [
            [1, 2],
            [3, 4],
            [5, 2],
          ],
        },
      ],
      lineColor: [0, 255, 0, 128],
      fillColor: [255, 0, 0, 128],
      imagePath: 'old.jpg',
      imageData: null,
    });
    const file = parseLabelme(text, FILE);
    expect(file.image).toBeNull();
    expect(file.regions).toEqual([
      {
        kind: 'polygon',
        points: [
          [1, 2],
          [3, 4],
          [5, 2],
        ],
        label: 'cell',
      },
    ]);
  });

  it('refuses a bad file with one sentence naming the file and the problem', () => {
    const cases: [string, string][] = [
      ['{"shapes": [', 'it is not JSON'],
      ['[1, 2]', 'it holds a list, not an object'],
      [labelme([]).replace('"shapes":[]', '"shapes":{}'), '"shapes" is an object, not a list'],
      [labelme([], { imagePath: 7 }), '"imagePath" is 7, not a text'],
      [labelme([], { imageWidth: -3 }), 'imageWidth is -3, not a positive whole number'],
      [labelme([], { imageHeight: null }), 'it gives imageWidth without the other'],
      [
        labelme([
          shape('rectangle', [
            [1, 1],
            [2, 2],
            [3, 3],
          ]),
        ]),
        'shape 1 is a rectangle with 3 points, where a rectangle has 2 (two opposite corners)',
      ],
      [
        labelme([
          shape('polygon', [
            [1, 1],
            [2, 2],
          ]),
        ]),
        'shape 1 is a polygon with 2 points, where a polygon has at least 3',
      ],
      [
        labelme([shape('point', [[1, 'x']])]),
        'point 1 of shape 1 is a list, not a point [x, y] of two finite numbers',
      ],
      [
        labelme([shape('point', [[1, 2]]), shape('blob', [[1, 2]])]),
        'shape 2 has the shape_type "blob", not one of',
      ],
      [labelme([shape('point', [[1, 2]], 5)]), 'shape 1 has the label 5, not a text'],
      [
        labelme([{ ...shape('point', [[1, 2]]), group_id: 'g' }]),
        `shape 1's group_id is "g", not a whole number or null`,
      ],
      [
        labelme([
          shape('mask', [
            [1, 2],
            [3, 4],
          ]),
        ]),
        'shape 1 is a mask without its mask image',
      ],
    ];
    for (const [text, problem] of cases) {
      const sentence = refusal(text);
      expect(sentence.startsWith(`${FILE} is not a labelme region file: `), sentence).toBe(true);
      expect(sentence, text).toContain(problem);
      expect(sentence.endsWith('.'), sentence).toBe(true);
      expect(sentence).not.toContain('\n');
    }
  });

  it('writes labelme 5 files that read back to the same drawing, byte-identical for the same drawing', () => {
    const regions: DrawnRegion[] = [
      {
        kind: 'rectangle',
        points: [
          [10.123, 20],
          [30, 40.456],
        ],
        label: '7',
      },
      {
        kind: 'polygon',
        points: [
          [1, 1],
          [5, 1],
          [3, 4],
        ],
        label: null,
      },
      { kind: 'point', points: [[50, 60]], label: '1' },
    ];
    const text = labelmeDocument(regions, 'seven.png', { width: 112, height: 96 });
    expect(text).toBe(labelmeDocument(regions, 'seven.png', { width: 112, height: 96 }));
    const document = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(document)).toEqual([
      'version',
      'flags',
      'shapes',
      'imagePath',
      'imageData',
      'imageHeight',
      'imageWidth',
    ]);
    expect(document).toMatchObject({
      version: '5.5.0',
      imagePath: 'seven.png',
      imageData: null,
      imageHeight: 96,
    });
    expect((document.shapes as unknown[])[1]).toEqual({
      label: '',
      points: [
        [1, 1],
        [5, 1],
        [3, 4],
      ],
      group_id: null,
      description: '',
      shape_type: 'polygon',
      flags: {},
      mask: null,
    });
    const read = parseLabelme(text, 'draft.json');
    expect(read.image).toEqual({ width: 112, height: 96 });
    expect(read.regions).toEqual([
      {
        kind: 'rectangle',
        points: [
          [10.12, 20],
          [30, 40.46],
        ],
        label: '7',
      },
      regions[1],
      regions[2],
    ]);
  });
});
