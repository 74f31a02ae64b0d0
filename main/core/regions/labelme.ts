import {
  LABELME_SHAPE_TYPES,
  type DrawnRegion,
  type ImageSize,
  type Region,
  type RegionPoint,
  type ShapeType,
} from '../../../shared/regions.js';
import { SatchelError } from '../common/index.js';

/**
 * labelme's per-image JSON (labelme 5.x, `LabelFile`): `shapes` of `shape_type` with `[x, y]` points in
 * image pixels, the image's path and size. Reading is strict about every key labelme defines (types,
 * point counts per shape type, finite coordinates) and, like labelme, keeps quiet about keys it does not
 * know. Writing produces the same bytes for the same drawing, so identical drawings share one file in
 * the content-addressed store.
 */

/** The labelme version Satchel writes: the file layout of labelme 5.x. */
export const LABELME_VERSION = '5.5.0';
/** Larger than any drawing (labelme may embed the image as base64 in imageData); a bigger file is refused. */
export const MAX_REGION_FILE_BYTES = 64 * 1024 * 1024;
export const MAX_SHAPES = 20_000;
export const MAX_POINTS_PER_SHAPE = 20_000;

export interface LabelmeFile {
  regions: Region[];
  imagePath: string;
  /** Null when the file does not record it (labelme before 4). */
  image: ImageSize | null;
}

/** How many points each shape type has, as labelme's Shape checks them. */
const POINT_RULES: Record<ShapeType, { min: number; max: number; words: string }> = {
  rectangle: { min: 2, max: 2, words: '2 (two opposite corners)' },
  circle: { min: 2, max: 2, words: '2 (the centre and a point on the rim)' },
  line: { min: 2, max: 2, words: '2' },
  mask: { min: 2, max: 2, words: '2 (the corners of the mask)' },
  point: { min: 1, max: 1, words: '1' },
  points: { min: 1, max: MAX_POINTS_PER_SHAPE, words: 'at least 1' },
  linestrip: { min: 2, max: MAX_POINTS_PER_SHAPE, words: 'at least 2' },
  polygon: { min: 3, max: MAX_POINTS_PER_SHAPE, words: 'at least 3' },
};

class Invalid extends Error {}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalKind(
  owner: Record<string, unknown>,
  key: string,
  where: string,
  accepts: (value: unknown) => boolean,
  expected: string,
): void {
  const value = owner[key];
  if (value !== undefined && !accepts(value))
    throw new Invalid(`${where}${key} is ${describe(value)}, not ${expected}`);
}

function imageSizeOf(document: Record<string, unknown>): ImageSize | null {
  const size = (key: 'imageWidth' | 'imageHeight'): number | null => {
    const value = document[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      throw new Invalid(`${key} is ${describe(value)}, not a positive whole number`);
    return value;
  };
  const width = size('imageWidth');
  const height = size('imageHeight');
  if ((width === null) !== (height === null))
    throw new Invalid(`it gives ${width === null ? 'imageHeight' : 'imageWidth'} without the other`);
  return width !== null && height !== null ? { width, height } : null;
}

function pointOf(value: unknown, where: string): RegionPoint {
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((coordinate) => typeof coordinate === 'number' && Number.isFinite(coordinate))
  )
    throw new Invalid(`${where} is ${describe(value)}, not a point [x, y] of two finite numbers`);
  return [value[0] as number, value[1] as number];
}

function shapeOf(value: unknown, index: number): Region {
  const where = `shape ${index + 1}`;
  if (!isObject(value)) throw new Invalid(`${where} is ${describe(value)}, not an object`);
  const label = value.label;
  if (typeof label !== 'string') throw new Invalid(`${where} has the label ${describe(label)}, not a text`);
  // labelme reads a shape without shape_type as a polygon (files of labelme 3).
  const type = value.shape_type ?? 'polygon';
  if (typeof type !== 'string' || !(LABELME_SHAPE_TYPES as readonly string[]).includes(type))
    throw new Invalid(
      `${where} has the shape_type ${describe(type)}, not one of ${LABELME_SHAPE_TYPES.join(', ')}`,
    );
  const kind = type as ShapeType;
  if (!Array.isArray(value.points))
    throw new Invalid(`${where} has points ${describe(value.points)}, not a list of [x, y]`);
  const rule = POINT_RULES[kind];
  if (value.points.length < rule.min || value.points.length > rule.max)
    throw new Invalid(
      `${where} is a ${kind} with ${value.points.length} point${value.points.length === 1 ? '' : 's'}, where a ${kind} has ${rule.words}`,
    );
  const points = value.points.map((point, at) => pointOf(point, `point ${at + 1} of ${where}`));
  const prefix = `${where}'s `;
  optionalKind(
    value,
    'group_id',
    prefix,
    (id) => id === null || (typeof id === 'number' && Number.isInteger(id)),
    'a whole number or null',
  );
  optionalKind(value, 'description', prefix, (text) => text === null || typeof text === 'string', 'a text');
  optionalKind(value, 'flags', prefix, (flags) => flags === null || isObject(flags), 'an object');
  optionalKind(value, 'mask', prefix, (mask) => mask === null || typeof mask === 'string', 'a base64 text');
  if (kind === 'mask' && typeof value.mask !== 'string')
    throw new Invalid(`${where} is a mask without its mask image`);
  return { kind, points, label: label === '' ? null : label };
}

/**
 * Reads a labelme file; `file` names it in the sentence of a SatchelError ('bad-value') when it is not
 * one: not JSON, a key of the wrong type, a shape with the wrong number of points, too large.
 */
export function parseLabelme(bytes: Uint8Array | string, file: string): LabelmeFile {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
  const fail = (problem: string) =>
    new SatchelError('bad-value', `${file} is not a labelme region file: ${problem}.`, file);
  if (size > MAX_REGION_FILE_BYTES)
    throw fail(`it has ${size} bytes, more than the ${MAX_REGION_FILE_BYTES} Satchel reads`);
  let document: unknown;
  try {
    document = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    // The parser quotes the text it stopped at: keep the sentence printable and short.
    const reason = (error as Error).message.replace(/[^\x20-\x7e]/g, '?').replace(/\.$/, '');
    throw fail(`it is not JSON (${reason.length > 120 ? `${reason.slice(0, 120)}…` : reason})`);
  }
  try {
    if (!isObject(document)) throw new Invalid(`it holds ${describe(document)}, not an object`);
    if (!Array.isArray(document.shapes))
      throw new Invalid(`"shapes" is ${describe(document.shapes)}, not a list`);
    if (document.shapes.length > MAX_SHAPES)
      throw new Invalid(`it has ${document.shapes.length} shapes, more than the ${MAX_SHAPES} Satchel reads`);
    if (typeof document.imagePath !== 'string')
      throw new Invalid(`"imagePath" is ${describe(document.imagePath)}, not a text`);
    optionalKind(document, 'version', '', (text) => typeof text === 'string', 'a text');
    optionalKind(document, 'flags', '', (flags) => flags === null || isObject(flags), 'an object');
    optionalKind(
      document,
      'imageData',
      '',
      (data) => data === null || typeof data === 'string',
      'base64 text or null',
    );
    return {
      regions: document.shapes.map(shapeOf),
      imagePath: document.imagePath,
      image: imageSizeOf(document),
    };
  } catch (error) {
    if (error instanceof Invalid) throw fail(error.message);
    throw error;
  }
}

const round = (value: number) => Math.round(value * 100) / 100;

/** The labelme file of a drawing: labelme 5's layout, points rounded to 1/100 pixel, no embedded image. */
export function labelmeDocument(
  regions: readonly DrawnRegion[],
  imagePath: string,
  image: ImageSize,
): string {
  const shapes = regions.map((region) => ({
    label: region.label ?? '',
    points: region.points.map(([x, y]) => [round(x), round(y)]),
    group_id: null,
    description: '',
    shape_type: region.kind,
    flags: {},
    mask: null,
  }));
  const document = {
    version: LABELME_VERSION,
    flags: {},
    shapes,
    imagePath,
    imageData: null,
    imageHeight: image.height,
    imageWidth: image.width,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
